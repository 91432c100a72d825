"""One message the hotline starts, on the person's channel: SMS, or WhatsApp (free-form within
24 hours of their last message, else the pre-approved template configured for that text)."""

from __future__ import annotations

import logging

from flows import phones
from flows.model import Channel
from hotline.outbound import budget
from hotline.outbound.twilio_rest import OptedOut, Rejected
from hotline.reports import tally
from hotline.wiring import Hotline

log = logging.getLogger(__name__)


def send(
    h: Hotline,
    tag: str,
    number: str,
    body: str,
    *,
    reserved: bool = False,
    capped: bool = True,
    channel: Channel = Channel.SMS,
    name: str = "",
    lang: str = "en",
) -> bool:
    """Send `body` (the content's text `name`, in `lang`) unless the person opted out on
    `channel`, a budget is spent (see `budget`), or it is an SMS to a number the hotline may not
    text (`phones.judge`); whether it was sent.

    A `reserved` text (a confirmation, a staff alert) raises OverBudget rather than being
    dropped. On WhatsApp, past the 24-hour window, the template for `name` goes instead;
    without one nothing is sent and that is counted. An opt-out Twilio reports (21610) is
    recorded; a permanent refusal is logged, not retried.
    """
    if channel is Channel.SMS and (verdict := phones.judge(number)) is not phones.Verdict.REACHABLE:
        # Say, a request filed before that rule; WhatsApp answers whoever wrote to us there.
        log.warning("text not sent: the number is %s", phones.REFUSED_BECAUSE[verdict])
        return False
    if h.store.opted_out(tag, channel):
        return False
    template = None
    if channel is Channel.WHATSAPP and not h.store.in_session(tag):
        template = h.settings.template(name, lang)
        if template is None:
            log.warning("WhatsApp message not sent: no template for %s (%s)", name, lang)
            h.counts.add(f"whatsapp_no_template_{name or 'text'}", lang, channel)
            return False
    spent = budget.spend(h.redis, h.settings, tag, reserved, capped)
    if spent is not budget.Spent.OK:
        h.reports.record(tally.held_back(spent.value))
    if spent is budget.Spent.HOUR and reserved:
        raise budget.OverBudget(budget.next_hour())
    if spent is not budget.Spent.OK:
        log.warning("text not sent: the %s budget is spent", spent.value)
        return False
    try:
        if channel is Channel.WHATSAPP:
            h.twilio.send_whatsapp(number, body, template)
        else:
            h.twilio.send_sms(number, body)
    except OptedOut:
        h.store.record_opt_out(tag, channel)
        return False
    except Rejected as error:  # a landline, an invalid number: retrying cannot help
        log.warning("text not sent: %s", error)
        return False
    return True
