"""Flask's session, kept server-side in Redis (`SessionStore`): the cookie holds a random id only.

Nobody gets a stored session before a right password: until then a visitor's session is an
empty one that is never saved (the log-in form's CSRF token rides in a cookie of its own).
Twilio's webhooks get no session at all. A GET with `?auto=1` (the queue's automatic refresh)
is not counted as activity, so an unattended screen still times out.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, request, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from hotline.stores.sessions import StaffSession, Stage
from hotline.web.resources import hotline

COOKIE = "hotline_session"
AUTO_REFRESH = "auto"  # the query argument an automatic refresh carries


class DashboardSession(CallbackDict[str, Any], SessionMixin):
    """The page state of one stored session (`record`), or of a visitor (`record` None)."""

    def __init__(self, record: StaffSession | None = None) -> None:
        def changed(_: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(record.data if record else None, changed)
        self.record = record
        self.modified = False
        self.started = False  # a new stored session: its id goes out in the cookie
        self.ended = False  # the stored session ended: the cookie is removed


class StaffSessions(SessionInterface):
    """Open and save `DashboardSession`s in the hotline's SessionStore."""

    def open_session(self, app: Flask, request: Request) -> DashboardSession | None:
        if request.path.startswith("/twilio/"):
            return None  # Flask gives Twilio's webhooks a null session
        session_id = request.cookies.get(COOKIE, "")
        if not session_id:
            return DashboardSession()
        automatic = request.method == "GET" and request.args.get(AUTO_REFRESH) == "1"
        record = hotline().sessions.load(session_id, active=not automatic)
        found = DashboardSession(record)
        found.ended = record is None  # a cookie for a session that ended: drop it
        return found

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, DashboardSession):
            return
        if session.ended and not session.record:
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
            return
        if session.record and (session.modified or session.started):
            hotline().sessions.save(session.record, dict(session))
        if session.record and session.started:
            response.set_cookie(
                COOKIE,
                session.record.id,
                secure=cookies_secure(),
                httponly=True,
                samesite="Lax",
                path="/",
            )


def cookies_secure() -> bool:
    """Whether cookies get `Secure`: the request came over HTTPS (or the public URL is HTTPS)."""
    return request.is_secure or hotline().settings.public_base_url.startswith("https://")


def current() -> StaffSession | None:
    """This request's stored session, if it has one."""
    return session.record if isinstance(session, DashboardSession) else None


def begin(username: str, stage: Stage) -> StaffSession:
    """Start a stored session for `username` in place of any other (a fresh id at each stage)."""
    end()
    record = hotline().sessions.start(username, stage)
    assert isinstance(session, DashboardSession)
    session.clear()
    session.record, session.started, session.ended = record, True, False
    return record


def end() -> None:
    """End this request's stored session (if any) and forget its page state."""
    if isinstance(session, DashboardSession) and session.record:
        hotline().sessions.end(session.record.id)
        session.clear()
        session.record, session.started, session.ended = None, False, True
