"""A phone in the terminal: text the hotline over HTTP, signing each request exactly as Twilio does."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

from flows.segments import measure

HOTLINE_NUMBER = "+15005550006"


class PhoneSimulator:
    """Posts signed webhooks to a running hotline and reads back its TwiML."""

    def __init__(self, url: str, auth_token: str, number: str, public_base_url: str = "") -> None:
        self.url = url.rstrip("/")
        self.public_base_url = (public_base_url or self.url).rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.number = number

    def post(self, path: str, params: dict[str, str]) -> bytes:
        """POST `params` to `path` with Twilio's signature; the response body."""
        signature = self.validator.compute_signature(self.public_base_url + path, params)
        request = urllib.request.Request(
            self.url + path,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"the hotline answered HTTP {error.code}") from error
        except urllib.error.URLError as error:
            raise SystemExit(f"cannot reach the hotline at {self.url}: {error.reason}") from error

    def text(self, body: str) -> list[tuple[str, str]]:
        """Send one text; each reply with what it costs ('GSM-7, 2 segments, 301 chars')."""
        sid = "SM" + secrets.token_hex(16)
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.number,
            "To": HOTLINE_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        root = ET.fromstring(self.post("/twilio/sms", params))
        replies = []
        for message in root.iter("Message"):
            text = "".join(message.itertext())
            m = measure(text)
            replies.append((text, f"{m.encoding}, {m.segments} segment(s), {m.characters} chars"))
        return replies
