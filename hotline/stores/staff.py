"""StaffDirectory: the social workers' accounts in Redis, with hashed passwords."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from flows import phones
from hotline.stores import keys
from hotline.stores.decode import text

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
MIN_PASSWORD = 12
# Too many wrong passwords for one username in a row lock it for a while: no endless guessing.
MAX_FAILURES = 10
LOCKOUT_SECONDS = 15 * 60
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DECOY = generate_password_hash("not anybody's password")


class StaffError(ValueError):
    """A staff account could not be added as asked."""


class TooManyTries(Exception):
    """Too many wrong passwords for this username lately."""


@dataclass(frozen=True)
class StaffMember:
    """A social worker who can log in to the dashboard; `phone` rings first on a call back."""

    username: str
    name: str
    phone: str


class StaffDirectory:
    """Add, find, list and check the passwords of staff accounts."""

    def __init__(self, connection: redis.Redis) -> None:
        self._redis = connection

    def add(self, username: str, password: str, phone: str, name: str = "") -> StaffMember:
        """Create an account; StaffError if the username is taken or a value is unfit."""
        if not USERNAME.match(username):
            raise StaffError(
                "a username is 1-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        if why := phones.REFUSED_BECAUSE.get(phones.judge(phone)):
            raise StaffError(
                f"the phone must be a US or Canadian E.164 number such as +18005551212: it is {why}"
            )
        if len(password) < MIN_PASSWORD:
            raise StaffError(f"the password must have at least {MIN_PASSWORD} characters")
        if not self._redis.sadd(keys.STAFF_USERNAMES, username):
            raise StaffError(f"there is already an account named {username!r}")
        self._redis.hset(
            keys.staff_member(username),
            mapping={
                "name": name or username,
                "phone": phone,
                "password": generate_password_hash(password),
            },
        )
        return StaffMember(username, name or username, phone)

    def get(self, username: str) -> StaffMember | None:
        """One account, or None."""
        name, phone = self._redis.hmget(keys.staff_member(username), "name", "phone")
        if phone is None:
            return None
        return StaffMember(username, text(name), text(phone))

    def list(self) -> builtins.list[StaffMember]:
        """Every account, by username."""
        names = sorted(text(u) for u in self._redis.smembers(keys.STAFF_USERNAMES))
        found = (self.get(username) for username in names)
        return [member for member in found if member is not None]

    def verify(self, username: str, password: str) -> StaffMember | None:
        """The account if `password` is its password, else None; TooManyTries when locked out."""
        if not USERNAME.match(username):
            check_password_hash(_DECOY, password)
            return None
        failures = keys.staff_failures(username)
        if int(self._redis.get(failures) or 0) >= MAX_FAILURES:
            raise TooManyTries(username)
        stored = self._redis.hget(keys.staff_member(username), "password")
        if check_password_hash(text(stored) or _DECOY, password) and stored:
            self._redis.delete(failures)
            return self.get(username)
        with self._redis.pipeline() as pipe:
            pipe.incr(failures)
            pipe.expire(failures, LOCKOUT_SECONDS)
            pipe.execute()
        return None
