"""WhatsApp end to end: the same person as their SMS number, replies on the channel used,
opt-outs per channel, ProfileName never kept, and messages started past the 24-hour window."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import pytest
import redis

from flows.model import Channel
from hotline.outbound import outbox
from hotline.settings import WhatsAppTemplate
from hotline.stores import keys
from hotline.stores.callbacks import CallbackOutcome
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import HOTLINE_NUMBER, Phone, run_jobs

NUMBER = "+12125550142"
TEMPLATE = WhatsAppTemplate("callback_missed", "en", "HX" + "a" * 32, '{"1": "800-813-4673"}')


def phones(app) -> tuple[Phone, Phone]:
    """The same person, by SMS and on WhatsApp."""
    client = app.test_client()
    return Phone(client, NUMBER), Phone(client, NUMBER, whatsapp=True)


def test_whatsapp_goes_on_with_the_persons_texts_and_answers_as_whatsapp(settings) -> None:
    sms, whatsapp = phones(create_app(settings))
    assert "1 Talk to your doctor" in sms.text("SECOND")[0]
    [part] = whatsapp.text("4")  # the same conversation, read on WhatsApp: one message
    assert part.startswith("*When it matters*") and "not responding" in part
    assert "Reply MORE" not in part


def test_opt_outs_are_per_channel_and_twilio_s_own_answer_is_not_doubled(settings) -> None:
    sms, whatsapp = phones(create_app(settings))
    whatsapp.text("SECOND")
    assert whatsapp.text("STOP") == ["You will get no more messages from CancerCare here. "
                                     "Reply START to get them again."]  # fmt: skip
    assert whatsapp.text("SECOND") == []
    assert "1 Talk to your doctor" in sms.text("SECOND")[0]  # SMS is not silenced
    assert sms.text("STOP") == []  # Twilio answers STOP on SMS
    assert whatsapp.text("START", opt_out_type="START") == []  # Twilio's opt-out handling did
    assert "1 Talk to your doctor" in whatsapp.text("SECOND")[0]
    assert sms.text("SECOND") == []  # still opted out by SMS


def test_the_profile_name_is_never_stored_or_logged(
    settings, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, whatsapp = phones(create_app(settings))
    for body in ("SECOND", "6", "1", "1", "1", "3"):
        whatsapp.text(body)
    run_jobs(settings)
    r = redis.Redis.from_url(redis_url)
    stored = b" ".join(
        [k + b" " + (r.dump(k) or b"") for k in r.keys("*")]
    )  # every key and value, as bytes
    assert whatsapp.texter.PROFILE_NAME.encode() not in stored
    assert whatsapp.texter.PROFILE_NAME not in caplog.text


def test_a_call_back_asked_on_whatsapp_is_confirmed_on_whatsapp(settings, twilio) -> None:
    _, whatsapp = phones(create_app(settings))
    for body in ("SECOND", "6", "4", "2", "1", "3"):
        whatsapp.text(body)
    run_jobs(settings)
    [confirmation] = [m for m in twilio.sent("message") if m.get("To") == f"whatsapp:{NUMBER}"]
    assert confirmation.get("From") == f"whatsapp:{HOTLINE_NUMBER}"
    assert "confirmed" in confirmation.get("Body")


def close_unanswered(app) -> None:
    """Three unanswered attempts close the person's request (and queue the final notice)."""
    h = resources_of(app)
    [request] = h.callbacks.waiting(time.time())
    now = time.time()
    for attempt in range(3):
        h.callbacks.claim(request.id, "alice", now + attempt * 7200)
        closed = h.callbacks.close(
            request.id, "alice", CallbackOutcome.NO_ANSWER, "", now + attempt * 7200
        )
    outbox.after_close(h, closed)


@pytest.mark.parametrize("configured", [True, False], ids=["template", "no-template"])
def test_a_message_started_past_24_hours_is_a_template_or_not_sent_and_counted(
    settings, twilio, configured: bool
) -> None:
    settings = replace(settings, whatsapp_templates=(TEMPLATE,) if configured else ())
    app = create_app(settings)
    _, whatsapp = phones(app)
    for body in ("SECOND", "6", "4", "2", "1", "3"):
        whatsapp.text(body)
    run_jobs(settings)
    h = resources_of(app)
    h.store.connection.delete(keys.whatsapp_session(h.store.tag(NUMBER)))  # a day went by
    close_unanswered(app)
    run_jobs(settings)
    to_them = [m for m in twilio.sent("message") if m.get("To") == f"whatsapp:{NUMBER}"]
    if configured:
        [_, notice] = to_them
        assert notice.get("ContentSid") == TEMPLATE.content_sid and not notice.get("Body")
        assert notice.get("ContentVariables") == TEMPLATE.variables
    else:
        assert len(to_them) == 1  # the confirmation only
        figures = h.counts.figures()
        assert figures == {"whatsapp_no_template_callback_missed:en:whatsapp": 1}


def test_the_same_number_is_the_same_person_for_requests(settings) -> None:
    app = create_app(settings)
    sms, whatsapp = phones(app)
    for body in ("SECOND", "6", "1", "1", "1", "3"):
        sms.text(body)
    for body in ("MENU", "6", "3", "2", "1", "3"):
        whatsapp.text(body)
    run_jobs(settings)
    [request] = resources_of(app).callbacks.waiting(time.time())  # one open request, updated
    assert request.channel is Channel.WHATSAPP and request.window == "evening"
