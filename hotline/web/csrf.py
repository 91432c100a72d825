"""CSRF protection: a random token required on every POST of the dashboard.

A stored session keeps its token server-side. A visitor (the log-in form) has no stored
session, so the token is also set in a cookie of its own and the form must send the same
value back (the double-submit pattern): a log-in page costs the server nothing to keep.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Response, abort, g, request, session

from hotline.web import sessions

FIELD = "csrf_token"
VISITOR_COOKIE = "hotline_login_csrf"


def token() -> str:
    """This session's token, made on first use (forms carry it in a hidden field)."""
    if sessions.current():
        if FIELD not in session:
            session[FIELD] = secrets.token_urlsafe(32)
        return str(session[FIELD])
    if "visitor_csrf" not in g:
        g.visitor_csrf = request.cookies.get(VISITOR_COOKIE) or secrets.token_urlsafe(32)
    return str(g.visitor_csrf)


def check() -> None:
    """Refuse (400) a POST whose form token is missing or not this session's."""
    if request.method != "POST":
        return
    if sessions.current():
        expected = str(session.get(FIELD, ""))
    else:
        expected = request.cookies.get(VISITOR_COOKIE, "")
    sent = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form has expired or did not come from this site; reload the page.")


def set_visitor_cookie(response: Response) -> None:
    """Send a visitor's new token in its cookie, when a page made one."""
    made = g.get("visitor_csrf")
    if made and made != request.cookies.get(VISITOR_COOKIE):
        response.set_cookie(
            VISITOR_COOKIE,
            made,
            secure=sessions.cookies_secure(),
            httponly=True,
            samesite="Strict",
            path="/dashboard/",
        )
