"""Check-ins end to end: offered, scheduled with RQ's scheduler in the person's daytime, sent
once, answered (even after the conversation expired), counted, and cancelled by STOP."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from hotline.outbound import outbox
from hotline.stores import keys
from hotline.stores.callbacks import CallbackOutcome
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from hotline.wiring import QUEUE, Hotline
from tests.support import Phone, file_request, run_jobs

NUMBER = "+13105550177"  # Los Angeles
PENDING_AT_MOST = 15 * 24 * 3600


def agree(phone: Phone) -> list[str]:
    """Read two parts, go back to the menu, and say yes to the check-in offered there."""
    for body in ("SECOND", "2", "MORE", "MENU", "7"):
        phone.text(body)
    [offer] = phone.text("MENU")
    assert offer == "May we text you in two weeks to see how it is going? 1 Yes, 2 No"
    return phone.text("1")


def queue_of(h: Hotline) -> Queue:
    return Queue(QUEUE, connection=h.redis, serializer=JSONSerializer)


def make_due(h: Hotline, number: str) -> None:
    """Fourteen days pass: the scheduled check-in is put on the queue now."""
    queue = queue_of(h)
    job = queue.fetch_job(f"checkin-{h.store.tag(number)}")
    assert job is not None
    queue.scheduled_job_registry.remove(job)
    queue.enqueue_job(job)


def checkins_sent(twilio, number: str = NUMBER) -> list[str]:
    return [
        m.get("Body") for m in twilio.sent("message")
        if m.get("To") == number and "Have you been able" in m.get("Body")
    ]  # fmt: skip


def test_agreed_check_in_is_scheduled_two_weeks_on_in_their_daytime_keeping_almost_nothing(
    settings,
) -> None:
    app = create_app(settings)
    before = time.time()
    assert agree(Phone(app.test_client(), NUMBER))[0].startswith("Thank you. We will text you")
    h = resources_of(app)
    tag = h.store.tag(NUMBER)
    registry = queue_of(h).scheduled_job_registry
    [job_id] = registry.get_job_ids()
    assert job_id == f"checkin-{tag}"
    due = registry.get_scheduled_time(job_id)
    local = due.astimezone(ZoneInfo("America/Los_Angeles"))
    assert 9 <= local.hour < 20 and 13.5 <= (due.timestamp() - before) / 86400 <= 15
    assert h.store.connection.get(keys.checkin(tag)) == b"pending en sms"
    assert 0 < h.store.connection.ttl(keys.checkin(tag)) <= PENDING_AT_MOST
    assert 0 < h.redis.ttl(keys.checkin_contact(tag)) <= PENDING_AT_MOST


def test_the_check_in_is_sent_once_and_answered_after_the_conversation_expired(
    settings, twilio
) -> None:
    app = create_app(settings)
    phone = Phone(app.test_client(), NUMBER)
    agree(phone)
    h = resources_of(app)
    make_due(h, NUMBER)
    run_jobs(settings)
    make_due(h, NUMBER)  # a second run of the same job (a retry, a second worker) sends nothing
    run_jobs(settings)
    assert len(checkins_sent(twilio)) == 1
    tag = h.store.tag(NUMBER)
    assert h.redis.get(keys.checkin_contact(tag)) is None  # the number is not kept once sent
    h.store.connection.delete(keys.conversation(tag, "sms"))  # the conversation expired
    assert phone.text("3") == [
        "Thank you. We have asked an oncology social worker to call you back. "
        "We will text you to confirm when."
    ]
    assert h.store.checkin(tag) is None
    run_jobs(settings)
    [request] = h.callbacks.waiting(time.time())
    assert request.number == NUMBER and request.voicemail is False
    assert "Have you" not in phone.text("3")[0]  # thanked once: now it is a menu choice
    figures = h.counts.figures()
    assert figures == {
        "checkin_offered:en:sms": 1, "checkin_accepted:en:sms": 1, "checkin_sent:en:sms": 1,
        "checkin_answered:en:sms": 1, "checkin_answer_social_worker:en:sms": 1,
    }  # fmt: skip
    assert not any(tag in field or NUMBER in field for field in figures)


def test_stop_cancels_a_pending_check_in(settings, twilio) -> None:
    app = create_app(settings)
    phone = Phone(app.test_client(), NUMBER)
    agree(phone)
    assert phone.text("STOP") == []
    h = resources_of(app)
    assert h.store.checkin(h.store.tag(NUMBER)) is None
    make_due(h, NUMBER)
    run_jobs(settings)
    assert checkins_sent(twilio) == []


def test_a_call_back_closed_as_reached_offers_a_check_in_by_text(settings, twilio) -> None:
    app = create_app(settings)
    h = resources_of(app)
    connection = redis.Redis.from_url(settings.redis_url)
    request_id = file_request(h.callbacks, NUMBER, time.time(), lang="es", text_to=NUMBER)
    assert connection.exists(keys.callback(request_id))
    h.callbacks.claim(request_id, "alice", time.time())
    outbox.after_close(
        h, h.callbacks.close(request_id, "alice", CallbackOutcome.REACHED, "", time.time())
    )
    run_jobs(settings)
    [offer] = [m.get("Body") for m in twilio.sent("message") if m.get("To") == NUMBER]
    assert offer.startswith("CancerCare: gracias por hablar") and offer.endswith("1 Si, 2 No")
    assert Phone(app.test_client(), NUMBER).text("1")[0].startswith("Gracias. Le escribiremos")
    assert h.store.checkin(h.store.tag(NUMBER))[0] == "pending"
