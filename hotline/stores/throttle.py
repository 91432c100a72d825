"""Log-in throttling that cannot be turned against a colleague (NIST SP 800-63B, 5.2.2).

There is no lock-out by username. Failed attempts slow down the (username, client address)
pair and, with more allowance for an office behind one address, the client address: each
failure past the free ones doubles the wait before the next attempt, up to a cap. A request
that comes too soon is answered at once (the caller says 429 and Retry-After): nothing sleeps,
since every request holds one of the few web workers. A correct password from another
address is not slowed by an attack on the same username.

`HashBudget` is per process: it caps how many password hashes a second one web process
computes, so a flood of log-ins from many addresses cannot take the CPU the webhooks need.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from hotline.stores import keys

# KEYS: a failure counter; ARGV: now, free failures, base delay, cap, memory (seconds).
# Counts the failure and sets when the next attempt may come; the counter is forgotten after
# `memory` seconds without failures.
_FAIL = """
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local over = n - tonumber(ARGV[2])
if over > 0 then
  local wait = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (over - 1))
  redis.call('HSET', KEYS[1], 'until', tonumber(ARGV[1]) + wait)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return n
"""


@dataclass(frozen=True)
class Backoff:
    """Failures allowed before waits begin, the first wait, and the longest (seconds)."""

    free: int
    base: float
    cap: float


PAIR = Backoff(free=3, base=1.0, cap=15 * 60)
ADDRESS = Backoff(free=20, base=1.0, cap=15 * 60)
MEMORY = 24 * 3600  # failures are forgotten after a day without any


class LoginThrottle:
    """Failed log-ins per (username, address) pair and per address, in Redis."""

    def __init__(self, connection: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = connection
        self.clock = clock
        self._fail = connection.register_script(_FAIL)

    def wait(self, username: str, address: str) -> int:
        """Whole seconds before this pair may try again (0: now)."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.login_failures_of_pair(username, address), "until")
            pipe.hget(keys.login_failures_from(address), "until")
            until = max(float(u or 0) for u in pipe.execute())
        return max(0, math.ceil(until - self.clock()))

    def failed(self, username: str, address: str) -> None:
        """Count a wrong password (or code) for this pair and this address."""
        now = self.clock()
        for key, rule in (
            (keys.login_failures_of_pair(username, address), PAIR),
            (keys.login_failures_from(address), ADDRESS),
        ):
            self._fail(keys=[key], args=[now, rule.free, rule.base, rule.cap, MEMORY])

    def succeeded(self, username: str, address: str) -> None:
        """Forget this pair's failures (the address's stay: they may be someone else's)."""
        self._redis.delete(keys.login_failures_of_pair(username, address))


class HashBudget:
    """A token bucket of password hashes for this process: `per_second`, with a burst as large."""

    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._tokens = float(per_second)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether a hash may be computed now (and one is used up if so)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.per_second, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True
