"""StaffDirectory: staff accounts in Redis, with a role, hashed passwords and an on/off switch."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from flows import phones
from hotline.stores import keys
from hotline.stores.decode import text

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
MIN_PASSWORD = 12
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DECOY = generate_password_hash("not anybody's password")


class Role(StrEnum):
    """What a person may do on the dashboard and the command line; each includes the one before."""

    SOCIAL_WORKER = "social_worker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """Whether this role may do what `other` may."""
        return self.rank >= other.rank


class StaffError(ValueError):
    """A staff account could not be added or changed as asked."""


@dataclass(frozen=True)
class StaffMember:
    """A person who can log in to the dashboard; `phone` rings first on a call back."""

    username: str
    name: str
    phone: str
    role: Role = Role.SOCIAL_WORKER
    enabled: bool = True
    two_factor: bool = False  # a TOTP authenticator is enrolled
    languages: tuple[str, ...] = ()  # the languages they speak (the queue's filter), as codes

    def needs_two_factor(self, everyone: bool) -> bool:
        """Whether this person must use a second factor (supervisors and admins always)."""
        return everyone or self.role.at_least(Role.SUPERVISOR)


class StaffDirectory:
    """Add, find, list, change and check the passwords of staff accounts."""

    def __init__(self, connection: redis.Redis) -> None:
        self._redis = connection

    def add(
        self,
        username: str,
        password: str,
        phone: str,
        name: str = "",
        role: Role = Role.SOCIAL_WORKER,
    ) -> StaffMember:
        """Create an account; StaffError if the username is taken or a value is unfit."""
        if not USERNAME.match(username):
            raise StaffError(
                "a username is 1-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        if why := phones.REFUSED_BECAUSE.get(phones.judge(phone)):
            raise StaffError(
                f"the phone must be a US or Canadian E.164 number such as +18005551212: it is {why}"
            )
        _check_password(password)
        if not self._redis.sadd(keys.STAFF_USERNAMES, username):
            raise StaffError(f"there is already an account named {username!r}")
        self._redis.hset(
            keys.staff_member(username),
            mapping={
                "name": name or username,
                "phone": phone,
                "role": Role(role).value,
                "password": generate_password_hash(password),
            },
        )
        return StaffMember(username, name or username, phone, Role(role))

    def get(self, username: str) -> StaffMember | None:
        """One account, or None."""
        fields = ("name", "phone", "role", "disabled", "totp_secret", "languages")
        found = self._redis.hmget(keys.staff_member(username), fields)
        name, phone, role, disabled, secret, languages = found
        if phone is None:
            return None
        return StaffMember(
            username,
            text(name),
            text(phone),
            Role(text(role) or Role.SOCIAL_WORKER),
            enabled=not disabled,
            two_factor=bool(secret),
            languages=tuple(filter(None, text(languages).split(","))),
        )

    def list(self) -> builtins.list[StaffMember]:
        """Every account, by username."""
        names = sorted(text(u) for u in self._redis.smembers(keys.STAFF_USERNAMES))
        found = (self.get(username) for username in names)
        return [member for member in found if member is not None]

    def verify(self, username: str, password: str) -> StaffMember | None:
        """The account if `password` is its password (enabled or not), else None.

        Every call costs one password hash, whether or not the account exists.
        """
        known = USERNAME.match(username)
        stored = self._redis.hget(keys.staff_member(username), "password") if known else None
        if check_password_hash(text(stored) or _DECOY, password) and stored:
            return self.get(username)
        return None

    def set_password(self, username: str, password: str) -> StaffMember:
        """Give an account a new password."""
        _check_password(password)
        return self._change(username, password=generate_password_hash(password))

    def set_role(self, username: str, role: Role) -> StaffMember:
        """Give an account another role."""
        return self._change(username, role=Role(role).value)

    def set_languages(self, username: str, languages: Iterable[str]) -> StaffMember:
        """Record the languages someone speaks (codes such as 'en', 'es'; none: not said)."""
        codes = sorted({code.strip().lower() for code in languages if code.strip()})
        if any(not LANGUAGE.match(code) for code in codes):
            raise StaffError("languages are codes such as en or es, separated by commas")
        return self._change(username, languages=",".join(codes))

    def set_enabled(self, username: str, enabled: bool) -> StaffMember:
        """Disable an account (it keeps its history) or enable it again."""
        member = self._require(username)
        if enabled:
            self._redis.hdel(keys.staff_member(username), "disabled")
        else:
            self._redis.hset(keys.staff_member(username), "disabled", "1")
        return self._require(member.username)

    def remove(self, username: str) -> StaffMember:
        """Delete an account and its second factor; its audit entries stay."""
        member = self._require(username)
        with self._redis.pipeline() as pipe:
            pipe.srem(keys.STAFF_USERNAMES, username)
            pipe.delete(keys.staff_member(username), keys.staff_recovery_codes(username))
            pipe.execute()
        return member

    def _change(self, username: str, **fields: str) -> StaffMember:
        self._require(username)
        values: dict[Any, Any] = fields
        self._redis.hset(keys.staff_member(username), mapping=values)
        return self._require(username)

    def _require(self, username: str) -> StaffMember:
        member = self.get(username)
        if member is None:
            raise StaffError(f"no staff account {username!r}")
        return member


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must have at least {MIN_PASSWORD} characters")
