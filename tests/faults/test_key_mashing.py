"""A caller in crisis mashing keys, through the real voice webhook and worker: one urgent filing,
a call that ends at the cap, and a number typed after "press 8" that is never taken for 8."""

from __future__ import annotations

import random
import time

import redis

from flows.voice.machine import MAX_STEPS
from hotline.dev.phone import Caller
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from tests.support import run_jobs, transport

CRISIS = "I can't go on, I want to end my life"


def open_requests(settings) -> list:
    run_jobs(settings)
    return CallbackQueue(redis.Redis.from_url(settings.redis_url)).waiting(time.time())


def test_mashing_8_after_a_safety_answer_files_one_urgent_request(settings, twilio) -> None:
    app = create_app(settings)
    caller = Caller(transport(app.test_client()), "+12125550142")
    caller.dial_in()
    caller.say(CRISIS)
    rng = random.Random(12)
    heard, presses = None, 0
    for presses in range(1, 200):  # noqa: B007 (the count is reported)
        heard = caller.press(rng.choice(["8", "8", "8", "88", "*", "*", "0", "2", "1"]))
        if heard.ended:
            break
    assert heard is not None and heard.ended and presses <= MAX_STEPS
    requests = open_requests(settings)
    confirmations = [m for m in twilio.sent("message") if m.get("To") == "+12125550142"]
    print(f"\n[key mashing] the call ended after {presses} keys pressed after a safety answer "
          f"(cap {MAX_STEPS} steps); {len(requests)} urgent request filed, "
          f"{len(confirmations)} text to the caller ID")  # fmt: skip
    assert [r.urgent for r in requests] == [True]
    assert len(confirmations) <= 1


def test_a_withheld_caller_in_crisis_types_a_number_starting_with_8(settings) -> None:
    app = create_app(settings)
    caller = Caller(transport(app.test_client()), "+266696687")  # Twilio's "anonymous"
    caller.dial_in()
    caller.say(CRISIS)
    asked = caller.press("8")
    assert "10 digit" in " ".join(asked.prompts)
    caller.press("8185550134#")
    [request] = open_requests(settings)
    assert request.urgent and request.number == "+18185550134"


def test_a_caller_in_crisis_giving_another_number_starting_with_8_keeps_it(settings) -> None:
    app = create_app(settings)
    caller = Caller(transport(app.test_client()), "+12125550143")
    caller.dial_in()
    caller.say(CRISIS)
    caller.press("6")  # a call back, the ordinary way
    caller.press("5")  # to another number
    caller.press("8185550135#")
    caller.press("1")  # mornings
    caller.press("2")  # no voicemail
    caller.press("2")  # discreetly
    caller.press("3")  # treatment: skipped
    [request] = open_requests(settings)
    assert not request.urgent and request.number == "+18185550135"
