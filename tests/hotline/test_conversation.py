"""hotline.conversation.take_step called directly, with no HTTP: texts and calls, replays, repeats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from rq.registry import ScheduledJobRegistry

from flows.model import Flows, SendText, Then
from flows.voice.prompts import prompt, speakable
from hotline.conversation import take_step
from hotline.inbound import Inbound, VoiceRequest, sms, voice
from hotline.settings import Settings
from hotline.stores.conversations import SMS_CONVERSATION, call_conversation
from hotline.wiring import Hotline, build_hotline
from tests.support import sms_params, voice_params

NUMBER = "+12025550101"
CALL = "CA" + "5" * 32


@pytest.fixture
def h(settings: Settings) -> Iterator[Hotline]:
    hotline = build_hotline(settings)
    yield hotline
    hotline.redis.close()


def text(body: str, sid: str, number: str = NUMBER) -> Inbound:
    return sms(sms_params(number, body, sid))


def press(digits: str, step: str) -> Inbound:
    return voice(
        voice_params(NUMBER, CALL, Digits=digits), VoiceRequest.INPUT, step, office_open=False
    )


def queued(h: Hotline) -> list[str]:
    """The ids of the jobs waiting on the hotline's queue (scheduled ones too)."""
    return sorted([*h.queue.get_job_ids(), *ScheduledJobRegistry(queue=h.queue).get_job_ids()])


def test_a_text_takes_one_step_and_its_replay_none(h: Hotline) -> None:
    first = take_step(h, text("SECOND", "SM1"))
    assert not first.replayed and not first.stale and first.over_limit == 0
    assert len(first.outcome.replies) == 1 and first.outcome.replies[0].startswith("CancerCare")
    again = take_step(h, text("SECOND", "SM1"))
    assert again.replayed and not again.stale and again.outcome.replies == first.outcome.replies
    assert h.store.load(SMS_CONVERSATION, NUMBER).steps == 1


def test_an_older_text_repeated_is_stale_and_gets_no_reply(h: Hotline) -> None:
    take_step(h, text("SECOND", "SM1"))
    take_step(h, text("2", "SM2"))
    stale = take_step(h, text("SECOND", "SM1"))
    assert stale.replayed and stale.stale and stale.outcome.replies == ()
    assert stale.outcome.state == h.store.load(SMS_CONVERSATION, NUMBER)
    assert stale.outcome.state.node == "find" and stale.outcome.state.steps == 2


def test_texts_past_the_per_minute_limit_take_no_step(settings: Settings) -> None:
    h = build_hotline(replace(settings, sms_per_minute=2))
    over = [take_step(h, text("MENU", f"SM{i}")).over_limit for i in range(4)]
    assert over == [0, 0, 1, 2]
    assert h.store.load(SMS_CONVERSATION, NUMBER).steps == 2


def test_a_call_step_its_replay_and_a_stale_repeat(h: Hotline, flows: Flows) -> None:
    answered = take_step(
        h, voice(voice_params(NUMBER, CALL), VoiceRequest.CALL, "", office_open=False)
    )
    assert answered.outcome.then is Then.GATHER and "Main menu." in " ".join(
        answered.outcome.replies
    )
    find = take_step(h, press("2", "1"))
    assert find.outcome.state.node == "find" and not find.replayed
    replayed = take_step(h, press("2", "1"))  # Twilio retried the same request
    assert (
        replayed.replayed
        and not replayed.stale
        and replayed.outcome.replies == find.outcome.replies
    )
    take_step(h, press("*", "2"))  # back to the main menu
    late = take_step(h, press("2", "1"))  # the first key press arrives again, late
    assert late.replayed and late.stale and late.outcome.then is Then.GATHER
    state = h.store.load(call_conversation(CALL), NUMBER)
    here = prompt(flows[state.lang], state.node, state.page)
    assert late.outcome.replies == tuple(speakable(p) for p in here)  # where the caller is now
    assert state.steps == 3


def test_a_steps_effects_are_queued_once(h: Hotline) -> None:
    take_step(h, voice(voice_params(NUMBER, CALL), VoiceRequest.CALL, "", office_open=False))
    take_step(h, press("2", "1"))
    assert queued(h) == []
    texted = take_step(h, press("9", "2"))  # "to get this by text, press 9"
    assert texted.outcome.effects == (SendText("find"),)
    jobs = queued(h)
    assert jobs == [f"text-{CALL}-find"]
    assert take_step(h, press("9", "2")).replayed
    assert queued(h) == jobs
