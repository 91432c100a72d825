"""The queue's Redis behind Sentinel: follow its master, and make sure a filing will last.

redis-py asks Sentinel where the master is only when it opens a connection, while a deposed
master goes on taking writes for seconds (until Sentinel makes it a replica) and then drops
them; and replication is asynchronous, so a write the master took can die with it. So the
hotline asks Sentinel itself, at most once a second while it answers webhooks, and a write that
a person is told about (a call-back request) counts only once a replica has it too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis
from redis.sentinel import SentinelConnectionPool

from hotline.stores import keys

FOLLOW_EVERY = 1.0  # seconds between two questions to Sentinel, per process
AFTER_FAILURE = 10.0  # seconds before asking again after no Sentinel answered
REPLICA_WAIT_MS = 500  # how long a filing waits for a replica to have it
NO_LISTENER = keys.REPLICATED_CHANNEL  # a channel no one listens to (see `unmoved`)


class MasterChanged(redis.ConnectionError):
    """A write that must last may not (a failover, or no replica has it yet); try again."""


class MasterWatch:
    """Keeps a Redis client on the master Sentinel names (does nothing without Sentinel)."""

    def __init__(
        self,
        connection: redis.Redis,
        every: float = FOLLOW_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pool = connection.connection_pool
        self._redis = connection
        self._pool = pool if isinstance(pool, SentinelConnectionPool) else None
        self._every, self._clock = every, clock
        self._next = 0.0

    def follow(self) -> None:
        """Ask Sentinel (at most every `every` seconds); after a failover idle connections move.

        Best effort: with no Sentinel answering, the connections already open are the best bet,
        and the next question waits AFTER_FAILURE seconds so that webhooks are not held up.
        """
        if self._pool is None or self._clock() < self._next:
            return
        try:
            self._pool.get_master_address()
        except redis.RedisError:
            self._next = self._clock() + AFTER_FAILURE
        else:
            self._next = self._clock() + self._every

    @contextmanager
    def unmoved(self) -> Iterator[None]:
        """Around writes that must last: raise MasterChanged unless they went to the master the
        Sentinels name, before and after, and a replica has them.

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
        # WAIT counts replicas that have this connection's writes; a PUBLISH (replicated like a
        # write, stored nowhere) puts one after the block's, whichever connections made them.
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.publish(NO_LISTENER, "")
            pipe.wait(1, REPLICA_WAIT_MS)
            _, replicas = pipe.execute()
        if replicas < 1:
            raise MasterChanged(f"no replica of {ours} acknowledged the write")

    def _named(self) -> tuple[str, int] | None:
        """The master the first Sentinel to answer names now."""
        assert self._pool is not None
        for sentinel in self._pool.sentinel_manager.sentinels:
            try:
                named = sentinel.sentinel_get_master_addr_by_name(self._pool.service_name)
            except (redis.ConnectionError, redis.TimeoutError):
                continue
            if named is None:
                return None
            host, port = named
            return (host.decode() if isinstance(host, bytes) else host), int(port)
        raise MasterChanged("no Sentinel answered")
