"""Pre-built, correctly signed Twilio webhooks: the conversation scripts and their requests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

AUTH_TOKEN = "bench-auth-token-" + os.urandom(8).hex()
ACCOUNT_SID = "AC" + "0" * 32
HOTLINE_NUMBER = "+15005550006"

SMS_SCRIPT = ["SECOND", "1", "MORE", "MORE", "MENU", "2", "MORE", "MENU", "3", "MORE"]
VOICE_KEYS = ["1", "*", "0", "2", "*", "0", "3", "0", "4"]
CALLBACK_SCRIPT = [
    "SECOND",
    "6",
    "1",
    "1",
    "1",
    "3",
]  # morning, voicemail, may say CancerCare, skip

# An area code for each kind of traffic, so that kinds never share a conversation. Numbers in
# them are valid US ones (the hotline texts and files for them as for anyone, see flows.phones),
# from exchanges 200 to 299: too many for the 555 numbers of fiction, and safe all the same, as
# the bench sends everything to the Twilio stand-in.
BLOCKS = {"sms": 201, "voice": 203, "callback": 205, "latency": 206, "rtt": 207, "memsms": 208,
          "memvoice": 209, "dry": 210, "flood": 212}  # fmt: skip

VoicePath = list[tuple[str, dict[str, str]]]  # a call's webhooks: path, fields but the call's own


@dataclass(frozen=True)
class Step:
    """One pre-built webhook: the request line, then (after the Host line) headers and body."""

    line: bytes
    rest: bytes
    timed: bool = True
    expect: bytes = b""  # what the hotline's answer must contain (a reply, a <Gather>)


class Signer:
    """Builds webhooks signed as Twilio signs them, for the hotline's PUBLIC_BASE_URL."""

    def __init__(self, public_base_url: str, realistic: bool) -> None:
        self.base = public_base_url
        self.validator = RequestValidator(AUTH_TOKEN)
        self.realistic = realistic

    def build(
        self, path: str, params: dict[str, str], timed: bool = True, expect: bytes = b""
    ) -> Step:
        body = urlencode(params).encode()
        extra = "User-Agent: TwilioProxy/1.1\r\nAccept: */*\r\n" if self.realistic else ""
        signature = self.validator.compute_signature(self.base + path, params)
        head = (
            f"{extra}Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return Step(f"POST {path} HTTP/1.1\r\n".encode(), head.encode() + body, timed, expect)

    def sms_params(self, number: str, body: str, sid: str) -> dict[str, str]:
        if not self.realistic:  # what `hotline sms` sends
            return {
                "MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": number,
                "To": HOTLINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
                "SmsStatus": "received", "ApiVersion": "2010-04-01",
            }  # fmt: skip
        return {  # the fields of a real incoming-message webhook (no messaging service)
            "ToCountry": "US", "ToState": "NY", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "NEW YORK", "FromZip": "10001", "SmsSid": sid, "FromState": "NY",
            "SmsStatus": "received", "FromCity": "NEW YORK", "Body": body, "FromCountry": "US",
            "To": HOTLINE_NUMBER, "ToZip": "10001", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": number, "ApiVersion": "2010-04-01",
        }  # fmt: skip

    def voice_params(self, number: str, call_sid: str, extra: dict[str, str]) -> dict[str, str]:
        base = {
            "CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": number, "To": HOTLINE_NUMBER,
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
        }  # fmt: skip
        if self.realistic:  # the fields of a real incoming-call webhook
            base |= {
                "Called": HOTLINE_NUMBER, "CalledCity": "NEW YORK", "CalledCountry": "US",
                "CalledState": "NY", "CalledZip": "10001", "Caller": number,
                "CallerCity": "NEW YORK", "CallerCountry": "US", "CallerState": "NY",
                "CallerZip": "10001", "FromCity": "NEW YORK", "FromCountry": "US",
                "FromState": "NY", "FromZip": "10001", "ToCity": "NEW YORK", "ToCountry": "US",
                "ToState": "NY", "ToZip": "10001",
            }  # fmt: skip
            if "Digits" in extra:
                base |= {"FinishedOnKey": "", "msg": "Gather End"}
        return base | extra

    def sms_conversations(
        self, block: str, count: int, script: list[str], last_timed_only: bool = False,
        offset: int = 0,
    ) -> list[list[Step]]:  # fmt: skip
        """`count` texters from `block` going through `script`, one webhook a message."""
        last = len(script) - 1
        return [
            [self.build("/twilio/sms", self.sms_params(number(block, offset + i), body, new_sid("SM")),
                        k == last or not last_timed_only, b"<Message")
             for k, body in enumerate(script)]
            for i in range(count)
        ]  # fmt: skip

    def voice_conversations(
        self, block: str, count: int, path: VoicePath, offset: int = 0
    ) -> list[list[Step]]:
        """`count` callers from `block` going through the webhooks of `path`."""
        out = []
        for i in range(count):
            who, sid = number(block, offset + i), new_sid("CA")
            out.append([self.build(p, self.voice_params(who, sid, extra), True, b"<Gather")
                        for p, extra in path])  # fmt: skip
        return out


def number(block: str, i: int) -> str:
    """The i-th phone number of a block: +1 201 200 0000, +1 201 200 0001, …"""
    assert 0 <= i <= 999999
    return f"+1{BLOCKS[block]}{200 + i // 10000}{i % 10000:04d}"


def new_sid(prefix: str) -> str:
    """A fresh Twilio id: "SM" for a message, "CA" for a call."""
    return prefix + os.urandom(16).hex()
