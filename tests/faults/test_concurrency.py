"""Fault suite 3: concurrency per number. Many numbers each send a burst of texts at the same
moment: no update is lost (the saved step count is the number of accepted texts), and the saved
conversation is exactly the pure engine's, replaying the accepted texts in the order the store
accepted them.

The order of acceptance is read off the store's compare-and-set: every successful swap names the
value it replaced, so the successful swaps of one conversation form a chain from the empty
conversation to the saved one. A spy on the scripts each app runs on its Redis connection records them (test-side only).

Each test prints its figures (run with -s or -rA to see them).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial

import pytest
from flask import Flask

from flows.engine import step
from flows.model import Channel, Event, Flows, State
from hotline.settings import Settings
from hotline.stores.conversations import short_id
from hotline.stores.record import Record
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import (
    as_deployed,
    fictional,
    message_bodies,
    post_signed,
    run_all,
    sms_params,
    unlimited,
)

MIX = ("MENU", "1", "2", "3", "4", "5", "6", "9", "MORE", "BACK", "HELP", "0", "banana",
       "SECOND", "SEGUNDA", "URGENT", "2.", "MAS", "ATRAS")  # fmt: skip


def _str(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def fresh_seed() -> int:
    """HOTLINE_FAULT_SEED if set (to repeat a run), else a new random seed (printed)."""
    return int(os.environ.get("HOTLINE_FAULT_SEED", "0")) or random.randrange(10**9)


@dataclass
class Burst:
    """What happened to the texts of one burst: replies by MessageSid."""

    bodies: dict[str, str] = field(default_factory=dict)  # sid -> body
    replies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)


def at_zero(state: State) -> State:
    """`state` with its times (a safety answer's, an urgent filing's) moved to 0, if it has them."""
    return replace(
        state,
        crisis_at=None if state.crisis_at is None else 0,
        urgent_at=None if state.urgent_at is None else 0,
    )


def send(app, number: str, body: str, sid: str, burst: Burst, lock: threading.Lock,
         barrier: threading.Barrier | None = None) -> None:  # fmt: skip
    client = app.test_client()
    params = sms_params(number, body, sid)
    if barrier is not None:
        barrier.wait(timeout=60)
    response = post_signed(client, "/twilio/sms", params)
    with lock:
        burst.bodies[sid] = body
        burst.statuses[response.status_code] += 1
        burst.replies[sid] = tuple(message_bodies(response.data))


class SwapSpy:
    """Records every compare-and-set of some apps' stores: (conversation key, expected, new, done).

    It watches the scripts each app runs on its Redis connection (the store's, in these tests):
    the swap is the one run on a conversation's key, its opt-out key and the keys beside.
    """

    def __init__(self, *apps: Flask) -> None:
        self.calls: list[tuple[str, str, str, int]] = []
        self.lock = threading.Lock()
        for app in apps:
            connection = resources_of(app).redis
            connection.evalsha = self.spying(connection.evalsha)

    def spying(self, evalsha):
        def spied(sha, numkeys, *keys_and_args):
            result = evalsha(sha, numkeys, *keys_and_args)
            names, args = keys_and_args[:numkeys], keys_and_args[numkeys:]
            if numkeys >= 2 and str(names[1]).endswith(":optout"):
                with self.lock:
                    self.calls.append((names[0], _str(args[0]), _str(args[1]), int(result[0])))
            return result

        return spied

    def accepted(self, key: str, sids: Iterable[str]) -> list[str]:
        """The MessageSids (of `sids`) saved for conversation `key`, in the order Redis accepted them."""
        by_short_id = {short_id(sid): sid for sid in sids}
        following = {}
        for k, expected, new, done in self.calls:
            if k == key and done:
                assert expected not in following, "two swaps replaced the same value"
                following[expected] = new
        order, raw = [], ""
        while raw in following:
            raw = following.pop(raw)
            order.append(by_short_id[Record.decode(raw, False).ids[-1]])
        assert not following, f"{len(following)} saved values are off the chain"
        return order

    def conflicts(self) -> int:
        return sum(1 for *_, done in self.calls if not done)


def test_bursts_of_menu_lose_no_update_and_end_where_the_last_text_says(
    settings: Settings, flows: Flows
) -> None:
    """20 numbers each text SECOND, then 10 MENUs at the same moment (all 200 at once), then 1.

    MENU from the main menu leaves it there whatever the order, so the final node does not
    depend on the order of acceptance; the step count shows whether an update was lost.
    """
    numbers, burst_size = 20, 10
    settings = as_deployed(settings)
    app = create_app(settings)
    store = resources_of(app).store
    lock = threading.Lock()
    burst = Burst()
    phones = [fictional(i, 919) for i in range(numbers)]
    for number in phones:
        send(app, number, "SECOND", f"SM{number[-8:]}{'s' * 24}", Burst(), lock)
    barrier = threading.Barrier(numbers * burst_size)
    started = time.perf_counter()
    run_all([
        lambda n=number, i=i: send(app, n, "MENU", f"SM{n[-8:]}{i:024d}", burst, lock, barrier)
        for number in phones for i in range(burst_size)
    ])  # fmt: skip
    elapsed = time.perf_counter() - started
    for number in phones:
        send(app, number, "1", f"SM{number[-8:]}{'l' * 24}", Burst(), lock)

    menu = step(flows, State(node="main"), Event(Channel.SMS, text="MENU")).replies
    accepted = Counter(sid[2:10] for sid, r in burst.replies.items() if r == menu)
    target = flows["en"].nodes["main"].option("1", Channel.SMS).target.node
    finals = {n: store.load("sms", n) for n in phones}
    lost = {n: (s.steps, 2 + accepted[n[-8:]]) for n, s in finals.items()
            if s.steps != 2 + accepted[n[-8:]]}  # fmt: skip
    elsewhere = {n: s.node for n, s in finals.items() if s.node != target}
    odd = Counter(r for r in burst.replies.values() if r != menu)
    print(f"\n[concurrency] {numbers} numbers x {burst_size} MENU at once "
          f"({numbers * burst_size} requests) in {elapsed:.2f}s, sms_per_minute="
          f"{getattr(settings, 'sms_per_minute', None)}: HTTP {dict(burst.statuses)}; "
          f"accepted {sum(accepted.values())}; other answers: {dict(odd) or 'none'}")  # fmt: skip
    print(f"[concurrency] final states: steps == accepted texts for "
          f"{numbers - len(lost)}/{numbers} numbers; at '{target}' after the last text: "
          f"{numbers - len(elsewhere)}/{numbers}")  # fmt: skip
    assert burst.statuses == {200: numbers * burst_size}
    assert not lost, lost
    assert not elsewhere, elsewhere
    # A text not accepted was told so (the apology with the social workers' number), never ignored.
    assert set(odd) <= {(f.text("unavailable"),) for f in flows.values()}


def bursts_replayed(
    settings: Settings,
    flows: Flows,
    numbers: int,
    burst_size: int,
    rounds: int,
    seed: int,
    processes: int = 1,
    apologies: bool = False,
) -> None:
    """Bursts of random texts: the saved state is the engine's over the chain of accepted texts.

    `processes` apps (as many web processes, each with its own Redis connections) share the load.
    With `apologies`, a text may be refused with the "not working right now" answer (never left
    unanswered); it then takes no step.
    """
    rng = random.Random(seed)
    apps = [create_app(settings) for _ in range(processes)]
    store = resources_of(apps[0]).store
    spy = SwapSpy(*apps)
    lock = threading.Lock()
    burst = Burst()
    phones = [fictional(i, 602) for i in range(numbers)]
    for number in phones:
        send(apps[0], number, "SECOND", f"SM{number[-8:]}{'s' * 24}", burst, lock)
    started = time.perf_counter()
    for r in range(rounds):
        barrier = threading.Barrier(numbers * burst_size)
        texts = [
            (apps[i % processes], n, rng.choice(MIX), f"SM{n[-8:]}{r:04d}{i:020d}")
            for n in phones
            for i in range(burst_size)
        ]
        run_all([partial(send, *text, burst, lock, barrier) for text in texts])
    elapsed = time.perf_counter() - started

    mismatched_states, mismatched_replies, refused, accepted_total = [], [], [], 0
    for number in phones:
        key = store.conversation_keys("sms", number)[0]
        order = spy.accepted(key, burst.bodies)
        accepted_total += len(order)
        state = State()
        for sid in order:
            outcome = step(flows, state, Event(Channel.SMS, text=burst.bodies[sid]))
            state = outcome.state
            if burst.replies[sid] != outcome.replies:
                mismatched_replies.append((number, burst.bodies[sid], burst.replies[sid],
                                           outcome.replies))  # fmt: skip
        saved = store.load("sms", number)
        if at_zero(saved) != at_zero(state):  # the replay's clock is 0; the hotline's, real
            mismatched_states.append((number, saved, state))
        mine = [sid for sid in burst.bodies if sid[2:10] == number[-8:]]
        refused += [burst.replies[sid] for sid in mine if sid not in order]
        assert saved.steps == len(order)
    sent = len(burst.bodies)
    print(f"\n[concurrency] seed={seed}: {numbers} numbers x {rounds} round(s) of {burst_size} "
          f"random texts at once ({sent} requests, {numbers * burst_size} at a time, over "
          f"{processes} app(s)) in "
          f"{elapsed:.2f}s; HTTP {dict(burst.statuses)}")  # fmt: skip
    print(f"[concurrency] accepted {accepted_total}/{sent}; refused {len(refused)} "
          f"({dict(Counter(refused)) or 'none'}); compare-and-set conflicts retried: "
          f"{spy.conflicts()}; saved state == engine replay in acceptance order: "
          f"{numbers - len(mismatched_states)}/{numbers}; replies matching the engine at their "
          f"place in that order: {accepted_total - len(mismatched_replies)}/{accepted_total}")  # fmt: skip
    assert burst.statuses == {200: sent}
    assert not mismatched_states, mismatched_states[:3]
    assert not mismatched_replies, mismatched_replies[:3]
    unavailable = {(flow.text("unavailable"),) for flow in flows.values()}
    assert accepted_total + len(refused) == sent
    assert not refused or (apologies and set(refused) <= unavailable), Counter(refused)


def test_bursts_of_random_texts_replay_exactly_in_acceptance_order(
    settings: Settings, flows: Flows
) -> None:
    """200 at once, over 4 apps (as 4 web processes would; one process holds at most 100 Redis
    connections, redis-py's default, so 200 at once into one process is the other test's)."""
    bursts_replayed(as_deployed(settings), flows, 20, 10, rounds=1, seed=20261125, processes=4)


@pytest.mark.slow
def test_many_rounds_of_bursts_replay_exactly(settings: Settings, flows: Flows) -> None:
    """Past the per-number rate limit (raised here: it is not what this test is about).

    800 texts at a time are 800 threads in this one interpreter: one holding a pooled Redis
    connection can wait for the GIL longer than another waits for a connection (REDIS_TIMEOUT,
    1 s), which then gets the apology. A few such refusals are allowed: told, never ignored,
    and no step taken (the saved state is still the replay of the accepted texts).
    """
    bursts_replayed(
        unlimited(settings),
        flows,
        40,
        20,
        rounds=10,
        seed=fresh_seed(),
        processes=16,
        apologies=True,
    )


def test_the_swap_spy_sees_every_save(settings) -> None:
    """The spy's chain is the store's: a plain conversation, one text at a time."""
    app = create_app(settings)
    store = resources_of(app).store
    spy = SwapSpy(app)
    client = app.test_client()
    sids = [f"SM{i:032d}" for i in range(5)]
    for sid, body in zip(sids, ("SECOND", "2", "MORE", "MENU", "3"), strict=True):
        post_signed(client, "/twilio/sms", sms_params("+12135550100", body, sid))
    assert spy.accepted(store.conversation_keys("sms", "+12135550100")[0], sids) == sids
    assert spy.conflicts() == 0
