"""A local HTTP server standing in for Twilio's REST API (Messages and Calls), for tests and `hotline run`."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from hotline.dev import twilio_api

_ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")
_KINDS = {"Messages": "message", "Calls": "call"}


@dataclass(frozen=True)
class Sent:
    """One request the stand-in accepted."""

    kind: str  # "message" or "call"
    sid: str
    params: dict[str, list[str]]

    def get(self, name: str) -> str:
        """First value of form field `name`, or ""."""
        return twilio_api.first(self.params, name)


@dataclass(frozen=True)
class Refused:
    """One request the stand-in answered with an error."""

    kind: str  # "message", "call", or "" when the route was unknown
    status: int
    code: int
    params: dict[str, list[str]]


class TwilioStandIn:
    """Answers Twilio's Messages and Calls create requests on 127.0.0.1 and records them."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition()
        self._sent: list[Sent] = []
        self._refused: list[Refused] = []
        self._unsubscribed: set[str] = set()
        self._failures: list[tuple[int, int | None]] = []

    def start(self) -> str:
        """Listen on a free loopback port in a background thread; return the base URL."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        # A short poll interval keeps stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="twilio-standin", daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> TwilioStandIn:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def sent(self, kind: str | None = None) -> list[Sent]:
        """Accepted requests so far, oldest first, optionally only one kind."""
        with self._changed:
            return [s for s in self._sent if kind in (None, s.kind)]

    def rejected(self) -> list[Refused]:
        """Refused requests so far, oldest first."""
        with self._changed:
            return list(self._refused)

    def wait_for(self, count: int, kind: str | None = None, timeout: float = 5.0) -> list[Sent]:
        """Block until at least `count` requests (of `kind`) were accepted; AssertionError if not in time."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.sent(kind)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {count} {kind or 'request'}(s), got {len(found)}: "
                        f"{found}; refused: {self._refused}"
                    )
                self._changed.wait(left)
            return found

    def unsubscribe(self, number: str) -> None:
        """Refuse messages to `number` from now on, as Twilio does after the person texts STOP."""
        with self._changed:
            self._unsubscribed.add(number)

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        """Answer the next `times` Messages/Calls requests with HTTP `status` and Twilio error `code`."""
        with self._changed:
            self._failures.extend([(status, code)] * times)

    def answer(
        self, method: str, path: str, authorization: str, params: dict[str, list[str]]
    ) -> tuple[int, dict]:
        """Status and JSON body for one request (the HTTP handler's whole job)."""
        route = _ROUTE.match(urlsplit(path).path) if method == "POST" else None
        kind = _KINDS[route[2]] if route else ""
        try:
            if not self._authorized(authorization):
                raise twilio_api.Refusal(401, 20003, "Authenticate")
            if route is None or route[1] != self.account_sid:
                raise twilio_api.Refusal(404, 20404, f"The requested resource {path} was not found")
            with self._changed:
                status, code = self._failures.pop(0) if self._failures else (0, None)
            if status:
                # Twilio's HTTP-level errors are numbered 20000 + status (20404, 20429, 20500, 20503).
                raise twilio_api.Refusal(status, code or 20000 + status, HTTPStatus(status).phrase)
            resource = (
                twilio_api.message(self.account_sid, params, self._is_unsubscribed(params))
                if kind == "message"
                else twilio_api.call(self.account_sid, params)
            )
        except twilio_api.Refusal as refusal:
            with self._changed:
                self._refused.append(Refused(kind, refusal.status, refusal.code, params))
                self._changed.notify_all()
            return refusal.status, {
                "code": refusal.code,
                "message": refusal.message,
                "more_info": f"https://www.twilio.com/docs/errors/{refusal.code}",
                "status": refusal.status,
            }
        with self._changed:
            self._sent.append(Sent(kind, str(resource["sid"]), params))
            self._changed.notify_all()
        return 201, resource

    def _is_unsubscribed(self, params: dict[str, list[str]]) -> bool:
        with self._changed:
            return twilio_api.first(params, "To") in self._unsubscribed

    def _authorized(self, header: str) -> bool:
        """True when `header` is HTTP Basic with this account's SID and auth token."""
        scheme, _, encoded = header.partition(" ")
        try:
            credentials = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return scheme.lower() == "basic" and credentials == f"{self.account_sid}:{self.auth_token}"


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its stand-in."""

    daemon_threads = True
    standin: TwilioStandIn


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into `TwilioStandIn.answer` calls. HTTP/1.0: one request per connection."""

    server: _Server

    def do_POST(self) -> None:
        """Answer a form-encoded POST."""
        form = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self._reply(*self._answer(parse_qs(form, keep_blank_values=True)))

    def do_GET(self) -> None:
        """Answer a GET: only create endpoints exist here, so 401 or 404."""
        self._reply(*self._answer({}))

    def _answer(self, params: dict[str, list[str]]) -> tuple[int, dict]:
        """Ask the stand-in what to answer."""
        authorization = self.headers.get("Authorization", "")
        return self.server.standin.answer(self.command, self.path, authorization, params)

    def _reply(self, status: int, payload: dict) -> None:
        """Send `payload` as JSON with `status`."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: request lines and errors could carry phone numbers."""
