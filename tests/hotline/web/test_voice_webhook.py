"""End to end: calls to the real app, signed as Twilio signs them, with a real redis-server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from flows.catalogue import VOICE_MAX_SECONDS, VOICE_SLOW_MAX_SECONDS, spoken_seconds
from flows.model import SwitchLanguage
from flows.voice.prompts import SLOW_PACE
from hotline.dev.phone import Caller
from hotline.office import OfficeHours
from hotline.stores.conversations import call_conversation
from hotline.web import twiml
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import CALLER, Phone, post_signed, run_jobs, transport, voice_params

ALWAYS = OfficeHours.parse("mon-sun 00:00-24:00", "UTC")
NEVER = OfficeHours.parse("", "America/New_York")
ALLOWED_VERBS = {"Say", "Gather", "Redirect", "Dial", "Hangup", "Pause"}
SOCIAL_WORKER_LINE = "+18008134673"


def check_twiml(body: bytes) -> None:
    """A voice document as Twilio requires it, and as a caller needs it: no dead ends."""
    root = ET.fromstring(body)
    assert root.tag == "Response"
    verbs = list(root)
    assert verbs, "an empty voice response hangs up without a word"
    for i, verb in enumerate(verbs):
        assert verb.tag in ALLOWED_VERBS, verb.tag
        if verb.tag == "Gather":
            assert {child.tag for child in verb} <= {"Say", "Play", "Pause"}
            assert verb.get("action") and verb.get("input") in ("dtmf speech", "dtmf")
            assert i + 1 < len(verbs) and verbs[i + 1].tag == "Redirect", (
                "a Gather must be followed by a Redirect"
            )
            said = " ".join("".join(s.itertext()) for s in verb.iter("Say"))
            if any(verb.iter("prosody")):  # slower speech, against its own budget
                assert spoken_seconds(said, SLOW_PACE) <= VOICE_SLOW_MAX_SECONDS + 8, said
            else:
                assert spoken_seconds(said) <= VOICE_MAX_SECONDS + 6, said
        if verb.tag == "Dial":
            assert (verb.text or "").strip() == SOCIAL_WORKER_LINE
        if verb.tag == "Say":
            assert verb.get("voice") and verb.get("language")


class CheckedCaller(Caller):
    """A caller whose every TwiML document is checked on the way in."""

    def __init__(
        self, client, number: str = "+12025550102", dial_status: str = "no-answer"
    ) -> None:
        post = transport(client)

        def checked(path: str, params: dict[str, str]) -> bytes:
            body = post(path, params)
            check_twiml(body)
            return body

        super().__init__(checked, number, dial_status)


def make_app(settings, office: OfficeHours = NEVER, **changes):
    return create_app(replace(settings, office_hours=office, **changes))


@pytest.fixture
def call(settings) -> CheckedCaller:
    return CheckedCaller(make_app(settings).test_client())


def test_greeting_names_the_service_gives_the_notice_and_the_menu(call: CheckedCaller) -> None:
    heard = call.dial_in()
    assert heard.waiting and not heard.ended
    assert heard.prompts[0].startswith("Welcome to CancerCare")
    assert "not medical advice" in heard.text
    assert "To hear how to ask your doctor, press 1." in heard.text


def test_every_part_of_the_fact_sheet_is_heard(call: CheckedCaller, flows) -> None:
    heard = [call.dial_in()]
    for option in flows["en"].nodes["main"].options:
        if isinstance(
            option.target, SwitchLanguage
        ):  # not a part of the fact sheet: the call goes on in Spanish
            continue
        heard.append(call.press(option.key))
        while "To hear more, press 1." in heard[-1].text:
            heard.append(call.press("1"))
        heard.append(call.press("0"))
    said = " ".join(h.text for h in heard)
    for fact in (
        "I respect your opinion", "make things clear", "1, 8 0 0, 4 2 2, 6 2 3 7",
        "different medical institution", "radiation oncologist", "confidence",
        "rare or unusual", "not responding", "free of charge", "8 0 0, 8 1 3, 4 6 7 3",
        "not medical advice",
    ):  # fmt: skip
        assert fact in said, fact
    assert "HOPE" not in said and "422" not in said


def test_star_repeats_and_zero_returns_to_the_menu_from_every_node(
    call: CheckedCaller, flows
) -> None:
    call.dial_in()
    for option in flows["en"].nodes["main"].options:
        first = call.press(option.key)
        if isinstance(
            option.target, SwitchLanguage
        ):  # the whole greeting in Spanish; star repeats its menu
            assert first.prompts[0] == flows["es"].text("voice_welcome")
            assert call.press("*").prompts == first.prompts[3:]  # after the offer to go slower
            assert call.press("0").prompts == first.prompts[3:]
            english = call.press("9")
            assert english.prompts[0] == flows["en"].text("voice_welcome")
            assert "To hear how to ask your doctor, press 1." in english.text
            continue
        assert call.press("*").prompts == first.prompts
        assert "To hear how to ask your doctor, press 1." in call.press("0").text


def test_silence_then_offer_then_goodbye_never_a_loop(call: CheckedCaller) -> None:
    call.dial_in()
    assert "didn't hear" in call.silence().text
    assert "didn't hear" in call.silence().text
    offer = call.silence()
    assert "To talk with a social worker, press 1" in offer.text and offer.waiting
    goodbye = call.silence()
    assert goodbye.ended and "Goodbye" in goodbye.text


def test_wrong_keys_are_named_and_lead_to_the_offer(call: CheckedCaller) -> None:
    call.dial_in()
    wrong = call.press("8")
    assert wrong.prompts[0] == "Sorry, that is not one of the choices."
    assert "press 1" in wrong.text
    assert call.press("8").prompts[0] == "Sorry, that is not one of the choices."
    offer = call.press("8")
    assert "To ask for a call back, press 2" in offer.text
    assert "can call you back" in call.press("2").text


def test_speech_works_like_keys_and_low_confidence_is_not_guessed(call: CheckedCaller) -> None:
    call.dial_in()
    assert "medical society" in call.say("finding a doctor").text
    assert "To hear how to ask your doctor" in call.say("main menu").text
    unsure = call.say("finding a doctor", confidence=0.2)
    assert unsure.prompts[0] == "Sorry, I didn't understand."
    assert "Press a key, or say what you want" in call.say("help").text
    again = call.say("repeat")
    assert again.prompts[0].startswith("Main menu")


def test_social_worker_in_office_hours_is_dialled_and_no_answer_returns(settings) -> None:
    call = CheckedCaller(make_app(settings, ALWAYS).test_client(), dial_status="no-answer")
    call.dial_in()
    call.press("5")
    heard = call.press("2")
    assert heard.dialed == SOCIAL_WORKER_LINE
    assert "no social worker could answer" in heard.text and "call back" in heard.text.lower()
    assert heard.waiting


def test_social_worker_by_speech_and_a_completed_transfer_ends_the_call(settings) -> None:
    call = CheckedCaller(make_app(settings, ALWAYS).test_client(), dial_status="completed")
    call.dial_in()
    heard = call.say("I want to talk to a social worker")
    assert heard.dialed == SOCIAL_WORKER_LINE and heard.ended


def test_outside_office_hours_the_caller_hears_the_hours(call: CheckedCaller, flows) -> None:
    call.dial_in()
    call.press("5")
    heard = call.press("2")
    assert not heard.dialed
    assert "not available right now" in heard.text and "Monday" not in heard.text
    hours = OfficeHours.parse("mon-fri 09:00-17:00", "America/New_York", "")
    assert hours.describe(flows["en"]) == "Monday to Friday, from 9 AM to 5 PM, New York time"


def test_no_call_can_loop_forever(call: CheckedCaller) -> None:
    heard = call.dial_in()
    for _ in range(200):
        heard = call.press("*")
        if heard.ended:
            break
    assert heard.ended and "Goodbye" in heard.text


def test_a_retried_step_gets_the_same_answer_and_no_second_step(settings) -> None:
    app = make_app(settings)
    client = app.test_client()
    call = CheckedCaller(client)
    call.dial_in()
    params = voice_params(call.number, call.call_sid, Digits="2")
    first = post_signed(client, "/twilio/voice/step?n=1", params)
    second = post_signed(client, "/twilio/voice/step?n=1", params)
    assert first.data == second.data and b"medical society" in first.data
    assert resources_of(app).store.load(call_conversation(call.call_sid), call.number).steps == 2


def test_forged_voice_requests_get_403(settings) -> None:
    client = make_app(settings).test_client()
    params = voice_params("+12025550102", "CA" + "1" * 32)
    assert client.post("/twilio/voice", data=params).status_code == 403
    assert post_signed(client, "/twilio/voice", params, token="wrong").status_code == 403
    assert post_signed(client, "/twilio/voice/step?n=1", params).status_code == 200
    other_account = {**params, "AccountSid": "AC" + "f" * 32}
    assert post_signed(client, "/twilio/voice", other_account).status_code == 403
    no_call = {k: v for k, v in params.items() if k != "CallSid"}
    assert post_signed(client, "/twilio/voice", no_call).status_code == 400


def test_redis_down_still_answers_200_with_a_way_to_a_person(settings) -> None:
    client = make_app(settings, redis_url="redis://127.0.0.1:1/0").test_client()
    params = voice_params("+12025550102", "CA" + "2" * 32)
    for path in ("/twilio/voice", "/twilio/voice/step?n=3", "/twilio/voice/step?n=3&silence=1"):
        response = post_signed(client, path, params)
        assert response.status_code == 200 and response.mimetype == "text/xml"
        root = ET.fromstring(response.data)
        gather = root.find("Gather")
        assert gather is not None and gather.get("action") == "/twilio/voice/connect"
        assert "8 0 0, 8 1 3, 4 6 7 3" in (gather.findtext("Say") or "")
        # No key pressed: the apology never hangs up, it puts the caller through.
        assert root[-1].tag == "Redirect" and root[-1].text == "/twilio/voice/connect"
        assert root.find("Hangup") is None
    connect = ET.fromstring(
        post_signed(client, "/twilio/voice/connect", {**params, "Digits": "1"}).data
    )
    assert connect.findtext("Dial") == SOCIAL_WORKER_LINE
    redirected = ET.fromstring(post_signed(client, "/twilio/voice/connect", params).data)
    assert redirected.findtext("Dial") == SOCIAL_WORKER_LINE


def test_press_9_texts_the_section_through_twilio(settings, redis_url: str, twilio) -> None:
    call = CheckedCaller(make_app(settings).test_client())
    call.dial_in()
    call.press("2")
    assert "sending this to your phone by text" in call.press("9").text
    queue = Queue("hotline", connection=redis.Redis.from_url(redis_url), serializer=JSONSerializer)
    [job] = queue.get_jobs()
    assert "2025550102" not in str(job.args) and "2025550102" not in job.description
    run_jobs(settings)
    sent = twilio.wait_for(2, "message")
    assert [m.get("To") for m in sent] == ["+12025550102"] * 2
    assert "medical society" in sent[0].get("Body") and "1-800-422-6237" in sent[1].get("Body")
    assert all(m.get("From") == settings.twilio_phone_number for m in sent)


def test_press_9_after_an_sms_opt_out_sends_nothing(settings, redis_url: str) -> None:
    app = make_app(settings)
    client = app.test_client()
    Phone(client, "+12025550102").text("STOP")
    call = CheckedCaller(client)
    call.dial_in()
    call.press("2")
    assert "can't send texts to this phone" in call.press("9").text
    assert Queue("hotline", connection=redis.Redis.from_url(redis_url)).count == 0


def test_slower_speech_is_kept_for_the_call_with_prosody_and_longer_waits(settings) -> None:
    bodies: list[bytes] = []
    post = transport(make_app(settings).test_client())

    def kept(path: str, params: dict[str, str]) -> bytes:
        bodies.append(post(path, params))
        check_twiml(bodies[-1])
        return bodies[-1]

    caller = Caller(kept, CALLER)
    assert "To hear us more slowly, say slower." in caller.dial_in().text
    assert ET.fromstring(bodies[-1]).find("Gather/Say/prosody") is None
    assert caller.press("#").prompts[0] == "Of course. I will speak more slowly."
    for key in ("4", "0", "6", "5"):  # a part, the menu, the call-back form, a number
        assert caller.press(key).prompts
        gather = ET.fromstring(bodies[-1]).find("Gather")
        assert gather is not None and gather.find("Say/prosody").get("rate") == "80%"
        waits = twiml.SLOW_NUMBER_TIMEOUT if key == "5" else twiml.SLOW_GATHER_TIMEOUT
        assert gather.get("timeout") == str(waits)


def test_calling_again_offers_the_part_heard_last_and_keeps_nothing_else(
    settings, redis_url: str
) -> None:
    app = make_app(settings)
    first = CheckedCaller(app.test_client())
    first.dial_in()
    first.press("4")
    first.press("1")  # the second page of "When it matters"
    r = redis.Redis.from_url(redis_url)
    [heard] = r.keys("*:heard")
    assert r.get(heard) == b"en when 1"
    assert 0 < r.ttl(heard) <= settings.conversation_ttl
    again = CheckedCaller(app.test_client())  # the same number, another call
    assert "You called us before. To go on with When it matters, say more." in again.dial_in().text
    assert "side effects or risks" in again.say("more").text
    withheld = CheckedCaller(app.test_client(), number="+266696687")
    withheld.dial_in()
    withheld.press("4")
    assert r.keys("*:heard") == [heard]  # a withheld caller is nobody to come back to
