"""One request's own page (the whole number, audited) and handing it to a colleague."""

from __future__ import annotations

import logging
import time

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from hotline.permissions import Permission, allows
from hotline.stores.audit import Action
from hotline.stores.callbacks import AlreadyClaimed, NotYours, UnknownRequest
from hotline.stores.staff import Role
from hotline.web.dashboard.blueprint import actor, bp
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

log = logging.getLogger(__name__)


@bp.get("/requests/<request_id>")
@needs(Permission.QUEUE)
def request_page(request_id: str) -> ResponseReturnValue:
    """A request with its whole number: for the one who holds it, and for supervisors."""
    h = hotline()
    found = h.callbacks.get(request_id)
    if found is None:
        abort(404)
    now = time.time()
    holder = found.held_by(now)
    if holder != g.staff.username and not allows(g.staff.role, Permission.ANY_REQUEST):
        abort(403, "A social worker may open only the requests they have claimed.")
    h.audit.record(Action.VIEW, actor(), request=request_id)
    colleagues = [
        m
        for m in h.staff.list()
        if m.enabled and m.role is Role.SOCIAL_WORKER and m.username != holder
    ]
    return render_template("request.html", r=found, holder=holder, now=now, colleagues=colleagues)


@bp.post("/requests/<request_id>/reassign")
@needs(Permission.REASSIGN)
def reassign(request_id: str) -> ResponseReturnValue:
    """Hand a request to a colleague: their claim replaces the holder's."""
    h = hotline()
    to = request.form.get("to", "")
    member = h.staff.get(to)
    back = redirect(url_for("dashboard.request_page", request_id=request_id))
    if member is None or not member.enabled:
        flash("Choose a colleague whose account is enabled.", "error")
        return back
    now = time.time()
    try:
        current = h.callbacks.get(request_id)
        holder = current.held_by(now) if current else ""
        if holder and holder != to:
            h.callbacks.release(request_id, holder, now)
        h.callbacks.claim(request_id, to, now)
    except (AlreadyClaimed, NotYours, UnknownRequest):
        flash("That request changed hands or left the queue meanwhile; look again.", "error")
        return back
    h.audit.record(
        Action.HANDOVER,
        actor(),
        request=request_id,
        subject=to,
        detail=f"from {holder or 'nobody'}",
    )
    log.info("dashboard: %s handed call back %s to %s", g.staff.username, request_id, to)
    flash(
        f"Handed to {member.name}: it is theirs for the next {h.callbacks.lease_seconds // 60} minutes.",
        "ok",
    )
    return back
