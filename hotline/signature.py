"""The X-Twilio-Signature check: Twilio's own RequestValidator, against the URL Twilio signed."""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator


def signed_url(request: Request, public_base_url: str) -> str:
    """The URL Twilio requested, byte for byte: public base (if set), path and raw query string."""
    base = public_base_url or request.host_url.rstrip("/")
    query = request.query_string.decode("latin-1")
    return base + request.path + (f"?{query}" if query else "")


def is_from_twilio(request: Request, validator: RequestValidator, public_base_url: str) -> bool:
    """True when the request carries a valid signature over its URL and every form parameter."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    # request.form is a MultiDict: repeated parameters are all signed, as Twilio does.
    return bool(validator.validate(signed_url(request, public_base_url), request.form, signature))
