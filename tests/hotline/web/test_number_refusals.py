"""Numbers given for a call back that the hotline will not call, through the real webhooks.

Premium-rate (900, 976), abroad (+44), billed as international (+1 876, Jamaica) or no number
at all: each is refused in the person's language and channel, with why, and asked for again;
nothing is filed to it.
"""

from __future__ import annotations

import pytest
import redis

from flows.callback import NUMBER_NODE
from flows.model import Flows
from flows.sms import page_text
from hotline.dev.phone import Caller
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.stores import keys
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from tests.support import WITHHELD, Phone, run_jobs, transport

START = {"en": "SECOND", "es": "SEGUNDA"}
# Why, then the number as texted and as keyed on a call.
REFUSED = [
    pytest.param("number_premium", "1-900-555-0123", "19005550123", id="premium-900"),
    pytest.param("number_premium", "(212) 976-0123", "2129760123", id="premium-976"),
    pytest.param("number_abroad", "+44 20 7946 0123", "011442079460123", id="abroad"),
    pytest.param("number_abroad", "876-555-0123", "8765550123#", id="caribbean"),
    pytest.param("number_bad", "555-123-0001", "5551230001", id="invalid"),
]
LANGS = ["en", "es"]


def filed(settings: Settings) -> int:
    """Call-back requests in the queue, once the worker has run."""
    run_jobs(settings)
    return int(redis.Redis.from_url(settings.redis_url).zcard(keys.CALLBACKS_OPEN))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("why", "texted", "keyed"), REFUSED)
def test_a_texted_number_is_refused_with_why_and_asked_again(
    phone: Phone, flows: Flows, settings: Settings, lang: str, why: str, texted: str, keyed: str
) -> None:
    flow = flows[lang]
    for body in (START[lang], "6", "5"):  # a call back, to another number
        phone.text(body)
    [refused] = phone.text(texted)
    assert refused == "\n".join([flow.text(why), page_text(flow, NUMBER_NODE, 0)])
    assert filed(settings) == 0
    [taken] = phone.text("212-555-0123")  # asked again, a number the hotline calls is taken
    assert taken.startswith(flow.text("number_ok", number="212-555-0123"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("why", "texted", "keyed"), REFUSED)
def test_a_keyed_number_is_refused_aloud_with_why_and_asked_again(
    caller: Caller, flows: Flows, settings: Settings, lang: str, why: str, texted: str, keyed: str
) -> None:
    flow = flows[lang]
    caller.dial_in()
    if lang == "es":
        caller.press("9")
    caller.press("6")
    caller.press("5")
    heard = caller.press(keyed)
    assert heard.prompts[0] == flow.text(why) and heard.waiting
    assert flow.nodes[NUMBER_NODE].voice[0] in heard.text
    assert filed(settings) == 0
    said = flow.text("number_ok", number="2 1 2, 5 5 5, 0 1 2 3")
    assert said in caller.press("2125550123").text


@pytest.mark.parametrize("lang", LANGS)
def test_a_withheld_caller_is_asked_for_a_number_and_an_abroad_one_is_refused(
    app, flows: Flows, settings: Settings, twilio: TwilioStandIn, lang: str
) -> None:
    flow = flows[lang]
    caller = Caller(transport(app.test_client()), WITHHELD)
    caller.dial_in()
    if lang == "es":
        caller.press("9")
    # A call back, mornings, no voicemail, discreetly, treatment skipped: then a number is asked for.
    for key in ("6", "1", "2", "2", "3"):
        heard = caller.press(key)
    assert flow.nodes[NUMBER_NODE].voice[0] in heard.text
    assert caller.press("011442079460123").prompts[0] == flow.text("number_abroad")
    caller.press("2125550123")
    for key in ("1", "2", "2"):  # mornings, no voicemail, discreetly, again
        caller.press(key)
    caller.press("3")  # treatment skipped: filed
    assert filed(settings) == 1
    [request] = CallbackQueue(redis.Redis.from_url(settings.redis_url)).waiting(0)
    assert (request.number, request.text_to) == ("+12125550123", "")
    # A withheld caller is texted nothing: the staff alert is all.
    assert [m.get("To") for m in twilio.sent("message")] == list(settings.staff_alert_numbers)


def test_a_texter_abroad_may_ask_but_is_texted_no_confirmation(
    settings: Settings, twilio: TwilioStandIn
) -> None:
    """Replies go to whoever wrote; a text the hotline starts (a confirmation) does not go abroad."""
    phone = Phone(create_app(settings).test_client(), "+442079460123")
    for body in ("SECOND", "6", "5", "212-555-0123", "1", "2", "2", "3"):
        phone.text(body)
    assert filed(settings) == 1
    assert [m.get("To") for m in twilio.sent("message")] == list(settings.staff_alert_numbers)
