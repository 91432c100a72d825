"""CSRF protection: one random token per session, required on every POST of the dashboard."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"


def token() -> str:
    """This session's token, made on first use (forms carry it in a hidden field)."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def check() -> None:
    """Refuse (400) a POST whose form token is missing or not this session's."""
    if request.method != "POST":
        return
    expected = session.get(FIELD, "")
    sent = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form has expired or did not come from this site; reload the page.")
