"""The call-back queue: see it, claim a request, call the person through Twilio, record how it went.

Every action leaves one audit entry (a claim also because it shows the whole number).
"""

from __future__ import annotations

import logging

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from flows import phones
from hotline.call_script import call_script, contact_rules
from hotline.display import office_iso, office_moment
from hotline.outbound import outbox
from hotline.outbound.twilio_rest import OptedOut, Rejected, TryLater
from hotline.permissions import Permission
from hotline.stores.audit import Action
from hotline.stores.callbacks import (
    AlreadyClaimed,
    CallbackOutcome,
    NotYours,
    UnknownRequest,
)
from hotline.stores.queue_page import Filters
from hotline.web import twiml
from hotline.web.dashboard.blueprint import actor, bp, clock, when
from hotline.web.dashboard.failed import failed_count
from hotline.web.dashboard.labels import recorded
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

log = logging.getLogger(__name__)
BRIDGE_GREETING = "Hotline call back. Connecting you now."
REFRESH_SECONDS = 20  # the queue's script fetches it this often (not counted as activity)
NO_SCRIPT_REFRESH_SECONDS = 60  # without the script, the page reloads itself this often


@bp.get("/")
@needs(Permission.QUEUE)
def queue() -> str:
    """The queue: urgent, treatment soon, scheduled ones now due, then oldest; 50 a page.

    `?part=list` is the list alone, for the page's own script to swap in.
    """
    h = hotline()
    now = h.clock()
    shown = language_choice()
    mine = frozenset(g.staff.languages)
    langs = mine if shown == "mine" else frozenset({shown}) if shown else frozenset()
    filters = Filters(langs, request.args.get("q", "")[:40], request.args.get("later") == "1")
    page = h.queue_view.page(now, _number(request.args.get("page", "")), filters)
    return render_template(
        "_queue_cards.html" if request.args.get("part") == "list" else "queue.html",
        q=page,
        filters=filters,
        shown=shown,
        now=now,
        max_attempts=h.callbacks.max_attempts,
        failed_count=failed_count(),
        refresh_seconds=REFRESH_SECONDS,
        no_script_refresh_seconds=NO_SCRIPT_REFRESH_SECONDS,
        asked={k: v for k, v in request.args.items() if k in ("q", "lang", "later")},
        rules=contact_rules,
        script=lambda r: call_script(r, g.staff.name.split()[0]),
    )


def language_choice() -> str:
    """The language filter asked for: '' (all), 'mine' (the account's languages) or a code."""
    shown = request.args.get("lang", "")
    if shown == "mine" and not g.staff.languages:
        return ""
    return shown if shown in ("", "mine") or shown in hotline().flows else ""


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() else 1


@bp.post("/requests/<request_id>/claim")
@needs(Permission.QUEUE)
def claim(request_id: str) -> ResponseReturnValue:
    """Take a request: exactly one of two colleagues clicking at once gets it."""
    user = g.staff.username
    try:
        hotline().callbacks.claim(request_id, user, hotline().clock())
    except AlreadyClaimed:
        flash("A colleague has just claimed that request.", "error")
    except UnknownRequest:
        flash("That request is no longer in the queue.", "error")
    else:
        hotline().audit.record(Action.CLAIM, actor(), request=request_id)
        log.info("dashboard: %s claimed call back %s", user, request_id)
        minutes = hotline().callbacks.lease_seconds // 60
        flash(f"It is yours for the next {minutes} minutes: call, then record how it went.", "ok")
    return redirect(url_for("dashboard.queue", _anchor=f"r-{request_id}"))


@bp.post("/requests/<request_id>/release")
@needs(Permission.QUEUE)
def release(request_id: str) -> ResponseReturnValue:
    """Put a claimed request back in the queue untouched."""
    user = g.staff.username
    try:
        hotline().callbacks.release(request_id, user, hotline().clock())
    except (NotYours, UnknownRequest):
        flash("That request is not yours to release.", "error")
    else:
        hotline().audit.record(Action.RELEASE, actor(), request=request_id)
        log.info("dashboard: %s released call back %s", user, request_id)
        flash("Released: it is back in the queue.", "ok")
    return redirect(url_for("dashboard.queue"))


@bp.post("/requests/<request_id>/call")
@needs(Permission.QUEUE)
def call(request_id: str) -> ResponseReturnValue:
    """Ring the social worker's phone, then put them through to the person from the hotline's number."""
    h = hotline()
    user = g.staff.username
    back = redirect(url_for("dashboard.queue", _anchor=f"r-{request_id}"))
    if not h.settings.twilio_phone_number:
        flash("The hotline has no Twilio number (TWILIO_PHONE_NUMBER), so it cannot call.", "error")
        return back
    try:
        # Claiming again renews the lease, and proves nobody else holds it.
        held = h.callbacks.claim(request_id, user, hotline().clock())
    except AlreadyClaimed:
        flash("A colleague holds that request.", "error")
        return back
    except UnknownRequest:
        flash("That request is no longer in the queue.", "error")
        return back
    if why := phones.REFUSED_BECAUSE.get(phones.judge(held.number)):
        flash(f"The hotline does not call this number: it is {why}. Record it as a wrong number.",
              "error")  # fmt: skip
        return back
    outbox.heads_up(h, held)  # the person's phone is told before it rings, if it may be
    bridge = twiml.connect(held.number, h.settings.twilio_phone_number, text=BRIDGE_GREETING)
    try:
        h.twilio.call(to=g.staff.phone, twiml=bridge)
    except (TryLater, Rejected, OptedOut) as exc:
        log.warning("dashboard: call back %s by %s not placed: %s", request_id, user, exc)
        flash(f"The call could not be placed ({exc}). Try again in a minute.", "error")
        return back
    h.audit.record(Action.CALL, actor(), request=request_id)
    log.info("dashboard: %s is calling back %s", user, request_id)
    flash(
        f"Calling your phone (ending {g.staff.phone[-2:]}): answer it and you will be put through.",
        "ok",
    )
    return back


@bp.post("/requests/<request_id>/outcome")
@needs(Permission.QUEUE)
def outcome(request_id: str) -> ResponseReturnValue:
    """Record how the call went (after no answer, maybe when to call back); the outbox sends the
    closing text when one is due."""
    h = hotline()
    user = g.staff.username
    try:
        result = CallbackOutcome(request.form.get("outcome", ""))
    except ValueError:
        abort(400, "Choose how the call went.")
    note = request.form.get("note", "").strip()
    now = h.clock()
    due = due_time(now) if result is CallbackOutcome.NO_ANSWER else 0.0
    if due is None:
        return redirect(url_for("dashboard.queue", _anchor=f"r-{request_id}"))
    try:
        closed = h.callbacks.close(request_id, user, result, note, now, due)
    except NotYours:
        flash("A colleague holds that request now.", "error")
        return redirect(url_for("dashboard.queue"))
    except UnknownRequest:
        flash("That request is no longer in the queue.", "error")
        return redirect(url_for("dashboard.queue"))
    outbox.after_close(h, closed)
    h.audit.record(Action.OUTCOME, actor(), request=request_id, detail=result.value)
    if note:
        h.audit.record(Action.NOTE, actor(), request=request_id)
    if due and closed.due_at == due:  # not after the last attempt, which closes it
        h.audit.record(Action.SCHEDULE, actor(), request=request_id, detail=iso(due))
    log.info("dashboard: %s recorded %s for call back %s", user, result, request_id)
    back_at = when(due) if due else clock(closed.not_before)
    flash(recorded(closed, h.callbacks.max_attempts, back_at), "ok")
    return redirect(url_for("dashboard.queue"))


def due_time(now: float) -> float | None:
    """The call-back time the form gives (`due_day`, `due_time`, in the office's time zone): 0.0
    for none, None (with a message flashed) if it is not a time to come."""
    day, at = request.form.get("due_day", "").strip(), request.form.get("due_time", "").strip()
    if not day and not at:
        return 0.0
    try:
        due = office_moment(day, at or "09:00", hotline().settings.office_hours.zone)
    except ValueError:
        flash("Give the call-back day as a date and the time as HH:MM.", "error")
        return None
    if due <= now:
        flash("Choose a call-back time that is still to come.", "error")
        return None
    return due


def iso(moment: float) -> str:
    """A due time for the audit trail, in the office's time zone."""
    return office_iso(moment, hotline().settings.office_hours.zone)
