"""One request's own page (the whole number, audited): the person's history, notes, scheduling a
call back, and handing it to a colleague."""

from __future__ import annotations

import logging

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from hotline.call_script import call_script, contact_rules
from hotline.permissions import Permission, allows
from hotline.stores.audit import Action
from hotline.stores.callbacks import NotYours, UnknownRequest
from hotline.stores.staff import Role
from hotline.web.dashboard.blueprint import actor, bp, when
from hotline.web.dashboard.requests import due_time, iso
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

log = logging.getLogger(__name__)
WINDOW_STARTS = {"morning": "10:00", "afternoon": "14:00", "evening": "18:00", "any": "10:00"}


@bp.get("/requests/<request_id>")
@needs(Permission.QUEUE)
def request_page(request_id: str) -> ResponseReturnValue:
    """A request with its whole number, notes and the person's history: for the one who holds
    it, and for supervisors."""
    h = hotline()
    case = h.cases.case(request_id)
    if case is None:
        abort(404)
    now = h.clock()
    holder = case.request.held_by(now)
    if holder != g.staff.username and not allows(g.staff.role, Permission.ANY_REQUEST):
        abort(403, "A social worker may open only the requests they have claimed.")
    h.audit.record(Action.VIEW, actor(), request=request_id)
    colleagues = [
        m
        for m in h.staff.list()
        if m.enabled and m.role is Role.SOCIAL_WORKER and m.username != holder
    ]
    return render_template(
        "request.html",
        r=case.request,
        case=case,
        history=h.cases.history(case.request),
        holder=holder,
        now=now,
        colleagues=colleagues,
        rules=contact_rules(case.request),
        script=call_script(case.request, g.staff.name.split()[0]),
        window_start=WINDOW_STARTS.get(case.request.window, "10:00"),
        closed_days=h.settings.closed_callback_days,
    )


@bp.post("/requests/<request_id>/notes")
@needs(Permission.QUEUE)
def add_note(request_id: str) -> ResponseReturnValue:
    """Add a note (never edited: a correction is a new note)."""
    h = hotline()
    note = request.form.get("note", "").strip()
    if not note:
        flash("Write the note first.", "error")
        return _back(request_id)
    try:
        h.callbacks.add_note(request_id, g.staff.username, note, h.clock(), _override())
    except (NotYours, UnknownRequest):
        flash("Only the one who holds a request (or a supervisor) may add a note.", "error")
        return _back(request_id)
    h.audit.record(Action.NOTE, actor(), request=request_id)
    flash("Note added.", "ok")
    return _back(request_id)


@bp.post("/requests/<request_id>/schedule")
@needs(Permission.QUEUE)
def schedule(request_id: str) -> ResponseReturnValue:
    """Call back at a chosen day and time: the claim ends and the queue leaves it out until then."""
    h = hotline()
    now = h.clock()
    due = due_time(now)
    if due is None:  # not a time to come (said so)
        return _back(request_id)
    if not due:
        flash("Choose the day and time to call back.", "error")
        return _back(request_id)
    try:
        h.callbacks.schedule(request_id, g.staff.username, due, now, _override())
    except (NotYours, UnknownRequest):
        flash("Only the one who holds a request (or a supervisor) may schedule it.", "error")
        return _back(request_id)
    h.audit.record(Action.SCHEDULE, actor(), request=request_id, detail=iso(due))
    log.info("dashboard: %s scheduled call back %s", g.staff.username, request_id)
    flash(f"Scheduled: it comes back to the queue {when(due)}.", "ok")
    return redirect(url_for("dashboard.queue"))


@bp.post("/requests/<request_id>/reassign")
@needs(Permission.REASSIGN)
def reassign(request_id: str) -> ResponseReturnValue:
    """Hand a request to a colleague: their claim replaces the holder's."""
    h = hotline()
    to = request.form.get("to", "")
    member = h.staff.get(to)
    if member is None or not member.enabled:
        flash("Choose a colleague whose account is enabled.", "error")
        return _back(request_id)
    try:
        _, holder = h.callbacks.hand_over(request_id, to, h.clock())
    except UnknownRequest:
        flash("That request left the queue meanwhile.", "error")
        return _back(request_id)
    h.audit.record(
        Action.HANDOVER,
        actor(),
        request=request_id,
        subject=to,
        detail=f"from {holder or 'nobody'}",
    )
    log.info("dashboard: %s handed call back %s to %s", g.staff.username, request_id, to)
    minutes = h.callbacks.lease_seconds // 60
    flash(f"Handed to {member.name}: it is theirs for the next {minutes} minutes.", "ok")
    return _back(request_id)


def _override() -> bool:
    """Whether the one acting may change a request they do not hold (a supervisor)."""
    return allows(g.staff.role, Permission.ANY_REQUEST)


def _back(request_id: str) -> Response:
    return redirect(url_for("dashboard.request_page", request_id=request_id))
