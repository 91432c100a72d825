"""The audit trail for supervisors, filtered by person, request and day."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template, request

from hotline.permissions import Permission
from hotline.web.dashboard.blueprint import bp
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

SHOWN = 500


@bp.get("/audit")
@needs(Permission.AUDIT)
def audit_log() -> str:
    """The newest entries first; a day is the office's calendar day."""
    h = hotline()
    user = request.args.get("user", "").strip()
    request_id = request.args.get("request", "").strip()
    day = request.args.get("day", "").strip()
    since = until = None
    error = ""
    if day:
        try:
            start = datetime.fromisoformat(day).replace(tzinfo=h.settings.office_hours.zone)
        except ValueError:
            error = "Give the day as YYYY-MM-DD."
        else:
            since, until = start.timestamp(), (start + timedelta(days=1)).timestamp()
    entries = [] if error else h.audit.read(since, until, user, request_id, limit=SHOWN)
    return render_template(
        "audit.html",
        entries=entries,
        user=user,
        request_id=request_id,
        day=day,
        error=error,
        limit=SHOWN,
    )
