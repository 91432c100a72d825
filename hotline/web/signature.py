"""The X-Twilio-Signature check: Twilio's own RequestValidator, against the URL Twilio signed."""

from __future__ import annotations

import hmac

from flask import Request
from twilio.request_validator import RequestValidator


class _Params(dict[str, list[str]]):
    """A form as name -> all its values, in the shape RequestValidator reads first (`getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def signed_url(request: Request, public_base_url: str) -> str:
    """The URL Twilio requested, byte for byte: public base (if set), path and raw query string."""
    base = public_base_url or request.host_url.rstrip("/")
    query = request.query_string.decode("latin-1")
    return base + request.path + (f"?{query}" if query else "")


def is_from_twilio(request: Request, validator: RequestValidator, public_base_url: str) -> bool:
    """True when the request carries a valid signature over its URL and every form parameter.

    One HMAC for a genuine request: Twilio signs the URL as we were configured to receive it.
    Only a mismatch goes on to `validate`, which also tries the URL with and without its port.
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = signed_url(request, public_base_url)
    # Repeated parameters are all signed, as Twilio does.
    params = _Params(request.form.lists())
    computed = validator.compute_signature(url, params)
    if hmac.compare_digest(computed.encode(), signature.encode()):
        return True
    return bool(validator.validate(url, params, signature))
