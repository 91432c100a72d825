"""TwoFactor: time-based one-time passwords (RFC 6238) and single-use recovery codes per account.

The secret lives in the account's hash (`totp_secret`) once a first code has confirmed it;
`totp_step` is the last time step a code was accepted for, so a code cannot be used twice.
Recovery codes are kept only as SHA-256 hashes (they are random, so no slow hash is needed).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

import pyotp
import redis

from hotline.stores import keys
from hotline.stores.decode import text

ISSUER = "Hotline"
STEP = 30  # seconds per code (RFC 6238's default, what every authenticator app uses)
DRIFT = 1  # steps either side accepted, for a phone's clock that is a little off
RECOVERY_CODES = 10

# Accept a step only if it is later than the last accepted one (one code, one use).
_ACCEPT_STEP = """
local last = tonumber(redis.call('HGET', KEYS[1], 'totp_step') or '-1')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'totp_step', ARGV[1])
return 1
"""


class TwoFactor:
    """Enrol, check and reset an account's authenticator and recovery codes."""

    def __init__(self, connection: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = connection
        self._clock = clock
        self._accept_step = connection.register_script(_ACCEPT_STEP)

    def begin(self, username: str) -> str:
        """A new secret for `username`, pending until `confirm` sees a code from it."""
        secret = pyotp.random_base32()
        self._redis.hset(keys.staff_member(username), "totp_pending", secret)
        return secret

    def pending(self, username: str) -> str:
        """The secret awaiting its first code ('' if none)."""
        return text(self._redis.hget(keys.staff_member(username), "totp_pending"))

    @staticmethod
    def provisioning_uri(username: str, secret: str) -> str:
        """The otpauth:// URI an authenticator app reads from the QR code."""
        return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)

    def confirm(self, username: str, code: str) -> list[str] | None:
        """Make the pending secret the account's if `code` is from it; the new recovery codes.

        None if the code is wrong (the secret stays pending). The codes are returned once and
        kept only hashed.
        """
        secret = self.pending(username)
        step = self._matching_step(secret, code) if secret else None
        if step is None:
            return None
        codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
        member, recovery = keys.staff_member(username), keys.staff_recovery_codes(username)
        with self._redis.pipeline() as pipe:
            pipe.hset(member, mapping={"totp_secret": secret, "totp_step": step})
            pipe.hdel(member, "totp_pending")
            pipe.delete(recovery)
            pipe.sadd(recovery, *[_digest(c) for c in codes])
            pipe.execute()
        return codes

    def check(self, username: str, code: str) -> bool:
        """Whether `code` is the account's current one and was not used before."""
        secret = text(self._redis.hget(keys.staff_member(username), "totp_secret"))
        step = self._matching_step(secret, code) if secret else None
        if step is None:
            return False
        return bool(self._accept_step(keys=[keys.staff_member(username)], args=[step]))

    def use_recovery_code(self, username: str, code: str) -> bool:
        """Whether `code` is one of the account's unused recovery codes; it is used up if so."""
        found = self._redis.srem(keys.staff_recovery_codes(username), _digest(code))
        return bool(found)

    def recovery_codes_left(self, username: str) -> int:
        return int(self._redis.scard(keys.staff_recovery_codes(username)))

    def reset(self, username: str) -> None:
        """Forget the account's authenticator and recovery codes (a lost phone): enrol again."""
        with self._redis.pipeline() as pipe:
            pipe.hdel(keys.staff_member(username), "totp_secret", "totp_step", "totp_pending")
            pipe.delete(keys.staff_recovery_codes(username))
            pipe.execute()

    def _matching_step(self, secret: str, code: str) -> int | None:
        """The time step within the drift whose code is `code`, or None."""
        code = code.strip().replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(secret, interval=STEP)
        now = int(self._clock() // STEP)
        for step in range(now - DRIFT, now + DRIFT + 1):
            if secrets.compare_digest(totp.at(step * STEP), code):
                return step
        return None


def _recovery_code() -> str:
    """12 random hex digits in three groups, e.g. '3f9a-07bc-d41e' (48 bits)."""
    digits = secrets.token_hex(6)
    return "-".join(digits[i : i + 4] for i in range(0, 12, 4))


def _digest(code: str) -> str:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()
