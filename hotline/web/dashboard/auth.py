"""Logging in and out of the dashboard."""

from __future__ import annotations

import logging

from flask import g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from hotline.stores.staff import TooManyTries
from hotline.web.dashboard.blueprint import bp
from hotline.web.resources import hotline

log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
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
def logout() -> ResponseReturnValue:
    """Forget the session."""
    session.clear()
    return redirect(url_for("dashboard.login"))
