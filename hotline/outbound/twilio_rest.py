"""Outbound Twilio: send an SMS or place a call, with every failure sorted into retry or not."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import redis
import requests
from twilio.base import values
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.reports import tally
from hotline.reports.counters import ReportCounters
from hotline.settings import Settings, WhatsAppTemplate

log = logging.getLogger(__name__)
TIMEOUT = 10.0  # seconds per HTTP request; a worker must not hang on Twilio
UNSUBSCRIBED = 21610


class TwilioFailure(Exception):
    """A request Twilio did not take; `code` is Twilio's error code, or 'unreachable'."""

    def __init__(self, summary: str, code: str) -> None:
        super().__init__(summary)
        self.code = code


class OptedOut(TwilioFailure):
    """The person opted out (Twilio 21610): never retry; record it."""


class TryLater(TwilioFailure):
    """Twilio was rate limiting, failing or unreachable: the job should retry."""


class Rejected(TwilioFailure):
    """Twilio refused the request for good (any other 4xx)."""


class TwilioRest:
    """Twilio's REST API as the hotline uses it: one SMS, WhatsApp message or call at a time.

    With `reports`, texts sent and failures by error code are counted.
    """

    def __init__(self, settings: Settings, reports: ReportCounters | None = None) -> None:
        self._reports = reports
        self._from = settings.twilio_phone_number
        self._whatsapp = settings.whatsapp_sender
        self._client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=TIMEOUT),
        )
        # client.messages and client.calls both build their URLs from the Api domain's base_url.
        self._client.api.base_url = settings.twilio_api_base_url

    def send_sms(self, to: str, body: str) -> str:
        """Send `body` to `to` from the hotline's number; return the Message SID."""
        with self._counted():
            sid: str = self._client.messages.create(to=to, from_=self._from, body=body).sid
        self._count(tally.sent(body))
        return sid

    def send_whatsapp(self, to: str, body: str, template: WhatsAppTemplate | None = None) -> str:
        """Send `body` (or, past the 24-hour window, `template`) to `to` on WhatsApp, from the
        hotline's WhatsApp sender; return the Message SID."""
        sent: dict[str, object] = {"body": body}
        if template is not None:
            variables = template.variables or values.unset
            sent = {"content_sid": template.content_sid, "content_variables": variables}
        with self._counted():
            sid: str = self._client.messages.create(
                to=f"whatsapp:{to}", from_=f"whatsapp:{self._whatsapp}", **sent
            ).sid
        self._count(tally.sent(body, segments=False))
        return sid

    def call(self, to: str, twiml: str, status_callback: str = "") -> str:
        """Call `to` from the hotline's number and run inline `twiml`; return the Call SID."""
        with self._counted():
            return self._client.calls.create(
                to=to,
                from_=self._from,
                twiml=twiml,
                status_callback=status_callback or values.unset,
            ).sid

    @contextmanager
    def _counted(self) -> Iterator[None]:
        """Twilio's failures sorted (see `_sorted_failures`), each counted by its code."""
        try:
            with _sorted_failures():
                yield
        except TwilioFailure as failure:
            self._count(tally.failed(failure.code))
            raise

    def _count(self, counted: tally.Tally) -> None:
        """Count, never failing the send: a text Twilio took must not be retried for a count."""
        if self._reports is None:
            return
        try:
            self._reports.record(counted)
        except redis.RedisError:
            log.warning("a text or Twilio error went uncounted: Redis did not answer")


@contextmanager
def _sorted_failures() -> Iterator[None]:
    """Re-raise twilio-python's failures as OptedOut, TryLater or Rejected, keeping only code and status."""
    try:
        yield
    # `from None`: Twilio's own message can quote the phone number, so it must not travel on.
    except (TwilioRestException, TwilioServiceException) as exc:
        summary, code = f"Twilio error {exc.code} (HTTP {exc.status})", str(exc.code)
        if exc.code == UNSUBSCRIBED:
            raise OptedOut(summary, code) from None
        if exc.status == 429 or exc.status >= 500:
            raise TryLater(summary, code) from None
        raise Rejected(summary, code) from None
    # A read timeout may come after Twilio accepted the request, so a retry can send twice.
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TryLater(f"Twilio unreachable ({type(exc).__name__})", "unreachable") from None
