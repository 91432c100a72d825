"""Abuse: a flooding number is slowed with one polite notice; outbound texts have an hourly cap."""

from __future__ import annotations

from dataclasses import replace

import redis

from flows.engine import step
from flows.model import Channel, Event
from hotline.stores.conversations import ConversationStore
from hotline.stores.record import RATE_WINDOW
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import Phone, fictional, run_jobs


def test_a_flood_from_one_number_gets_one_notice_then_silence(settings) -> None:
    app = create_app(replace(settings, sms_per_minute=5))
    flooder, neighbour = (
        Phone(app.test_client(), "+15125550101"),
        Phone(app.test_client(), "+15125550102"),
    )
    answers = [flooder.text("MENU") for _ in range(12)]
    assert all(len(a) == 1 and "Reply a number:" in a[0] for a in answers[:5])
    assert answers[5] == [
        "You are sending messages very fast. Please wait a minute, then reply MENU."
    ]
    assert answers[6:] == [[]] * 6
    assert resources_of(app).store.load("sms", flooder.number).steps == 5
    assert neighbour.text("SECOND")[0].startswith("CancerCare")  # others are not slowed
    print("\nflood: 12 texts in a burst, 5 answered, 1 notice, 6 ignored (limit 5 a minute)")


def test_the_limit_counts_each_message_once_and_lifts_after_its_window(redis_url, flows) -> None:
    now = [1_000_000.0]
    store = ConversationStore(redis.Redis.from_url(redis_url), "secret", 3600, clock=lambda: now[0])

    def text(sid: str):
        event = Event(Channel.SMS, text="MENU")
        return store.advance(
            "sms", "+15125550103", sid, lambda s: step(flows, s, event), rate_limit=2
        )

    assert [text(sid).over_limit for sid in ("SM1", "SM2", "SM3", "SM4")] == [0, 0, 1, 2]
    # Over the limit a text is counted, not remembered: a repeat of one counts again (no step,
    # and past the first no reply), while the last text that took a step is still recognised
    # and answered as the first time, not counted.
    assert text("SM3").over_limit == 3
    again = text("SM2")
    assert again.replayed and again.outcome.replies and not again.over_limit
    now[0] += RATE_WINDOW
    assert text("SM5").over_limit == 0
    assert store.load("sms", "+15125550103").steps == 3


def test_outbound_texts_stop_at_the_hourly_cap(settings, twilio) -> None:
    capped = replace(settings, texts_per_hour=3)
    app = create_app(capped)
    for i in range(5):
        phone = Phone(app.test_client(), fictional(50 + i, 512))
        for body in ("SECOND", "6", "1", "1", "2", "3"):
            phone.text(body)
    run_jobs(capped)
    assert len(twilio.sent("message")) == 3
    assert redis.Redis.from_url(settings.redis_url).zcard("hotline:cb:open") == 5  # nothing lost
