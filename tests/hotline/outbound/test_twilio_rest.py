"""TwilioRest against TwilioStandIn: twilio-python's real client over real HTTP on loopback."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hotline.dev.twilio_standin import TwilioStandIn
from hotline.outbound.twilio_rest import OptedOut, Rejected, TryLater, TwilioRest
from hotline.settings import Settings

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
HOTLINE = "+18005550100"
CALLER = "+14155550123"
TWIML = "<Response><Say>Hello.</Say></Response>"


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    """A running stand-in for this test."""
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def settings(standin: TwilioStandIn) -> Settings:
    """Settings pointing the REST client at the stand-in."""
    return Settings(
        redis_url="unix:///nowhere",
        twilio_auth_token=AUTH_TOKEN,
        secret_key="test-secret",
        twilio_account_sid=ACCOUNT_SID,
        twilio_phone_number=HOTLINE,
        twilio_api_base_url=standin.url,
    )


@pytest.fixture
def rest(settings: Settings) -> TwilioRest:
    """The hotline's REST client, aimed at the stand-in."""
    return TwilioRest(settings)


def test_sms_is_sent_and_recorded(rest: TwilioRest, standin: TwilioStandIn) -> None:
    sid = rest.send_sms(CALLER, "Your callback is booked.")

    [sent] = standin.wait_for(1, "message")
    assert sid == sent.sid and sid.startswith("SM") and len(sid) == 34
    assert (sent.get("To"), sent.get("From"), sent.get("Body")) == (
        CALLER,
        HOTLINE,
        "Your callback is booked.",
    )
    assert standin.sent("call") == []


def test_call_is_placed_with_inline_twiml(rest: TwilioRest, standin: TwilioStandIn) -> None:
    sid = rest.call(CALLER, TWIML, status_callback="https://hotline.example.org/voice/status")

    [sent] = standin.wait_for(1, "call")
    assert sid == sent.sid and sid.startswith("CA") and len(sid) == 34
    assert sent.get("To") == CALLER and sent.get("From") == HOTLINE
    assert sent.get("Twiml") == TWIML and sent.get("Url") == ""
    assert sent.get("StatusCallback") == "https://hotline.example.org/voice/status"


def test_call_without_status_callback_sends_none(rest: TwilioRest, standin: TwilioStandIn) -> None:
    rest.call(CALLER, TWIML)

    assert "StatusCallback" not in standin.wait_for(1, "call")[0].params


def test_wrong_auth_token_is_rejected(settings: Settings, standin: TwilioStandIn) -> None:
    rest = TwilioRest(replace(settings, twilio_auth_token="wrong"))

    with pytest.raises(Rejected, match="20003"):
        rest.send_sms(CALLER, "hello")
    assert standin.sent() == [] and standin.rejected()[0].status == 401


def test_unsubscribed_number_is_opted_out(rest: TwilioRest, standin: TwilioStandIn) -> None:
    standin.unsubscribe(CALLER)

    with pytest.raises(OptedOut, match="21610") as caught:
        rest.send_sms(CALLER, "hello")
    assert CALLER not in str(caught.value)
    assert standin.sent() == []


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, None), (503, None)])
def test_rate_limit_and_server_errors_say_try_later(
    rest: TwilioRest, standin: TwilioStandIn, status: int, code: int | None
) -> None:
    standin.fail_next(status, code)

    with pytest.raises(TryLater, match=f"HTTP {status}"):
        rest.send_sms(CALLER, "hello")
    assert rest.send_sms(CALLER, "hello again")  # only the next request failed
    assert [s.get("Body") for s in standin.sent()] == ["hello again"]


@pytest.mark.parametrize(
    ("body", "code"), [("", 21602), ("x" * 1601, 21617)], ids=["empty", "too-long"]
)
def test_bad_bodies_are_rejected(
    rest: TwilioRest, standin: TwilioStandIn, body: str, code: int
) -> None:
    with pytest.raises(Rejected, match=str(code)):
        rest.send_sms(CALLER, body)
    assert standin.rejected()[0].code == code


def test_longest_body_is_accepted(rest: TwilioRest, standin: TwilioStandIn) -> None:
    rest.send_sms(CALLER, "x" * 1600)

    assert len(standin.wait_for(1)[0].get("Body")) == 1600


def test_invalid_number_error_does_not_leak_the_number(rest: TwilioRest) -> None:
    with pytest.raises(Rejected, match="21211") as caught:
        rest.send_sms("4155550123", "hello")
    assert "4155550123" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("number", ["+15551230001", "+12025550", "+999123456789"])
def test_the_standin_refuses_what_is_no_number_as_twilio_does(
    rest: TwilioRest, number: str
) -> None:
    for send in (lambda: rest.send_sms(number, "hello"), lambda: rest.call(number, TWIML)):
        with pytest.raises(Rejected, match="21211"):
            send()


@pytest.mark.parametrize("number", ["+442079460123", "+19005550123", "+18765550123"])
def test_the_standin_leaves_numbers_abroad_or_premium_to_the_hotline(
    rest: TwilioRest, standin: TwilioStandIn, number: str
) -> None:
    """Twilio sends there if the account allows it: keeping away is the hotline's own rule."""
    rest.send_sms(number, "hello")
    assert standin.wait_for(1)[0].get("To") == number


def test_too_long_twiml_is_rejected(rest: TwilioRest) -> None:
    with pytest.raises(Rejected):
        rest.call(CALLER, "<Response><Say>" + "x" * 4000 + "</Say></Response>")


def test_stopped_standin_means_try_later(rest: TwilioRest, standin: TwilioStandIn) -> None:
    standin.stop()

    with pytest.raises(TryLater, match="unreachable"):
        rest.send_sms(CALLER, "hello")


def test_wait_for_times_out_saying_what_was_sent(rest: TwilioRest, standin: TwilioStandIn) -> None:
    rest.send_sms(CALLER, "only one")

    with pytest.raises(AssertionError, match=r"2 message\(s\), got 1"):
        standin.wait_for(2, "message", timeout=0.2)


def _request(
    standin: TwilioStandIn, path: str, form: dict[str, str] | None = None
) -> tuple[int, dict]:
    """POST `form` (or GET when None) to the stand-in without twilio-python; return status and JSON."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(standin.url + path, data=data)
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    request.add_header("Authorization", f"Basic {credentials}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
CALLS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def test_created_message_looks_like_twilios(standin: TwilioStandIn) -> None:
    status, message = _request(standin, MESSAGES, {"To": CALLER, "From": HOTLINE, "Body": "hé"})

    assert status == 201
    assert message["status"] == "queued" and message["num_segments"] == "1"
    assert (message["to"], message["from"], message["body"]) == (CALLER, HOTLINE, "hé")
    assert message["uri"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message['sid']}.json"


@pytest.mark.parametrize(
    ("path", "form", "status", "code"),
    [
        (MESSAGES, {"From": HOTLINE, "Body": "hi"}, 400, 21604),
        (MESSAGES, {"To": CALLER, "Body": "hi"}, 400, 21603),
        (MESSAGES, {"To": CALLER, "From": HOTLINE}, 400, 21602),
        (CALLS, {"From": HOTLINE, "Twiml": TWIML}, 400, 21201),
        (CALLS, {"To": CALLER, "Twiml": TWIML}, 400, 21213),
        (CALLS, {"To": CALLER, "From": HOTLINE}, 400, 21205),
        (MESSAGES.replace("0" * 32, "1" * 32), {"To": CALLER}, 404, 20404),
        (f"/2010-04-01/Accounts/{ACCOUNT_SID}/Faxes.json", {"To": CALLER}, 404, 20404),
        (MESSAGES, None, 404, 20404),
    ],
)
def test_bad_requests_get_twilio_errors(
    standin: TwilioStandIn, path: str, form: dict[str, str] | None, status: int, code: int
) -> None:
    answered, error = _request(standin, path, form)

    assert (answered, error["status"], error["code"]) == (status, status, code)
    assert error["message"] and error["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert standin.sent() == []
