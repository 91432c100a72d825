"""The queue's Redis behind Sentinel: follow its master, and notice a failover under a write.

redis-py asks Sentinel where the master is only when it opens a connection, while a deposed
master goes on taking writes for seconds (until Sentinel makes it a replica) and then drops
them. So the hotline asks Sentinel itself: at most once a second while it serves webhooks, and
before and after each write that a person is told about (a call-back request).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis
from redis.sentinel import SentinelConnectionPool

FOLLOW_EVERY = 1.0  # seconds between two questions to Sentinel, per process


class MasterChanged(redis.ConnectionError):
    """Sentinel named another master during a write that must not be lost; try again."""


class MasterWatch:
    """Keeps a Redis client on the master Sentinel names (does nothing without Sentinel)."""

    def __init__(
        self,
        connection: redis.Redis,
        every: float = FOLLOW_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pool = connection.connection_pool
        self._pool = pool if isinstance(pool, SentinelConnectionPool) else None
        self._every, self._clock = every, clock
        self._next = 0.0

    def follow(self) -> None:
        """Ask Sentinel (at most every `every` seconds); after a failover idle connections move."""
        if self._pool is not None and self._clock() >= self._next:
            self._next = self._clock() + self._every
            # Best effort: with every Sentinel away, the connections there are still the best bet.
            with contextlib.suppress(redis.RedisError):
                self._pool.get_master_address()

    @contextmanager
    def unmoved(self) -> Iterator[None]:
        """Around writes that must last: raise MasterChanged unless they went to the master the
        Sentinels name, before and after.

        During a failover Sentinel names the promoted replica at once, while the master redis-py
        connects to (from SENTINEL MASTERS) changes only when the failover is over: until then
        such writes are refused rather than left on a master about to be deposed.
        """
        if self._pool is None:
            yield
            return
        ours = self._pool.get_master_address()  # idle connections move if this changed
        if self._named() != ours:
            raise MasterChanged(f"a failover from {ours} is under way")
        yield
        if self._named() != ours:
            raise MasterChanged(f"Sentinel moved the master away from {ours}")

    def _named(self) -> tuple[str, int] | None:
        """The master the first Sentinel to answer names now."""
        assert self._pool is not None
        for sentinel in self._pool.sentinel_manager.sentinels:
            with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                named = sentinel.sentinel_get_master_addr_by_name(self._pool.service_name)
                if named is None:
                    return None
                host, port = named
                return (host.decode() if isinstance(host, bytes) else host), int(port)
        raise MasterChanged("no Sentinel answered")
