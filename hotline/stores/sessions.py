"""SessionStore: dashboard sessions kept in Redis, so that any of them can be ended at once.

The browser's cookie holds only a random id. A session is a hash (`keys.staff_session`) with
its user, its stage (signed in, or still owing a second factor), when it began, when it was
last used, and the page state (CSRF token, messages) as JSON; each person's session ids are
indexed (`keys.staff_sessions_of`) so that one call ends them all. A session ends when unused
for the idle time-out or, however busy, when the absolute limit since log-in has passed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import redis

from hotline.stores import keys
from hotline.stores.decode import text

# Change fields of a session that still exists (never bring an ended one back), and its TTL.
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""


class Stage(StrEnum):
    """How far a session has got through logging in."""

    SIGNED_IN = "signed_in"
    SECOND_FACTOR = "second_factor"  # the password was right; a code is still owed
    ENROL = "enrol"  # the password was right; an authenticator must be set up first


@dataclass(frozen=True)
class StaffSession:
    id: str
    username: str
    stage: Stage
    started: float
    seen: float
    data: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    """Start, find, keep alive and end dashboard sessions."""

    def __init__(
        self,
        connection: redis.Redis,
        idle_seconds: float,
        absolute_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = connection
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self.clock = clock
        self._update = connection.register_script(_UPDATE)

    def start(self, username: str, stage: Stage = Stage.SIGNED_IN) -> StaffSession:
        """A new session for `username`, with a fresh random id."""
        now = self.clock()
        session = StaffSession(secrets.token_urlsafe(32), username, stage, now, now)
        name = keys.staff_session(session.id)
        with self._redis.pipeline() as pipe:
            pipe.hset(
                name,
                mapping={"user": username, "stage": stage.value, "started": now, "seen": now},
            )
            pipe.pexpire(name, self._ttl_ms(session, now))
            pipe.sadd(keys.staff_sessions_of(username), session.id)
            pipe.expire(keys.staff_sessions_of(username), int(self.absolute_seconds) + 60)
            pipe.execute()
        return session

    def load(self, session_id: str, active: bool = True) -> StaffSession | None:
        """The live session `session_id`, or None; `active` counts this as use (idle restarts).

        An automatic refresh of a page loads with `active=False`, so it keeps nobody signed in.
        """
        fields = ("user", "stage", "started", "seen", "data")
        raw = self._redis.hmget(keys.staff_session(session_id), fields)
        if raw[0] is None:
            return None
        user, stage, started, seen, data = (text(v) for v in raw)
        session = StaffSession(
            session_id, user, Stage(stage), float(started), float(seen), json.loads(data or "{}")
        )
        now = self.clock()
        if (
            now >= session.started + self.absolute_seconds
            or now >= session.seen + self.idle_seconds
        ):
            self.end(session_id)
            return None
        if active:
            self._set(session, now, seen=now)
            session = StaffSession(**{**session.__dict__, "seen": now})
        return session

    def save(self, session: StaffSession, data: Mapping[str, Any]) -> None:
        """Keep the page state of a session that is still live (an ended one stays ended)."""
        self._set(session, self.clock(), data=json.dumps(dict(data)))

    def end(self, session_id: str) -> None:
        """End one session (log out)."""
        user = text(self._redis.hget(keys.staff_session(session_id), "user"))
        with self._redis.pipeline() as pipe:
            pipe.delete(keys.staff_session(session_id))
            if user:
                pipe.srem(keys.staff_sessions_of(user), session_id)
            pipe.execute()

    def end_all(self, username: str) -> int:
        """End every session of `username`; how many were live."""
        index = keys.staff_sessions_of(username)
        ids = [text(i) for i in self._redis.smembers(index)]
        with self._redis.pipeline() as pipe:
            for session_id in ids:
                pipe.delete(keys.staff_session(session_id))
            pipe.delete(index)
            ended = pipe.execute()
        return sum(ended[: len(ids)])

    def count(self, username: str) -> int:
        """How many sessions of `username` are live."""
        ids = [text(i) for i in self._redis.smembers(keys.staff_sessions_of(username))]
        return sum(self._redis.exists(keys.staff_session(i)) for i in ids) if ids else 0

    def _set(self, session: StaffSession, now: float, **fields: str | float) -> None:
        args: list[str | float] = [self._ttl_ms(session, now)]
        for name, value in fields.items():
            args += [name, value]
        self._update(keys=[keys.staff_session(session.id)], args=args)

    def _ttl_ms(self, session: StaffSession, now: float) -> int:
        """Redis forgets a session once it can no longer be used: idle, or past its limit."""
        left = min(self.idle_seconds, session.started + self.absolute_seconds - now)
        return max(1, int(left * 1000))
