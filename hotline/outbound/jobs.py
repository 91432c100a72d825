"""RQ jobs: ids in, safe to run twice, numbers read from Redis rather than passed as arguments."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache

import redis
from rq import get_current_job
from rq.exceptions import DuplicateJobError
from rq.registry import FailedJobRegistry

from flows import phones
from flows.model import Channel
from hotline import logs
from hotline.office import expected_call
from hotline.outbound import budget, delivery
from hotline.outbound.enqueue import enqueue
from hotline.outbound.twilio_rest import TryLater
from hotline.reports import tally
from hotline.stores import decode, keys
from hotline.stores.callbacks import CallbackRequest
from hotline.stores.conversations import texting
from hotline.wiring import Hotline, from_environment, refuse_evicting_redis

log = logging.getLogger(__name__)
MARK_TTL = 7 * 24 * 3600
ALERT_EVERY = 300  # at most one "requests waiting" alert to staff per five minutes
HEADS_UP_EVERY = 600  # at most one "calling you now" text per request in ten minutes


@cache
def hotline() -> Hotline:
    """This worker process's resources, built once from the environment (see workers/rq_settings)."""
    logs.install()
    h = from_environment()
    refuse_evicting_redis(h)
    try:
        fsync = h.redis.config_get("appendfsync").get("appendfsync")
    except redis.ResponseError:  # a managed Redis may refuse CONFIG: trust its operators
        fsync = "always"
    if fsync != "always":
        log.warning(
            "the queue's Redis has appendfsync=%s: a confirmed request could be lost in a crash",
            fsync,
        )
    return h


def forget_resources() -> None:
    """Forget this process's resources: the next job builds them again from the environment."""
    hotline.cache_clear()


def send_section(tag: str, lang: str, node: str) -> int:
    """Text the SMS pages of `node` to the person behind `tag`; return how many were sent now.

    Each page is marked once sent, so a retry after a crash resends nothing already delivered
    to Twilio (a crash between the send and the mark can still repeat that one page).
    """
    h = hotline()
    job = get_current_job()
    number = decode.text(h.redis.get(keys.contact(tag)))
    if job is None or not number:
        return 0
    sent = 0
    for page, text in enumerate(h.flows[lang].nodes[node].sms):
        mark = keys.sent_page(tag, job.id, page)
        if h.redis.exists(mark):
            continue
        if not delivery.send(h, tag, number, text):
            return sent
        h.redis.set(mark, "1", ex=MARK_TTL)
        sent += 1
    return sent


def file_callback(tag: str, filing_key: str) -> str:
    """File a pending call-back request in the queue (once), then confirm it to the person (once).

    The confirmation is sent only after the request is saved, so nobody is told it is in the
    queue before it is. Returns the request id ('' if there was nothing pending).
    """
    h = hotline()
    pending_key = keys.pending_filing(tag, filing_key)
    raw = h.redis.get(pending_key)
    if raw is None:
        return ""
    details = json.loads(raw)
    may_change = details.pop("may_change", True)
    fields = {**details, "channel": Channel(details["channel"])}
    request = CallbackRequest(id="", person=tag, updated_at=time.time(), **fields)
    with h.master.unmoved():  # behind Sentinel: filed on a master that stays (else retried)
        filed = h.callbacks.file(filing_key, request, may_change)
    request_id = filed.id
    if filed.created:
        h.reports.record(tally.filed(request))
    if filed.changed_from:  # told once, even if this job is retried
        enqueue(h.queue, tell_of_change, (filed.id, filing_key), f"changed-{filing_key}")
    # Staff hear of each request once, even if this job is a retry that found it already filed.
    if h.redis.set(keys.staff_alerted(tag, request_id), "1", nx=True, ex=MARK_TTL):
        period = int(time.time() // ALERT_EVERY)  # one alert per period, however many requests
        enqueue(h.queue, alert_staff, (), f"alert-{period}")
    mark = keys.confirmed(tag, filing_key)
    if request.text_to and h.redis.set(mark, "1", nx=True, ex=MARK_TTL):
        try:
            confirmation = _confirmation(h, details)
            channel = texting(request.channel)
            delivery.send(
                h, tag, request.text_to, confirmation, reserved=True, channel=channel,
                name="callback_confirmed", lang=request.lang,
            )  # fmt: skip
        except TryLater:
            h.redis.delete(mark)
            raise
        except budget.OverBudget as over:
            # Filed; the confirmation waits for the next hour's budget (the details with it).
            h.redis.delete(mark)
            _later(h, over, file_callback, (tag, filing_key), f"file-{filing_key}")
            return request_id
    h.redis.delete(pending_key)
    _schedule_purge(h)
    log.info("callback %s filed (%s)", request_id, "new" if filed.created else "updated")
    return request_id


def tell_of_change(request_id: str, filing_key: str) -> bool:
    """Text the phone that first asked (never the new number) that the number to call changed.

    A request's number never changes silently: whoever changed it, its asker hears of it.
    """
    h = hotline()
    held = h.callbacks.get(request_id)
    if held is None or not held.text_to:
        return False
    flow = h.flows.get(held.lang) or h.flows["en"]
    notice = flow.text("callback_changed", number=phones.display(held.number))
    channel, tag = texting(held.channel), h.store.tag(held.text_to)
    try:
        return delivery.send(
            h, tag, held.text_to, notice, reserved=True, channel=channel, name="callback_changed",
            lang=held.lang,
        )  # fmt: skip
    except budget.OverBudget as over:
        _later(h, over, tell_of_change, (request_id, filing_key), f"changed-{filing_key}")
        return False


def heads_up(request_id: str, deadline: str) -> bool:
    """Text the person that a social worker is calling now, in their language and as discreetly
    as they asked; skipped once past `deadline` (never late), and at most once in a while."""
    h = hotline()
    if time.time() > float(deadline):
        log.info("heads-up for call back %s not sent: too late", request_id)
        return False
    request = h.callbacks.get(request_id)
    if request is None or not request.text_to or request.number != request.text_to:
        return False
    if not h.redis.set(
        keys.heads_up_sent(request.person, request_id), "1", nx=True, ex=HEADS_UP_EVERY
    ):
        return False
    flow = h.flows.get(request.lang) or h.flows["en"]
    name = "heads_up_discreet" if request.discreet else "heads_up"
    body = flow.text(name, number=phones.display(h.settings.twilio_phone_number))
    # By SMS, whatever channel they asked on: a number that may not be texted gets nothing.
    return delivery.send(h, request.person, request.text_to, body, name=name, lang=request.lang)


def alert_staff() -> int:
    """Text on-duty staff how many requests wait, with no personal detail; how many were texted."""
    h = hotline()
    waiting = h.callbacks.count_waiting()
    if not waiting:
        return 0
    text = f"CancerCare hotline: {waiting} call back request(s) waiting. Open the dashboard."
    sent = 0
    for number in h.settings.staff_alert_numbers:
        try:
            tag = h.store.tag(number)
            sent += delivery.send(h, tag, number, text, reserved=True, capped=False)
        except budget.OverBudget as over:
            _later(h, over, alert_staff, (), "alert")
            break
    return sent


def final_notice(request_id: str) -> bool:
    """After the last unanswered attempt, text the person who asked how to reach a social worker.

    The text goes to the asker's own phone, never to another number they gave us to call (a
    shared phone must not learn of a cancer diagnosis from us).
    """
    h = hotline()
    request = h.callbacks.get(request_id)
    if request is None:
        return False
    if not request.text_to:
        return False
    flow = h.flows.get(request.lang) or h.flows["en"]
    notice, channel = flow.text("callback_missed"), texting(request.channel)
    return delivery.send(
        h, request.person, request.text_to, notice, channel=channel, name="callback_missed",
        lang=request.lang,
    )  # fmt: skip


def purge() -> int:
    """Delete closed requests and failed jobs past their retention; schedule the next purge."""
    h = hotline()
    now = time.time()
    removed = h.callbacks.purge(now)
    FailedJobRegistry(queue=h.queue).cleanup(int(now))
    _schedule_purge(h)
    log.info("purged %d closed request(s)", removed)
    return removed


def _later(
    h: Hotline,
    over: budget.OverBudget,
    job: Callable[..., object],
    args: tuple[str, ...],
    name: str,
) -> None:
    """Run `job` again when the next hour's text budget opens (once, whatever retries happen)."""
    log.warning("the hour's text budget is spent: a text waits for the next hour")
    with contextlib.suppress(DuplicateJobError):
        h.queue.enqueue_at(
            datetime.fromtimestamp(over.retry_at, UTC), job, *args,
            job_id=f"{name}-at-{int(over.retry_at)}", unique=True,
        )  # fmt: skip


def _schedule_purge(h: Hotline) -> None:
    """Make sure one purge is scheduled for tomorrow (a deterministic id keeps it to one)."""
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with contextlib.suppress(DuplicateJobError):
        h.queue.enqueue_at(tomorrow, purge, job_id=f"purge-{tomorrow:%Y-%m-%d}", unique=True)


def _confirmation(h: Hotline, details: dict) -> str:
    flow = h.flows.get(details["lang"]) or h.flows["en"]
    when = expected_call(h.settings.office_hours, details["window"], datetime.now(UTC), flow)
    return flow.text("callback_confirmed", number=phones.display(details["number"]), when=when)
