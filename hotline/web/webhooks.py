"""Twilio's webhooks: thin views that check the signature, take a step, and answer in TwiML."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import redis
from flask import Blueprint, Response, abort, request, url_for
from werkzeug.exceptions import HTTPException

from flows.voice.prompts import speakable
from hotline import inbound
from hotline.conversation import take_step
from hotline.inbound import VoiceRequest
from hotline.outbound.outbox import TooManyWithheld
from hotline.stores.conversations import StoreBusy
from hotline.stores.failover import MasterChanged
from hotline.web import twiml
from hotline.web.resources import hotline
from hotline.web.signature import is_from_twilio

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")


def xml(body: str) -> Response:
    """A TwiML document as an HTTP response."""
    return Response(body, mimetype="text/xml")


@bp.before_request
def require_twilio_signature() -> None:
    """Refuse (403) anything Twilio did not sign, or signed for another account."""
    h = hotline()
    if not is_from_twilio(request, h.validator, h.settings.public_base_url):
        abort(403)
    # Twilio's signature joins names and values without separators, so parameters can be
    # re-cut into others; the account and the ids we rely on must be there and be ours.
    sid = h.settings.twilio_account_sid
    if sid and request.form.get("AccountSid") != sid:
        abort(403)
    if request.path != "/twilio/status" and not _to_us(request.form, h.settings.own_numbers()):
        abort(403)
    needed = "MessageSid" if request.path == "/twilio/sms" else "CallSid"
    if request.path != "/twilio/status" and not (
        request.form.get(needed) and request.form.get("From")
    ):
        abort(400)


def _to_us(form: Mapping[str, str], own: frozenset[str]) -> bool:
    """Whether a webhook is about a message or call to one of the hotline's own numbers.

    Without TWILIO_PHONE_NUMBER there is nothing to compare with (a development setup).
    """
    to = form.get("To") or form.get("Called") or ""
    return not own or to.rpartition(":")[2] in own  # "whatsapp:+1..." is the number after ':'


@bp.post("/sms")
def sms() -> Response:
    """An incoming text: one step of the SMS conversation, answered with at most one message."""
    h = hotline()
    h.master.follow()  # behind Sentinel: on the master it names now (asked at most once a second)
    text = inbound.sms(request.form)
    stepped = take_step(h, text)
    if stepped.over_limit:
        # One polite notice, then silence until the minute is over: a flood costs us nothing.
        log.warning("sms conversation %s over its rate limit", h.store.tag(text.who)[:8])
        slow_down = h.flows[stepped.outcome.state.lang].text("slow_down")
        return xml(twiml.messages([slow_down] if stepped.over_limit == 1 else []))
    if log.isEnabledFor(logging.DEBUG):  # the tag is a keyed hash: not worked out for nothing
        log.debug(
            "sms conversation %s at %s%s",
            h.store.tag(text.who)[:8],
            stepped.outcome.state.node or "-",
            " (replayed)" if stepped.replayed else "",
        )
    return xml(twiml.messages(stepped.outcome.replies, stepped.outcome.personal))


@bp.post("/voice")
def voice() -> Response:
    """An incoming call: greet, give the notice, offer the main menu."""
    return _voice_step(VoiceRequest.CALL)


@bp.post("/voice/step")
def voice_step() -> Response:
    """Keys or words from a <Gather>, its silence, or the end of a <Dial>, as one engine step."""
    if request.args.get("dial"):
        return _voice_step(VoiceRequest.DIAL_ENDED)
    if request.args.get("silence"):
        return _voice_step(VoiceRequest.SILENCE)
    return _voice_step(VoiceRequest.INPUT)


@bp.post("/voice/connect")
def voice_connect() -> Response:
    """The way out when the hotline is failing: put the caller through, with no Redis needed."""
    h = hotline()
    return xml(twiml.connect(h.settings.social_worker_line, h.settings.twilio_phone_number))


@bp.post("/status")
def status() -> tuple[str, int]:
    """Twilio's status callbacks: acknowledged; nothing depends on them yet."""
    return "", 204


def _voice_step(kind: VoiceRequest) -> Response:
    h = hotline()
    h.master.follow()
    office_open = h.settings.office_hours.is_open(datetime.now(UTC))
    call = inbound.voice(request.form, kind, request.args.get("n", ""), office_open)
    outcome = take_step(h, call).outcome
    if log.isEnabledFor(logging.DEBUG):
        log.debug("voice call %s at %s", h.store.tag(call.sid)[:8], outcome.state.node or "-")
    dial = twiml.DialTo(h.settings.social_worker_line, h.settings.twilio_phone_number)
    flow = h.flows[outcome.state.lang]
    return xml(twiml.call(outcome, flow, url_for("twilio.voice_step"), dial))


@bp.errorhandler(Exception)
def answer_anyway(error: Exception) -> Response | HTTPException:
    """Whatever failed, the person still gets a useful answer, never a stack trace or a 500."""
    if isinstance(error, HTTPException):
        return error
    if isinstance(error, redis.RedisError | StoreBusy | MasterChanged):
        log.warning("store unavailable: %s", type(error).__name__)
    elif isinstance(error, TooManyWithheld):
        log.warning("call back request refused: the hour's allowance for withheld numbers is used")
    else:
        log.exception("webhook failed")
    flow = hotline().flows["en"]
    if request.path.startswith("/twilio/voice"):
        connect_url = url_for("twilio.voice_connect")
        text = speakable(flow.text("unavailable_voice"))
        return xml(twiml.apology(text, connect_url, flow.speech_language, flow.tts_voice))
    return xml(twiml.messages([flow.text("unavailable")]))
