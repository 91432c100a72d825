"""A local HTTP server standing in for Twilio's REST API (Messages and Calls), for tests and `hotline run`."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from flows.segments import measure

API_VERSION = "2010-04-01"
_ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")
_KINDS = {"Messages": "message", "Calls": "call"}
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
MAX_BODY = 1600
MAX_TWIML = 4000


@dataclass(frozen=True)
class Sent:
    """One request the stand-in accepted."""

    kind: str  # "message" or "call"
    sid: str
    params: dict[str, list[str]]

    def get(self, name: str) -> str:
        """First value of form field `name`, or ""."""
        return _first(self.params, name)


@dataclass(frozen=True)
class Refused:
    """One request the stand-in answered with an error."""

    kind: str  # "message", "call", or "" when the route was unknown
    status: int
    code: int
    params: dict[str, list[str]]


class _Refusal(Exception):
    """A check failed: answer with Twilio's JSON error."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


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
                raise _Refusal(401, 20003, "Authenticate")
            if route is None or route[1] != self.account_sid:
                raise _Refusal(404, 20404, f"The requested resource {path} was not found")
            with self._changed:
                status, code = self._failures.pop(0) if self._failures else (0, None)
            if status:
                # Twilio's HTTP-level errors are numbered 20000 + status (20404, 20429, 20500, 20503).
                raise _Refusal(status, code or 20000 + status, HTTPStatus(status).phrase)
            resource = self._message(params) if kind == "message" else self._call(params)
        except _Refusal as refusal:
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
            self._sent.append(Sent(kind, resource["sid"], params))
            self._changed.notify_all()
        return 201, resource

    def _authorized(self, header: str) -> bool:
        """True when `header` is HTTP Basic with this account's SID and auth token."""
        scheme, _, encoded = header.partition(" ")
        try:
            credentials = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return scheme.lower() == "basic" and credentials == f"{self.account_sid}:{self.auth_token}"

    def _message(self, params: dict[str, list[str]]) -> dict:
        """Check a Messages create like Twilio does; return the new Message resource."""
        to, body = _first(params, "To"), _first(params, "Body")
        if not to:
            raise _Refusal(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            # Twilio's message quotes the number, so callers must not log error messages verbatim.
            raise _Refusal(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not (_first(params, "From") or _first(params, "MessagingServiceSid")):
            raise _Refusal(400, 21603, "A 'From' phone number is required.")
        if not (body or params.get("MediaUrl") or _first(params, "ContentSid")):
            raise _Refusal(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            raise _Refusal(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        with self._changed:
            if to in self._unsubscribed:
                raise _Refusal(400, 21610, "Attempt to send to unsubscribed recipient")
        sid, now = _sid("SM"), _now()
        path = self._path("Messages", sid)
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": _first(params, "From") or None,
            "messaging_service_sid": _first(params, "MessagingServiceSid") or None,
            "num_media": str(len(params.get("MediaUrl", []))),
            "num_segments": str(measure(body).segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{path}/Media.json"},
            "to": to,
            "uri": f"{path}.json",
        }

    def _call(self, params: dict[str, list[str]]) -> dict:
        """Check a Calls create like Twilio does; return the new Call resource."""
        to, from_ = _first(params, "To"), _first(params, "From")
        if not to:
            raise _Refusal(400, 21201, "No 'To' number is specified")
        if not from_:
            raise _Refusal(400, 21213, "No 'From' number is specified")
        if not _E164.match(to):
            raise _Refusal(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not any(_first(params, name) for name in ("Url", "Twiml", "ApplicationSid")):
            raise _Refusal(400, 21205, "Url parameter is required.")
        if len(_first(params, "Twiml")) > MAX_TWIML:
            # Twilio documents the 4000-character limit but no code for it; 21200 is the Calls catch-all.
            raise _Refusal(400, 21200, "Twiml must be 4000 characters or fewer.")
        sid, now = _sid("CA"), _now()
        path = self._path("Calls", sid)
        return {
            "account_sid": self.account_sid,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": from_,
            "from_formatted": from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {
                "notifications": f"{path}/Notifications.json",
                "recordings": f"{path}/Recordings.json",
            },
            "to": to,
            "to_formatted": to,
            "trunk_sid": None,
            "uri": f"{path}.json",
        }

    def _path(self, resource: str, sid: str) -> str:
        """Path of one created resource, without the ".json" Twilio puts on its `uri`."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/{resource}/{sid}"


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


def _first(params: dict[str, list[str]], name: str) -> str:
    """First value of form field `name`, or ""."""
    return params.get(name, [""])[0]


def _sid(prefix: str) -> str:
    """A fresh 34-character SID such as SM followed by 32 hex digits."""
    return prefix + uuid.uuid4().hex


def _now() -> str:
    """Now in RFC 2822, as Twilio formats dates."""
    return format_datetime(datetime.now(UTC))
