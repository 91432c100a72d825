"""SMS pumping: "press 9 to get this by text" from caller IDs that bill the hotline dearly.

Before flows.phones, a caller ID of any E.164 shape was texted: a premium-rate or international
number (a real one, or one spoofed by a pumping ring) turned each press of 9 into a paid text.
Now such a caller hears why no text comes, in their language, and nothing is sent or queued.
"""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from flows.model import Flows
from hotline.dev.phone import Caller
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.web.app import create_app
from hotline.wiring import QUEUE
from tests.support import (
    ABROAD,
    CARIBBEAN,
    INVALID,
    PREMIUM_900,
    PREMIUM_976,
    WITHHELD,
    fictional,
    run_jobs,
    transport,
)

NOT_TEXTABLE = [PREMIUM_900, PREMIUM_976, ABROAD, CARIBBEAN, INVALID, WITHHELD]
PRESSES = 5  # each caller asks again and again


def press_nine(settings: Settings, number: str, lang: str) -> list[str]:
    """A call from `number` that opens a part of the fact sheet and presses 9, PRESSES times."""
    caller = Caller(transport(create_app(settings).test_client()), number)
    caller.dial_in()
    if lang == "es":
        caller.press("9")
    caller.press("2")  # finding a doctor
    return [caller.press("9").prompts[0] for _ in range(PRESSES)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_press_9_from_a_premium_or_international_caller_id_sends_no_text_and_says_why(
    settings: Settings, twilio: TwilioStandIn, flows: Flows, lang: str
) -> None:
    why = flows[lang].text("voice_not_textable")
    for number in NOT_TEXTABLE:
        assert press_nine(settings, number, lang) == [why] * PRESSES, number
    queued = Queue(QUEUE, connection=redis.Redis.from_url(settings.redis_url),
                   serializer=JSONSerializer).count  # fmt: skip
    run_jobs(settings)
    sent = twilio.sent("message")
    print(f"\n[pumping] {lang}: {len(NOT_TEXTABLE)} caller IDs (900, 976, +44, +1 876, invalid, "
          f"withheld) pressed 9 {PRESSES} times each: {queued} jobs queued, {len(sent)} texts "
          f"sent; each press heard why")  # fmt: skip
    assert (queued, sent) == (0, [])


def test_press_9_from_a_us_or_canadian_caller_id_still_texts(
    settings: Settings, twilio: TwilioStandIn, flows: Flows
) -> None:
    """The same calls from numbers the hotline may text: one text a part, whatever the presses."""
    canadian = "+14165550123"
    for number in (fictional(0), canadian):
        heard = press_nine(settings, number, "en")
        assert heard[0] == flows["en"].text("voice_texted")
    run_jobs(settings)
    texted = [m.get("To") for m in twilio.sent("message")]
    pages = len(flows["en"].nodes["find"].sms)
    assert sorted(texted) == sorted([fictional(0), canadian] * pages)
