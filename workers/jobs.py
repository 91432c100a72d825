"""RQ jobs: ids in, safe to run twice, numbers read from Redis rather than passed as arguments."""

from __future__ import annotations

import logging
import os
from functools import cache

from rq import get_current_job

from hotline.app import Hotline, build_hotline
from hotline.settings import Settings
from hotline.twilio_rest import OptedOut, TwilioRest

log = logging.getLogger(__name__)
SENT_MARK_TTL = 7 * 24 * 3600


@cache
def hotline() -> Hotline:
    """This worker process's resources, built once from the environment."""
    return build_hotline(Settings.from_env(os.environ))


@cache
def twilio() -> TwilioRest:
    return TwilioRest(hotline().settings)


def send_section(tag: str, lang: str, node: str) -> int:
    """Text the SMS pages of `node` to the person behind `tag`; return how many were sent now.

    Each page is marked once sent, so a retry after a crash resends nothing already delivered
    to Twilio (a crash between the send and the mark can still repeat that one page).
    """
    h = hotline()
    job_id = get_current_job().id
    number = h.redis.get(h.store.key(tag, "contact"))
    if number is None or h.redis.exists(h.store.key(tag, "optout")):
        log.info("send_section %s: nothing to do (no number or opted out)", job_id)
        return 0
    sent = 0
    for page, text in enumerate(h.flows[lang].nodes[node].sms):
        mark = h.store.key(tag, f"sent:{job_id}:{page}")
        if h.redis.exists(mark):
            continue
        try:
            twilio().send_sms(number.decode(), text)
        except OptedOut:
            h.redis.set(h.store.key(tag, "optout"), "1")
            log.info("send_section %s: recipient has opted out", job_id)
            return sent
        h.redis.set(mark, "1", ex=SENT_MARK_TTL)
        sent += 1
    return sent
