"""The dashboard's blueprint: log-in required, server-side sessions, secure headers, template helpers."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask, Response, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from hotline.display import age, clock_in, day_and_clock, day_month, last_four, ordinal, phone
from hotline.display import tomorrow as tomorrow_in
from hotline.permissions import Permission, allows
from hotline.settings import Settings
from hotline.stores.audit import Actor
from hotline.stores.sessions import Stage
from hotline.web import csrf, sessions
from hotline.web.dashboard.labels import CHANNELS, OUTCOMES, languages, windows
from hotline.web.dashboard.labels import topic as topic_label
from hotline.web.resources import hotline

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
)

# Views a visitor may reach: logging in, and its second step (which checks its own stage).
PUBLIC = frozenset(
    {"dashboard.login", "dashboard.second_factor", "dashboard.enrol", "dashboard.static"}
)
HSTS = "max-age=31536000; includeSubDomains"
# Inline styles only; our own script files only, fetching only from here; nothing from
# elsewhere; forms post back here alone.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def init_dashboard(app: Flask, settings: Settings) -> None:
    """Register the dashboard, with sessions kept in Redis (cookie flags are set per request)."""
    app.session_interface = sessions.StaffSessions()
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    """Check the CSRF token of any POST, then send anyone not signed in to the log-in page.

    The account is read afresh on every request: one disabled, removed or changed since the
    session began finds its sessions ended and is sent to log in at once.
    """
    csrf.check()
    g.staff = None
    record = sessions.current()
    if record and record.stage is Stage.SIGNED_IN:
        member = hotline().staff.get(record.username)
        if member and member.enabled:
            g.staff = member
        else:
            sessions.end()
    if g.staff is None and request.endpoint not in PUBLIC:
        if record and record.stage is not Stage.SIGNED_IN:  # half-way through logging in
            return redirect(url_for("dashboard.login"))
        ended = bool(request.cookies.get(sessions.COOKIE))
        sessions.end()
        return redirect(url_for("dashboard.login", ended=1 if ended else None))
    return None


@bp.after_request
def protect(response: Response) -> Response:
    """Keep the pages (phone numbers on them) out of every cache and frame; HSTS over HTTPS."""
    response.headers.update(SECURITY_HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    csrf.set_visitor_cookie(response)
    return response


def actor() -> Actor:
    """Who is acting on this request, for the audit trail."""
    return Actor(g.staff.username if g.get("staff") else "", client_address())


def client_address() -> str:
    """The client's address (behind TRUST_PROXY, the one the proxy reports)."""
    return request.remote_addr or ""


bp.add_app_template_filter(age, "age")
bp.add_app_template_filter(last_four, "last_four")
bp.add_app_template_filter(phone, "phone")
bp.add_app_template_filter(ordinal, "ordinal")


@bp.app_template_filter("day")
def day(moment: float) -> str:
    """A day in the office's time zone: '12 Nov'."""
    return day_month(moment, hotline().settings.office_hours.zone)


@bp.app_template_filter("clock")
def clock(moment: float | datetime | None) -> str:
    """A time in the office's time zone, e.g. 'Tue 14:05'."""
    return clock_in(moment, hotline().settings.office_hours.zone)


@bp.app_template_filter("when")
def when(moment: float) -> str:
    """A moment with its date, in the office's time zone: 'Tue 8 Dec 15:00'."""
    return day_and_clock(moment, hotline().settings.office_hours.zone)


@bp.app_template_filter("topic")
def topic(node_id: str) -> str:
    """A part of the fact sheet by the menu label that leads to it ('find': 'Find a doctor')."""
    return topic_label(hotline().flows, node_id)


@bp.context_processor
def page_globals() -> dict[str, object]:
    """What every dashboard template may use."""
    return {
        "csrf_token": csrf.token,
        "staff": g.get("staff"),
        "may": lambda permission: g.get("staff") and allows(g.staff.role, Permission[permission]),
        "languages": languages(hotline().flows),
        "windows": windows(hotline().flows),
        "channels": CHANNELS,
        "outcomes": OUTCOMES,
        "tomorrow": lambda: tomorrow_in(hotline().clock(), hotline().settings.office_hours.zone),
    }
