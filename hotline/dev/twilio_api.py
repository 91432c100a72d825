"""What Twilio's REST API checks and answers when a message or call is created (for the stand-in)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime

from flows.phones import is_valid
from flows.segments import measure

API_VERSION = "2010-04-01"
_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
WHATSAPP = "whatsapp:"
MAX_BODY = 1600
MAX_TWIML = 4000


class Refusal(Exception):
    """A check failed: answer with Twilio's JSON error."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def message(
    account_sid: str, params: dict[str, list[str]], unsubscribed: bool
) -> dict[str, object]:
    """Check a Messages create like Twilio does; return the new Message resource."""
    to, body, sender = first(params, "To"), first(params, "Body"), first(params, "From")
    content_sid = first(params, "ContentSid")
    if not to:
        raise Refusal(400, 21604, "A 'To' phone number is required.")
    if not is_valid(to.removeprefix(WHATSAPP)):
        # Twilio refuses what is no number at all ("no 555 US exchange", its docs say), not one
        # abroad or premium-rate (the account's permissions decide): keeping away from those is
        # the hotline's own rule (`phones.judge`), which a stand-in must not apply for it.
        # Twilio's message quotes the number, so callers must not log error messages verbatim.
        raise Refusal(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not (sender or first(params, "MessagingServiceSid")):
        raise Refusal(400, 21603, "A 'From' phone number is required.")
    if sender and to.startswith(WHATSAPP) != sender.startswith(WHATSAPP):
        raise Refusal(
            400, 21910, "Invalid From and To pair. From and To should be of the same channel"
        )
    if content_sid and not _CONTENT_SID.match(content_sid):
        raise Refusal(400, 21655, "The ContentSid is Invalid.")
    if not (body or params.get("MediaUrl") or content_sid):
        raise Refusal(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise Refusal(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if unsubscribed:
        raise Refusal(400, 21610, "Attempt to send to unsubscribed recipient")
    sid, now = _sid("SM"), _now()
    path = _path(account_sid, "Messages", sid)
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": first(params, "From") or None,
        "messaging_service_sid": first(params, "MessagingServiceSid") or None,
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


def call(account_sid: str, params: dict[str, list[str]]) -> dict[str, object]:
    """Check a Calls create like Twilio does; return the new Call resource."""
    to, from_ = first(params, "To"), first(params, "From")
    if not to:
        raise Refusal(400, 21201, "No 'To' number is specified")
    if not from_:
        raise Refusal(400, 21213, "No 'From' number is specified")
    if not is_valid(to):
        raise Refusal(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not any(first(params, name) for name in ("Url", "Twiml", "ApplicationSid")):
        raise Refusal(400, 21205, "Url parameter is required.")
    if len(first(params, "Twiml")) > MAX_TWIML:
        # Twilio documents the 4000-character limit but no code for it; 21200 is the Calls catch-all.
        raise Refusal(400, 21200, "Twiml must be 4000 characters or fewer.")
    sid, now = _sid("CA"), _now()
    path = _path(account_sid, "Calls", sid)
    return {
        "account_sid": account_sid,
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


def _path(account_sid: str, resource: str, sid: str) -> str:
    """Path of one created resource, without the ".json" Twilio puts on its `uri`."""
    return f"/{API_VERSION}/Accounts/{account_sid}/{resource}/{sid}"


def first(params: dict[str, list[str]], name: str) -> str:
    """First value of form field `name`, or ""."""
    return params.get(name, [""])[0]


def _sid(prefix: str) -> str:
    """A fresh 34-character SID such as SM followed by 32 hex digits."""
    return prefix + uuid.uuid4().hex


def _now() -> str:
    """Now in RFC 2822, as Twilio formats dates."""
    return format_datetime(datetime.now(UTC))
