"""Logging in (a password, then a code from an authenticator where one is needed) and out.

Every attempt is checked against the throttle first and answered at once: 429 with
Retry-After when it comes too soon, without computing a password hash.
"""

from __future__ import annotations

import logging

import segno
from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from hotline.stores.audit import Action, Actor
from hotline.stores.sessions import Stage
from hotline.stores.staff import USERNAME, StaffMember
from hotline.web import sessions
from hotline.web.dashboard.blueprint import actor, bp, client_address
from hotline.web.resources import hotline

log = logging.getLogger(__name__)
WRONG = "Wrong username or password."
ENDED = "You were logged out: your session timed out or your account changed. Log in again."


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The log-in form, and the password step of logging in with it."""
    if request.method == "GET":
        if g.staff:
            return redirect(url_for("dashboard.queue"))
        notice = ENDED if request.args.get("ended") else ""
        return render_template("login.html", notice=notice)
    h = hotline()
    username = request.form.get("username", "").strip().lower()
    address = client_address()
    if wait := h.throttle.wait(username, address):
        return _too_soon(wait, username)
    if not h.hash_budget.take():
        return _too_soon(1, username, "Many people are logging in right now.")
    member = h.staff.verify(username, request.form.get("password", ""))
    if member is None or not member.enabled:
        h.throttle.failed(username, address)
        reason = "account disabled" if member else "wrong username or password"
        _audit_failure(username, reason)
        return render_template("login.html", error=WRONG, username=username), 401
    h.throttle.succeeded(username, address)
    if member.two_factor:
        sessions.begin(member.username, Stage.SECOND_FACTOR)
        return redirect(url_for("dashboard.second_factor"))
    if member.needs_two_factor(h.settings.staff_require_2fa):
        sessions.begin(member.username, Stage.ENROL)
        return redirect(url_for("dashboard.enrol"))
    return _signed_in(member, "password")


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> ResponseReturnValue:
    """The second step: a code from the authenticator app, or a recovery code."""
    record = sessions.current()
    if not record or record.stage is not Stage.SECOND_FACTOR:
        return redirect(url_for("dashboard.login"))
    if request.method == "GET":
        return render_template("code.html")
    h = hotline()
    username, address = record.username, client_address()
    if wait := h.throttle.wait(username, address):
        return _too_soon(wait, username, page="code.html")
    code = request.form.get("code", "").strip()
    member = h.staff.get(username)
    how = "authenticator" if h.two_factor.check(username, code) else ""
    if not how and h.two_factor.use_recovery_code(username, code):
        how = f"recovery code ({h.two_factor.recovery_codes_left(username)} left)"
    if member is None or not member.enabled or not how:
        h.throttle.failed(username, address)
        _audit_failure(username, "wrong code")
        error = "That code is wrong or was used already. Wait for the next one."
        return render_template("code.html", error=error), 401
    h.throttle.succeeded(username, address)
    return _signed_in(member, how)


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> ResponseReturnValue:
    """Set up an authenticator app: a QR code and the secret, then a first code to confirm."""
    record = sessions.current()
    if not record or record.stage is not Stage.ENROL:
        return redirect(url_for("dashboard.login"))
    h = hotline()
    username = record.username
    secret = h.two_factor.pending(username) or h.two_factor.begin(username)
    error = ""
    if request.method == "POST":
        codes = h.two_factor.confirm(username, request.form.get("code", ""))
        member = h.staff.get(username)
        if codes and member and member.enabled:
            h.audit.record(Action.TWO_FACTOR_ENROLLED, Actor(username, client_address()))
            _signed_in(member, "password and a new authenticator")
            return render_template("recovery.html", codes=codes)
        error = "That code is not right. Type the 6 digits the app shows now."
    uri = h.two_factor.provisioning_uri(username, secret)
    # Inline SVG is part of the page, not an image fetched from anywhere: the strict CSP holds.
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your app"))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    status = 400 if error else 200
    return render_template("enrol.html", qr=qr, secret=grouped, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session (its id is worthless from now on)."""
    h = hotline()
    h.audit.record(Action.SIGN_OUT, actor())
    sessions.end()
    return redirect(url_for("dashboard.login"))


def _signed_in(member: StaffMember, how: str) -> ResponseReturnValue:
    """Start the signed-in session (a fresh id, so nothing from before carries over)."""
    sessions.begin(member.username, Stage.SIGNED_IN)
    g.staff = member
    hotline().audit.record(Action.SIGN_IN, actor(), detail=f"with {how}")
    log.info("dashboard: %s logged in", member.username)
    return redirect(url_for("dashboard.queue"))


def _audit_failure(username: str, reason: str) -> None:
    named = username if USERNAME.match(username) else "(not a username)"
    hotline().audit.record(Action.SIGN_IN_FAILED, Actor(named, client_address()), detail=reason)
    log.info("dashboard: failed login")


def _too_soon(
    seconds: int, username: str, why: str = "", page: str = "login.html"
) -> ResponseReturnValue:
    """429 at once, saying when to try again (a request never waits here)."""
    error = f"{why or 'Too many wrong tries.'} Try again in {seconds} seconds."
    html = render_template(page, error=error, username=username)
    return html, 429, {"Retry-After": str(seconds)}
