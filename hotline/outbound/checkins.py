"""RQ jobs of the check-in (flows/checkin.py): offering it after a call back, sending it once.

A pending check-in is a key of the person's (their keyed hash, language and channel); the
number it goes to waits in a key of its own until it is sent, both for at most 15 days. The
job scheduled for it (RQ's scheduler, a job id per person) survives a worker's restart, and
finds nothing to do once STOP has cancelled it or it was sent.
"""

from __future__ import annotations

import logging

from flows.checkin import Stage
from hotline.outbound.delivery import send
from hotline.outbound.jobs import hotline
from hotline.stores import keys
from hotline.stores.conversations import texting
from hotline.stores.decode import text

log = logging.getLogger(__name__)


def send_checkin(tag: str) -> bool:
    """Ask the person behind `tag` how it is going, if their check-in is still pending; once."""
    h = hotline()
    found = h.store.checkin(tag)
    number = text(h.redis.get(keys.checkin_contact(tag)))
    if found is None or found[0] is not Stage.PENDING or not number:
        return False
    _, lang, channel = found
    if not h.store.ask_checkin(tag):  # at most once: a retry, or a second worker, stops here
        return False
    h.redis.delete(keys.checkin_contact(tag))
    flow = h.flows.get(lang) or h.flows["en"]
    sent = send(h, tag, number, flow.text("checkin"), channel=channel, name="checkin", lang=lang)
    if not sent:  # opted out meanwhile, no template, no budget: nobody is waiting for an answer
        h.store.drop_checkin(tag)
        log.info("a check-in was not sent")
        return False
    h.counts.add("checkin_sent", lang, channel)
    return True


def offer_checkin(request_id: str) -> bool:
    """After a call back closed as reached, offer the person who asked a check-in, by text."""
    h = hotline()
    request = h.callbacks.get(request_id)
    if request is None or not request.text_to:
        return False
    channel, lang, tag = texting(request.channel), request.lang, h.store.tag(request.text_to)
    if h.store.opted_out(tag, channel) or not h.store.offer_checkin(tag, lang, channel):
        return False
    flow = h.flows.get(lang) or h.flows["en"]
    name = "checkin_offer_after_call"
    if not send(h, tag, request.text_to, flow.text(name), channel=channel, name=name, lang=lang):
        h.store.drop_checkin(tag)
        return False
    h.counts.add("checkin_offered", lang, channel)
    return True
