"""The social workers' dashboard: log in, see the callback queue, claim, call through Twilio, record how it went."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from hotline.display import age, clock_in
from hotline.logs import redact
from hotline.outbound import outbox
from hotline.outbound.twilio_rest import OptedOut, Rejected, TryLater
from hotline.settings import Settings
from hotline.stores.callbacks import (
    AlreadyClaimed,
    CallbackOutcome,
    NotYours,
    UnknownRequest,
)
from hotline.stores.staff import TooManyTries
from hotline.web import csrf, twiml
from hotline.web.dashboard.labels import CHANNELS, OUTCOMES, languages, recorded, windows
from hotline.web.dashboard.labels import topic as topic_label
from hotline.web.resources import hotline

log = logging.getLogger(__name__)
bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

SESSION_LIFETIME = timedelta(hours=12)  # one working day; then log in again
FAILED_SHOWN = 100
BRIDGE_GREETING = "Hotline call back. Connecting you now."
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


@dataclass(frozen=True)
class FailedJob:
    """What the dashboard shows of one failed RQ job: never its arguments."""

    id: str
    function: str
    failed_at: datetime | None
    error: str


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
def require_login() -> Response | None:
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


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """The login form, and logging in with it."""
    if request.method == "GET":
        return redirect(url_for("dashboard.queue")) if g.staff else render_template("login.html")
    username = request.form.get("username", "").strip().lower()
    try:
        member = hotline().staff.verify(username, request.form.get("password", ""))
    except TooManyTries:
        error = "Too many wrong passwords for this account. Wait 15 minutes and try again."
        return render_template("login.html", error=error, username=username), 429
    if member is None:
        log.info("dashboard: failed login")
        error = "Wrong username or password."
        return render_template("login.html", error=error, username=username), 401
    # A fresh session (and CSRF token) on login, so nothing from before carries over.
    session.clear()
    session["staff"] = member.username
    session.permanent = True
    log.info("dashboard: %s logged in", member.username)
    return redirect(url_for("dashboard.queue"))


@bp.post("/logout")
def logout() -> Response:
    """Forget the session."""
    session.clear()
    return redirect(url_for("dashboard.login"))


@bp.get("/")
def queue() -> str:
    """The callback queue: urgent first, then oldest first; ones to retry later at the end."""
    h = hotline()
    now = time.time()
    return render_template(
        "queue.html",
        requests=h.callbacks.waiting(now),
        now=now,
        max_attempts=h.callbacks.max_attempts,
        failed_count=_failed_registry().count,
    )


@bp.post("/requests/<request_id>/claim")
def claim(request_id: str) -> Response:
    """Take a request: exactly one of two colleagues clicking at once gets it."""
    user = g.staff.username
    try:
        hotline().callbacks.claim(request_id, user, time.time())
    except AlreadyClaimed:
        flash("A colleague has just claimed that request.", "error")
    except UnknownRequest:
        flash("That request is no longer in the queue.", "error")
    else:
        log.info("dashboard: %s claimed call back %s", user, request_id)
        minutes = hotline().callbacks.lease_seconds // 60
        flash(f"It is yours for the next {minutes} minutes: call, then record how it went.", "ok")
    return redirect(url_for("dashboard.queue", _anchor=f"r-{request_id}"))


@bp.post("/requests/<request_id>/release")
def release(request_id: str) -> Response:
    """Put a claimed request back in the queue untouched."""
    user = g.staff.username
    try:
        hotline().callbacks.release(request_id, user, time.time())
    except (NotYours, UnknownRequest):
        flash("That request is not yours to release.", "error")
    else:
        log.info("dashboard: %s released call back %s", user, request_id)
        flash("Released: it is back in the queue.", "ok")
    return redirect(url_for("dashboard.queue"))


@bp.post("/requests/<request_id>/call")
def call(request_id: str) -> Response:
    """Ring the social worker's phone, then put them through to the person from the hotline's number."""
    h = hotline()
    user = g.staff.username
    back = redirect(url_for("dashboard.queue", _anchor=f"r-{request_id}"))
    if not h.settings.twilio_phone_number:
        flash("The hotline has no Twilio number (TWILIO_PHONE_NUMBER), so it cannot call.", "error")
        return back
    try:
        # Claiming again renews the lease, and proves nobody else holds it.
        held = h.callbacks.claim(request_id, user, time.time())
    except AlreadyClaimed:
        flash("A colleague holds that request.", "error")
        return back
    except UnknownRequest:
        flash("That request is no longer in the queue.", "error")
        return back
    bridge = twiml.connect(held.number, h.settings.twilio_phone_number, text=BRIDGE_GREETING)
    try:
        h.twilio.call(to=g.staff.phone, twiml=bridge)
    except (TryLater, Rejected, OptedOut) as exc:
        log.warning("dashboard: call back %s by %s not placed: %s", request_id, user, exc)
        flash(f"The call could not be placed ({exc}). Try again in a minute.", "error")
        return back
    log.info("dashboard: %s is calling back %s", user, request_id)
    flash(
        f"Calling your phone (ending {g.staff.phone[-2:]}): answer it and you will be put through.",
        "ok",
    )
    return back


@bp.post("/requests/<request_id>/outcome")
def outcome(request_id: str) -> Response:
    """Record how the call went; the outbox sends the closing text when one is due."""
    h = hotline()
    user = g.staff.username
    try:
        result = CallbackOutcome(request.form.get("outcome", ""))
    except ValueError:
        abort(400, "Choose how the call went.")
    note = request.form.get("note", "").strip()
    try:
        closed = h.callbacks.close(request_id, user, result, note, time.time())
    except NotYours:
        flash("A colleague holds that request now.", "error")
        return redirect(url_for("dashboard.queue"))
    except UnknownRequest:
        flash("That request is no longer in the queue.", "error")
        return redirect(url_for("dashboard.queue"))
    outbox.after_close(h, closed)
    log.info("dashboard: %s recorded %s for call back %s", user, result, request_id)
    back_at = clock(closed.not_before)
    flash(recorded(closed, h.callbacks.max_attempts, back_at), "ok")
    return redirect(url_for("dashboard.queue"))


@bp.get("/failed")
def failed() -> str:
    """Failed RQ jobs, newest first: id, function, when, and the exception's last line."""
    return render_template("failed.html", jobs=failed_jobs(), limit=FAILED_SHOWN)


def failed_jobs() -> list[FailedJob]:
    """The most recent failed jobs of the hotline's queue (never their arguments)."""
    registry = _failed_registry()
    ids = registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
    jobs = Job.fetch_many(ids, connection=registry.connection, serializer=JSONSerializer)
    return [_failed_job(job) for job in jobs if job is not None]


def _failed_registry() -> FailedJobRegistry:
    return FailedJobRegistry(queue=hotline().queue)


def _failed_job(job: Job) -> FailedJob:
    result = job.latest_result()
    trace = (result.exc_string if result else "") or ""
    last = trace.strip().splitlines()[-1] if trace.strip() else "(no exception recorded)"
    failed_at = result.created_at if result else job.ended_at
    # A job's exception could quote a number; the page gets the same redaction as the logs.
    return FailedJob(job.id, job.func_name or "?", failed_at, redact(last))
