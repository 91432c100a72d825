"""Twilio's webhooks: thin views that check, step the engine, and answer in TwiML."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import redis
from flask import Blueprint, Flask, Request, Response, abort, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from flows.engine import step
from flows.model import Channel, EffectKind, Event, EventKind, Outcome, Then
from flows.voice import prompt, speakable
from hotline import twiml
from hotline.app import hotline
from hotline.settings import can_be_reached
from hotline.signature import is_from_twilio
from hotline.store import StoreBusy, call_conversation

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")


class SessionsButForWebhooks(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, not opened for Twilio's webhooks, which carry no cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(f"{bp.url_prefix}/"):
            return None  # Flask gives the request a null session instead
        return super().open_session(app, request)


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
    needed = "MessageSid" if request.path == "/twilio/sms" else "CallSid"
    if request.path != "/twilio/status" and not (
        request.form.get(needed) and request.form.get("From")
    ):
        abort(400)


@bp.post("/sms")
def sms() -> Response:
    """An incoming text: one step of the SMS conversation, answered with at most one message."""
    h = hotline()
    h.master.follow()  # behind Sentinel: on the master it names now (asked at most once a second)
    form = request.form
    event = Event(
        Channel.SMS, text=form.get("Body", ""), opt_out_type=form.get("OptOutType", "").upper()
    )
    number, sid = form.get("From", ""), form.get("MessageSid", "")
    result = h.store.advance(
        "sms",
        number,
        sid,
        lambda s: step(h.flows, s, event),
        lambda outcome: _hand_off(outcome, Channel.SMS, number, sid),
        rate_limit=h.settings.sms_per_minute,
    )
    if result.over_limit:
        # One polite notice, then silence until the minute is over: a flood costs us nothing.
        log.warning("sms conversation %s over its rate limit", h.store.tag(number)[:8])
        slow_down = h.flows[result.outcome.state.lang].text("slow_down")
        return twiml.messages([slow_down] if result.over_limit == 1 else [])
    if log.isEnabledFor(logging.DEBUG):  # the tag is a keyed hash: not worked out for nothing
        log.debug(
            "sms conversation %s at %s%s",
            h.store.tag(number)[:8],
            result.outcome.state.node or "-",
            " (replayed)" if result.replayed else "",
        )
    return twiml.messages(result.outcome.replies, result.outcome.personal)


@bp.post("/voice")
def voice() -> Response:
    """An incoming call: greet, give the notice, offer the main menu."""
    return _voice_step(EventKind.CALL, "call")


@bp.post("/voice/step")
def voice_step() -> Response:
    """Keys or words from a <Gather>, its silence, or the end of a <Dial>, as one engine step."""
    n = request.args.get("n", "")
    if request.args.get("dial"):
        return _voice_step(EventKind.DIAL_ENDED, f"{n}d")
    if request.args.get("silence"):
        return _voice_step(EventKind.SILENCE, f"{n}s")
    return _voice_step(EventKind.INPUT, n)


@bp.post("/voice/connect")
def voice_connect() -> Response:
    """The way out when the hotline is failing: put the caller through, with no Redis needed."""
    h = hotline()
    return twiml.connect(h.settings.social_worker_line, h.settings.twilio_phone_number)


@bp.post("/status")
def status() -> tuple[str, int]:
    """Twilio's status callbacks: acknowledged; nothing depends on them yet."""
    return "", 204


def _voice_step(kind: EventKind, event_id: str) -> Response:
    h = hotline()
    h.master.follow()
    form = request.form
    caller, call_sid = form.get("From", ""), form.get("CallSid", "")
    reachable = can_be_reached(caller)
    # A withheld number is no one's: such a call is its own person, for state and requests.
    who = caller if reachable else call_sid
    office = h.settings.office_hours
    event = Event(
        Channel.VOICE,
        text=form.get("SpeechResult", ""),
        digits=form.get("Digits", ""),
        confidence=_confidence(form.get("Confidence", "")),
        kind=kind,
        dial_status=form.get("DialCallStatus", ""),
        can_text=reachable,
        office_open=office.is_open(datetime.now(UTC)),
    )
    result = h.store.advance(
        call_conversation(call_sid),
        who,
        event_id,
        lambda s: step(h.flows, s, replace(event, office_hours=office.describe(s.lang))),
        lambda outcome: _hand_off(outcome, Channel.VOICE, who, call_sid),
    )
    outcome = result.outcome
    if outcome.then is Then.REPLY:  # a late repeat of an older step: say where the caller is
        here = prompt(h.flows[outcome.state.lang], outcome.state.node, outcome.state.page)
        outcome = replace(outcome, replies=tuple(speakable(p) for p in here), then=Then.GATHER)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("voice call %s at %s", h.store.tag(call_sid)[:8], outcome.state.node or "-")
    dial = twiml.DialTo(h.settings.social_worker_line, h.settings.twilio_phone_number)
    flow = h.flows[outcome.state.lang]
    return twiml.call(outcome, flow, url_for("twilio.voice_step"), dial)


def _hand_off(outcome: Outcome, channel: Channel, who: str, conversation_key: str) -> None:
    """Queue the outcome's effects for the worker, each under a job id stable across retries.

    `conversation_key` is a MessageSid or CallSid, never a number. A part of the fact sheet is
    texted at most once per call; a call-back request is filed once per step that asked for it.
    """
    outbox = hotline().outbox
    lang = outcome.state.lang
    for effect in outcome.effects:
        if effect.kind is EffectKind.SEND_TEXT:
            outbox.send_section(who, lang, effect.arg, f"text-{conversation_key}-{effect.arg}")
        elif effect.kind is EffectKind.REQUEST_CALLBACK:
            filing_key = f"{conversation_key}-{outcome.state.steps}"
            outbox.request_callback(who, channel, lang, dict(effect.fields), filing_key)


def _confidence(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


@bp.errorhandler(Exception)
def answer_anyway(error: Exception) -> Response | HTTPException:
    """Whatever failed, the person still gets a useful answer, never a stack trace or a 500."""
    if isinstance(error, HTTPException):
        return error
    if isinstance(error, redis.RedisError | StoreBusy):
        log.warning("store unavailable: %s", type(error).__name__)
    else:
        log.exception("webhook failed")
    flow = hotline().flows["en"]
    if request.path.startswith("/twilio/voice"):
        connect_url = url_for("twilio.voice_connect")
        text = speakable(flow.text("unavailable_voice"))
        return twiml.apology(text, connect_url, flow.speech_language, flow.tts_voice)
    return twiml.messages([flow.text("unavailable")])
