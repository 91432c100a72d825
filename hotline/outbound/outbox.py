"""Hand slow work to the RQ worker, keeping phone numbers out of the jobs' arguments.

A job gets the keyed hash of a person's number (their tag) and ids; whatever personal detail
it needs waits for it in a short-lived Redis key under that tag.
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime

import redis
from rq.exceptions import DuplicateJobError

from flows.checkin import PENDING_LASTS, send_at, time_zone
from flows.model import Channel, RequestCallback, Window
from flows.phones import reachable
from hotline.outbound import checkins, jobs
from hotline.outbound.enqueue import FAILED_TTL, RETRY, enqueue
from hotline.reports import tally
from hotline.stores import keys
from hotline.stores.callbacks import CallbackOutcome, CallbackRequest, Mention, Status
from hotline.stores.failover import MasterChanged
from hotline.wiring import Hotline

# Long enough for a queued job to outlive a worker restart; short, since it is a phone number.
CONTACT_TTL = 24 * 3600
HOUR = 3600
HEADS_UP_WITHIN = 60  # seconds: a heads-up text that cannot go out by then is never sent
MENTIONS = {True: Mention.CANCERCARE, False: Mention.DISCREET, None: Mention.UNASKED}


class TooManyWithheld(Exception):
    """Calls with no caller ID have filed as many requests as an hour allows: put them through."""


def send_section(h: Hotline, number: str, lang: str, node: str, job_id: str) -> None:
    """Text `node`'s SMS pages to `number`, once, whatever retries happen (`job_id` is stable)."""
    tag = h.store.tag(number)
    h.redis.set(keys.contact(tag), number, ex=CONTACT_TTL)
    enqueue(h.queue, jobs.send_section, (tag, lang, node), job_id)


def request_callback(
    h: Hotline,
    number: str,
    channel: Channel,
    lang: str,
    request: RequestCallback,
    filing_key: str,
    verified: bool = True,
) -> None:
    """File a call-back request for `number` (or the number in its form) and confirm it.

    `number` is the asker's own (the CallSid stands in for a caller ID the hotline may not
    call or text: such a request carries the number they typed, and no text is sent). A caller
    ID that failed verification (not `verified`) is texted nothing and cannot change an open
    request; it can file one. Raises TooManyWithheld past the hour's allowance for withheld
    numbers, and MasterChanged when the request might not last (a failover, no replica): the
    person then hears that the hotline has a problem, with the social workers' number, and is
    not told it is in.
    """
    own_reachable = reachable(number)
    if not own_reachable and not _withheld_may_file(h):
        raise TooManyWithheld()
    tag = h.store.tag(number)
    details = {
        "number": request.form.number or number,
        "text_to": number if own_reachable and verified else "",
        "may_change": verified,
        "channel": channel.value,
        "lang": lang,
        "topic": request.topic,
        "window": (request.form.window or Window.ANY).value,
        "voicemail": bool(request.form.voicemail),
        "mention": MENTIONS[request.form.say_cancercare].value,
        "first_name": request.form.first_name,
        "treatment_soon": bool(request.form.treatment_soon),
        "urgent": request.urgent,
        "requested_at": time.time(),
    }
    pending = keys.pending_filing(tag, filing_key)
    try:
        with h.master.unmoved():
            h.redis.set(pending, json.dumps(details), ex=CONTACT_TTL)
            enqueue(h.queue, jobs.file_callback, (tag, filing_key), f"file-{filing_key}")
    except MasterChanged:
        # The person hears it did not work: if the job survives, it must find nothing to file.
        with contextlib.suppress(redis.RedisError):
            h.redis.delete(pending)
        raise


def after_close(h: Hotline, request: CallbackRequest) -> None:
    """A request closed after its last unanswered attempt gets a final text saying how to reach
    us; one closed as reached, the offer of a check-in. Every outcome recorded is counted for the
    report (after those are queued)."""
    if request.status is Status.CLOSED and request.outcome == CallbackOutcome.NO_ANSWER:
        enqueue(h.queue, jobs.final_notice, (request.id,), f"final-{request.id}")
    if request.status is Status.CLOSED and request.outcome == CallbackOutcome.REACHED:
        enqueue(h.queue, checkins.offer_checkin, (request.id,), f"offer-checkin-{request.id}")
    h.reports.record(tally.recorded(request, h.settings.office_hours))


def schedule_checkin(h: Hotline, number: str, channel: Channel, lang: str) -> None:
    """Schedule the check-in `number` agreed to: two weeks on, in their daytime (RQ's scheduler).

    One job per person (its id is their tag): agreeing again moves it. Its number waits for it
    under their tag for as long as a pending check-in lasts.
    """
    tag = h.store.tag(number)
    agreed = datetime.fromtimestamp(h.store.clock(), UTC)
    due = send_at(agreed, time_zone(number, h.settings.office_hours.zone))
    h.redis.set(keys.checkin_contact(tag), number, ex=PENDING_LASTS)
    h.queue.enqueue_at(
        due, checkins.send_checkin, tag, job_id=f"checkin-{tag}", retry=RETRY,
        failure_ttl=FAILED_TTL,
    )  # fmt: skip


def heads_up(h: Hotline, request: CallbackRequest) -> bool:
    """Text the person that a social worker is calling now, before their phone rings.

    Only when the number called is the one that wrote or called us (never another number they
    gave, which may be shared) and can get texts; the job checks the opt-out, and drops the text
    rather than send it late. Whether it was queued.
    """
    if not (request.text_to and request.number == request.text_to):
        return False
    deadline = time.time() + HEADS_UP_WITHIN
    with contextlib.suppress(DuplicateJobError):
        h.queue.enqueue_call(
            jobs.heads_up,
            args=(request.id, str(deadline)),
            job_id=f"headsup-{request.id}-{int(deadline)}",
            ttl=HEADS_UP_WITHIN,  # RQ drops it from the queue once it is too late
            failure_ttl=FAILED_TTL,
            unique=True,
        )
    return True


def _withheld_may_file(h: Hotline) -> bool:
    """Count one filing by a call with no caller ID against the hour's allowance for all of them."""
    counter = keys.withheld_filings(int(time.time() // HOUR))
    with h.redis.pipeline() as pipe:
        pipe.incr(counter)
        pipe.expire(counter, 2 * HOUR)
        filed, _ = pipe.execute()
    return int(filed) <= h.settings.withheld_callbacks_per_hour
