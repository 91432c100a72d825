"""The dashboard's blueprint: log-in required, secure cookies and headers, and template helpers."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Flask, Response, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from hotline.display import age, clock_in
from hotline.settings import Settings
from hotline.web import csrf
from hotline.web.dashboard.labels import CHANNELS, OUTCOMES, languages, windows
from hotline.web.dashboard.labels import topic as topic_label
from hotline.web.resources import hotline

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

SESSION_LIFETIME = timedelta(hours=12)  # one working day; then log in again
# Inline styles only, no scripts, nothing from elsewhere; forms post back here alone.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def init_dashboard(app: Flask, settings: Settings) -> None:
    """Register the dashboard and make its session cookie secure, HTTP-only and same-site."""
    app.config.update(
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    """Check the CSRF token of any POST, then send anyone not logged in to the login page."""
    csrf.check()
    g.staff = None
    username = session.get("staff")
    if username:
        g.staff = hotline().staff.get(username)
    if g.staff is None and request.endpoint != "dashboard.login":
        session.pop("staff", None)
        return redirect(url_for("dashboard.login"))
    return None


@bp.after_request
def protect(response: Response) -> Response:
    """Keep the pages (phone numbers on them) out of every cache, and out of frames."""
    response.headers.update(SECURITY_HEADERS)
    return response


bp.add_app_template_filter(age, "age")


@bp.app_template_filter("clock")
def clock(moment: float | datetime | None) -> str:
    """A time in the office's time zone, e.g. 'Tue 14:05'."""
    return clock_in(moment, hotline().settings.office_hours.zone)


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
        "languages": languages(hotline().flows),
        "windows": windows(hotline().flows),
        "channels": CHANNELS,
        "outcomes": OUTCOMES,
    }
