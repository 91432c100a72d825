"""Twilio's webhooks: thin views that check, step the engine, and answer in TwiML."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import HTTPException

from flows.engine import step
from flows.model import Channel, Event
from hotline import twiml
from hotline.app import hotline
from hotline.signature import is_from_twilio
from hotline.store import StoreBusy

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")


@bp.before_request
def require_twilio_signature() -> None:
    """Refuse (403) anything Twilio did not sign."""
    h = hotline()
    if not is_from_twilio(request, h.validator, h.settings.public_base_url):
        abort(403)


@bp.post("/sms")
def sms() -> Response:
    """An incoming text: one step of the SMS conversation, answered with at most one message."""
    h = hotline()
    form = request.form
    event = Event(
        Channel.SMS, text=form.get("Body", ""), opt_out_type=form.get("OptOutType", "").upper()
    )
    result = h.store.advance(
        "sms", form.get("From", ""), form.get("MessageSid", ""), lambda s: step(h.flows, s, event)
    )
    log.info(
        "sms conversation %s at %s%s",
        h.store.tag(form.get("From", ""))[:8],
        result.outcome.state.node or "-",
        " (replayed)" if result.replayed else "",
    )
    return twiml.messages(result.outcome.replies)


@bp.errorhandler(Exception)
def answer_anyway(error: Exception) -> Response | HTTPException:
    """Whatever failed, the person still gets a useful answer, never a stack trace."""
    if isinstance(error, HTTPException):
        return error
    if isinstance(error, redis.RedisError | StoreBusy):
        log.warning("store unavailable: %s", type(error).__name__)
    else:
        log.exception("webhook failed")
    return twiml.messages([hotline().flows["en"].text("unavailable")])
