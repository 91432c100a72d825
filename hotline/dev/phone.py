"""A phone in the terminal (or in a test): text or call the hotline exactly as Twilio would.

Each request is signed with the auth token; replies are read as TwiML, and a call follows
<Gather> actions, <Redirect>s and <Dial> actions the way Twilio does.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from twilio.request_validator import RequestValidator

from flows.segments import measure

HOTLINE_NUMBER = "+15005550006"
# Whose phone it is, unless told: 555-0100 to 555-0199 are NANPA's numbers for fiction in any
# area code, and to libphonenumber an ordinary US line the hotline may text and call.
PLAY_NUMBER = "+12025550100"
ACCOUNT_SID = "AC" + "0" * 32

# How a request reaches the hotline: (path with query, form params) -> TwiML bytes.
Transport = Callable[[str, dict[str, str]], bytes]


def http_transport(url: str, auth_token: str, public_base_url: str = "") -> Transport:
    """POST signed requests to a running hotline at `url`."""
    base = url.rstrip("/")
    signed_base = (public_base_url or base).rstrip("/")
    validator = RequestValidator(auth_token)

    def post(path: str, params: dict[str, str]) -> bytes:
        signature = validator.compute_signature(signed_base + path, params)
        request = urllib.request.Request(
            base + path,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"the hotline answered HTTP {error.code}") from error
        except urllib.error.URLError as error:
            raise SystemExit(f"cannot reach the hotline at {base}: {error.reason}") from error

    return post


@dataclass(frozen=True)
class Text:
    """One text the hotline sent back, and what it costs."""

    body: str
    whatsapp: bool = False

    @property
    def cost(self) -> str:
        if self.whatsapp:
            return f"WhatsApp, {len(self.body)} chars"
        m = measure(self.body)
        return f"{m.encoding}, {m.segments} segment(s), {m.characters} chars"


class Texter:
    """A phone texting the hotline, by SMS or (`whatsapp`) as a WhatsApp user."""

    PROFILE_NAME = "Test Person"  # the name a WhatsApp user gave WhatsApp: the hotline ignores it

    def __init__(self, post: Transport, number: str, whatsapp: bool = False) -> None:
        self.post = post
        self.number = number
        self.whatsapp = whatsapp

    def text(self, body: str, sid: str = "", opt_out_type: str = "") -> list[Text]:
        """Send one text (with Twilio's OptOutType, if given); the texts that come back."""
        sid = sid or "SM" + secrets.token_hex(16)
        params = {
            "MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": self.number,
            "To": HOTLINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01",
        }  # fmt: skip
        if self.whatsapp:
            params |= {
                "From": f"whatsapp:{self.number}", "To": f"whatsapp:{HOTLINE_NUMBER}",
                "WaId": self.number.removeprefix("+"), "ProfileName": self.PROFILE_NAME,
                "MessageType": "text",
            }  # fmt: skip
        if opt_out_type:
            params["OptOutType"] = opt_out_type
        root = ET.fromstring(self.post("/twilio/sms", params))
        return [Text("".join(m.itertext()), self.whatsapp) for m in root.iter("Message")]


@dataclass
class Heard:
    """What a caller heard since their last action, and where the call stands."""

    prompts: list[str] = field(default_factory=list)
    waiting: bool = False  # a <Gather> waits for keys or words
    dialed: str = ""  # a <Dial> rang this number
    ended: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.prompts)


class Caller:
    """A phone calling the hotline, following its TwiML as Twilio does."""

    MAX_HOPS = 50  # redirects in a row without the caller doing anything: a loop

    def __init__(self, post: Transport, number: str, dial_status: str = "no-answer") -> None:
        self.post = post
        self.number = number
        self.dial_status = dial_status
        self.call_sid = "CA" + secrets.token_hex(16)
        self._gather: ET.Element | None = None
        self._rest: list[ET.Element] = []
        self._hops = 0

    def dial_in(self) -> Heard:
        """Place the call."""
        return self._run(self.post("/twilio/voice", self._params(CallStatus="ringing")))

    def press(self, digits: str) -> Heard:
        """Press keys at the waiting <Gather>."""
        return self._answer(Digits=digits)

    def say(self, words: str, confidence: float = 0.9) -> Heard:
        """Speak at the waiting <Gather>."""
        return self._answer(SpeechResult=words, Confidence=f"{confidence:.2f}")

    def silence(self) -> Heard:
        """Say nothing: the <Gather> times out and the call moves to the next verb."""
        if self._gather is None:
            raise RuntimeError("nothing is waiting for input")
        self._gather = None
        return self._follow(self._rest, Heard())

    def _answer(self, **input: str) -> Heard:
        if self._gather is None:
            raise RuntimeError("nothing is waiting for input")
        action = self._gather.get("action", "")
        self._gather, self._hops = None, 0
        return self._run(self.post(action, self._params(**input)))

    def _params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.call_sid, "AccountSid": ACCOUNT_SID, "From": self.number,
            "To": HOTLINE_NUMBER, "CallStatus": "in-progress", "Direction": "inbound",
            "ApiVersion": "2010-04-01", **extra,
        }  # fmt: skip

    def _run(self, twiml: bytes, heard: Heard | None = None) -> Heard:
        root = ET.fromstring(twiml)
        if root.tag != "Response":
            raise ValueError(f"not TwiML: <{root.tag}>")
        return self._follow(list(root), heard or Heard())

    def _follow(self, verbs: list[ET.Element], heard: Heard) -> Heard:
        for hop, verb in enumerate(verbs):
            if verb.tag == "Say":
                heard.prompts.append("".join(verb.itertext()))  # slow speech: in <prosody>
            elif verb.tag == "Gather":
                heard.prompts += ["".join(say.itertext()) for say in verb.iter("Say")]
                self._gather, self._rest = verb, verbs[hop + 1 :]
                heard.waiting = True
                return heard
            elif verb.tag == "Redirect":
                self._hops += 1
                if self._hops > self.MAX_HOPS:
                    raise RuntimeError("the call is redirecting in a loop")
                return self._run(self.post(verb.text or "", self._params()), heard)
            elif verb.tag == "Dial":
                heard.dialed = (verb.text or "").strip()
                action = verb.get("action")
                if action is None:
                    heard.ended = True
                    return heard
                status = {"DialCallStatus": self.dial_status, "DialCallSid": "CA" + "1" * 32}
                return self._run(self.post(action, self._params(**status)), heard)
            elif verb.tag == "Hangup":
                break
            else:
                raise ValueError(f"the simulator does not know <{verb.tag}>")
        heard.ended = True
        return heard
