"""AuditTrail: who did what, when, to which request, from where: an append-only Redis stream.

Each entry names the person (and, from the command line, the operating-system user), the
request id (never a phone number: `detail` is redacted as the logs are), and the client
address. Entries older than the retention are trimmed on every append (XADD MINID); the
command line exports them first for the organisation's long-term archive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import redis

from hotline.logs import redact
from hotline.stores import keys
from hotline.stores.decode import text

PAGE = 1000  # entries read from Redis at a time


class Action(StrEnum):
    """What an audit entry records."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled"
    VIEW = "view"  # a request's page, with the whole number
    LIST = "list"  # the whole queue with whole numbers (the command line)
    CLAIM = "claim"  # shows the whole number to the one who claims
    RELEASE = "release"
    HANDOVER = "handover"
    CALL = "call"
    OUTCOME = "outcome"
    NOTE = "note"
    SCHEDULE = "schedule"
    EXPORT = "export"
    STAFF_ADD = "staff_add"
    STAFF_DISABLE = "staff_disable"
    STAFF_ENABLE = "staff_enable"
    STAFF_REMOVE = "staff_remove"
    STAFF_PASSWORD = "staff_password"
    STAFF_ROLE = "staff_role"
    STAFF_LOGOUT = "staff_logout"
    STAFF_RESET_2FA = "staff_reset_2fa"
    STAFF_LANGUAGES = "staff_languages"


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff username (or '' for nobody known), from where."""

    username: str
    client: str = ""  # the client's address (the dashboard)
    os_user: str = ""  # the operating-system user (the command line)


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: float
    action: str
    user: str
    client: str = ""
    os_user: str = ""
    request: str = ""
    subject: str = ""  # the staff account acted on, for staff changes
    detail: str = ""

    def as_dict(self) -> dict[str, str | float]:
        return asdict(self)


class AuditTrail:
    """Append to, read and trim the audit trail."""

    def __init__(
        self,
        connection: redis.Redis,
        keep_days: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = connection
        self.keep_seconds = keep_days * 86400
        self.clock = clock

    def record(
        self,
        action: Action,
        actor: Actor,
        request: str = "",
        subject: str = "",
        detail: str = "",
    ) -> str:
        """Append one entry (trimming what is past retention); its id."""
        now = self.clock()
        fields: dict[Any, Any] = {
            "action": action.value,
            "user": actor.username,
            "client": actor.client,
            "os_user": actor.os_user,
            "request": request,
            "subject": subject,
            "detail": redact(detail),
        }
        fields = {name: value for name, value in fields.items() if value}  # short entries
        cutoff = int((now - self.keep_seconds) * 1000)
        try:
            found = self._redis.xadd(
                keys.AUDIT, fields, id=f"{int(now * 1000)}-*", minid=cutoff, approximate=False
            )
        except redis.ResponseError:  # a clock behind the last entry: Redis picks the id
            found = self._redis.xadd(keys.AUDIT, fields, minid=cutoff, approximate=False)
        return text(found)

    def read(
        self,
        since: float | None = None,
        until: float | None = None,
        user: str = "",
        request: str = "",
        limit: int = 500,
    ) -> list[AuditEntry]:
        """Entries newest first, filtered by person (who acted or was acted on) and request."""
        found: list[AuditEntry] = []
        top = f"{int(until * 1000)}" if until is not None else "+"
        bottom = f"{int(since * 1000)}" if since is not None else "-"
        while len(found) < limit:
            page: Any = self._redis.xrevrange(keys.AUDIT, top, bottom, count=PAGE)
            for raw_id, raw in page:
                entry = _entry(raw_id, raw)
                if user and user not in (entry.user, entry.subject):
                    continue
                if request and entry.request != request:
                    continue
                found.append(entry)
            if len(page) < PAGE:
                break
            top = f"({text(page[-1][0])}"
        return found[:limit]

    def older_than(self, before: float) -> Iterator[AuditEntry]:
        """Entries before `before`, oldest first."""
        start, end = "-", f"({int(before * 1000)}"
        while True:
            page: Any = self._redis.xrange(keys.AUDIT, start, end, count=PAGE)
            yield from (_entry(raw_id, raw) for raw_id, raw in page)
            if len(page) < PAGE:
                return
            start = f"({text(page[-1][0])}"

    def trim_before(self, before: float) -> int:
        """Delete every entry before `before`; how many went."""
        return int(self._redis.xtrim(keys.AUDIT, minid=int(before * 1000), approximate=False))


def _entry(raw_id: Any, raw: Any) -> AuditEntry:
    values = {text(k): text(v) for k, v in raw.items()}
    entry_id = text(raw_id)
    return AuditEntry(
        id=entry_id,
        at=int(entry_id.split("-")[0]) / 1000,
        action=values.get("action", ""),
        user=values.get("user", ""),
        client=values.get("client", ""),
        os_user=values.get("os_user", ""),
        request=values.get("request", ""),
        subject=values.get("subject", ""),
        detail=values.get("detail", ""),
    )
