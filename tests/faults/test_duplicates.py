"""Fault suite 2: duplicate deliveries. Twilio may deliver a webhook more than once (its retries,
a proxy's); each SMS is delivered 2 to 5 times here, some copies at the same moment. Exactly one
step per MessageSid, the same reply to every copy, no extra text sent, no call-back request filed
twice.

Each test prints its figures (run with -s or -rA to see them).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from flows.engine import step
from flows.model import Channel, Event, Flows, RequestCallback, State
from hotline.stores.callbacks import CallbackQueue
from hotline.stores.conversations import REMEMBERED_IDS
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import (
    as_deployed,
    fictional,
    message_bodies,
    post_signed,
    run_all,
    run_jobs,
    sms_params,
    unlimited,
)

# Conversations that end in a call-back request (one also asks URGENT on the way: two filings).
SCRIPTS = (
    ("SECOND", "2", "MENU", "6", "1", "1", "2", "3"),
    ("SEGUNDA", "3", "MENU", "6", "2", "2", "2", "3"),
    ("OPINION", "1", "URGENT", "MORE", "MENU", "6", "3", "1", "2", "3"),
    ("second", "4", "MORE", "BACK", "0", "6", "2", "1", "2", "3"),
)


@dataclass
class Texter:
    """One number's conversation: its messages, the replies each copy got."""

    number: str
    script: tuple[str, ...]
    copies: list[int] = field(default_factory=list)
    concurrent: list[bool] = field(default_factory=list)
    replies: list[list[tuple[str, ...]]] = field(default_factory=list)


def fresh_seed() -> int:
    """HOTLINE_FAULT_SEED if set (to repeat a run), else a new random seed (printed)."""
    return int(os.environ.get("HOTLINE_FAULT_SEED", "0")) or random.randrange(10**9)


def sid(number: str, i: int) -> str:
    return f"SM{number[-8:]}{i:024d}"


def deliver(app, texter: Texter, i: int, body: str, copies: int, together: bool) -> None:
    """Deliver message `i` `copies` times: all at once (threads, a barrier), or one after another."""
    params = sms_params(texter.number, body, sid(texter.number, i))
    got: list[tuple[str, ...]] = []
    lock = threading.Lock()

    def once(barrier: threading.Barrier | None) -> None:
        client = app.test_client()
        if barrier is not None:
            barrier.wait(timeout=30)
        response = post_signed(client, "/twilio/sms", params)
        assert response.status_code == 200, response.data
        with lock:
            got.append(tuple(message_bodies(response.data)))

    if together:
        barrier = threading.Barrier(copies)
        run_all([lambda: once(barrier) for _ in range(copies)])
    else:
        for _ in range(copies):
            once(None)
    texter.replies.append(got)


def engine_replay(
    flows: Flows, script: tuple[str, ...]
) -> tuple[State, list[tuple[str, ...]], int]:
    """The pure engine's replies to `script` taken once each, its final state, its filings."""
    state, replies, filings = State(), [], 0
    for body in script:
        outcome = step(flows, state, Event(Channel.SMS, text=body))
        state = outcome.state
        replies.append(outcome.replies)
        filings += sum(isinstance(e, RequestCallback) for e in outcome.effects)
    return state, replies, filings


def duplicates(
    flows: Flows, numbers: int, seed: int, settings, twilio, redis_url: str, processes: int = 1
) -> None:
    """`processes` apps (as many web processes) share the numbers, one app per number."""
    rng = random.Random(seed)
    apps = [create_app(settings) for _ in range(processes)]
    app = apps[0]
    texters = [Texter(fictional(i, 702), SCRIPTS[i % len(SCRIPTS)]) for i in range(numbers)]
    for t in texters:
        t.copies = [rng.randint(2, 5) for _ in t.script]
        t.concurrent = [rng.random() < 0.5 for _ in t.script]

    def converse(t: Texter) -> None:
        for i, body in enumerate(t.script):
            deliver(apps[texters.index(t) % processes], t, i, body, t.copies[i], t.concurrent[i])

    started = time.perf_counter()
    run_all([lambda t=t: converse(t) for t in texters])  # every number at once, too
    elapsed = time.perf_counter() - started

    connection = redis.Redis.from_url(redis_url)
    queue = Queue("hotline", connection=connection, serializer=JSONSerializer)
    queued = Counter(j.func_name for j in queue.get_jobs())
    filing_jobs = queued["hotline.outbound.jobs.file_callback"]
    store = resources_of(app).store
    slow_down = {f.texts.get("slow_down") for f in flows.values()} - {None}
    differing, extra, missing, wrong_replies, slowed = [], [], [], [], 0
    expected_filings = 0
    for t in texters:
        final, expected, filings = engine_replay(flows, t.script)
        expected_filings += filings
        saved = store.load("sms", t.number)
        if saved.steps > len(t.script):
            extra.append((t.number, saved.steps, len(t.script)))
        elif saved.steps < len(t.script) or (saved.node, saved.lang) != (final.node, final.lang):
            missing.append((t.number, saved.steps, len(t.script), saved.node, final.node))
        for i, copies in enumerate(t.replies):
            slowed += sum(bool(set(c) & slow_down) for c in copies)
            if len(set(copies)) != 1:
                differing.append((t.number, t.script[i], Counter(copies)))
            elif copies[0] != expected[i]:
                wrong_replies.append((t.number, t.script[i], copies[0], expected[i]))
    run_jobs(settings)
    sent = twilio.sent("message")
    per_number = Counter(m.get("To") for m in sent)
    alerts = per_number.pop(settings.staff_alert_numbers[0], 0)
    waiting = CallbackQueue(connection).waiting(time.time())
    requests_per_number = Counter(r.number for r in waiting)
    expected_texts = {t.number: engine_replay(flows, t.script)[2] for t in texters}

    deliveries = sum(sum(t.copies) for t in texters)
    messages = sum(len(t.script) for t in texters)
    together = sum(sum(t.concurrent) for t in texters)
    steps = sum(store.load("sms", t.number).steps for t in texters)
    print(f"\n[duplicates] seed={seed}, sms_per_minute={settings.sms_per_minute}, "
          f"{processes} app(s): {numbers} "
          f"numbers, {messages} messages delivered {deliveries} times (copies per message: "
          f"{dict(sorted(Counter(c for t in texters for c in t.copies).items()))}; "
          f"{together} messages' copies sent at the same moment) in {elapsed:.2f}s")  # fmt: skip
    print(f"[duplicates] steps saved: {steps} for {messages} MessageSids (conversations with a "
          f"step too many: {len(extra)}, with steps missing: {len(missing)}); messages whose "
          f"copies got different replies: {len(differing)}; replies unlike the pure engine's: "
          f"{len(wrong_replies)}; copies answered 'slow down': {slowed}")  # fmt: skip
    print(f"[duplicates] call-back filings: {filing_jobs} jobs queued for {expected_filings} "
          f"requests asked; {len(waiting)} requests waiting for {numbers} people; "
          f"confirmations texted: {sum(per_number.values())} for {sum(expected_texts.values())} "
          f"filings (most to one number: {max(per_number.values(), default=0)}); "
          f"staff alerts: {alerts}")  # fmt: skip

    # Never more: no second step, no second filing, no second text.
    assert not extra, extra[:5]
    assert filing_jobs <= expected_filings
    assert set(requests_per_number.values()) <= {1}
    assert all(per_number[n] <= k for n, k in expected_texts.items())
    assert set(per_number) <= set(expected_texts)
    assert alerts <= 2  # one per five-minute period; the run may straddle two
    # Never less: every message stepped once, every copy answered alike, every request filed.
    assert not differing, differing[:5]
    assert not missing, missing[:5]
    assert not wrong_replies, wrong_replies[:5]
    assert filing_jobs == expected_filings
    assert sorted(requests_per_number) == sorted(t.number for t in texters)
    assert dict(per_number) == expected_texts
    assert alerts >= 1


def test_every_text_delivered_two_to_five_times_steps_once(
    settings, twilio, redis_url, flows: Flows
) -> None:
    """With the hotline's production settings, its per-number rate limit included (the test
    fixture raises that limit; here it is put back to the default a deployment gets)."""
    duplicates(flows, 12, 20261125, as_deployed(settings), twilio, redis_url)


def test_duplicates_step_once_with_the_rate_limit_out_of_the_way(
    settings, twilio, redis_url, flows: Flows
):
    """The same, with the per-number rate limit raised: the store's own handling of duplicates."""
    duplicates(flows, 12, 20261125, unlimited(settings), twilio, redis_url)


@pytest.mark.slow
def test_two_hundred_texters_with_duplicates(settings, twilio, redis_url, flows: Flows) -> None:
    """At scale, with the rate limit out of the way (the test above shows it at work)."""
    seed = fresh_seed()
    duplicates(flows, 200, seed, unlimited(settings), twilio, redis_url, processes=16)


def test_a_late_retry_is_never_a_second_step_within_the_remembered_ids(settings) -> None:
    """A retry that comes after the texter's next messages: how late can it come?

    The store remembers the last REMEMBERED_IDS MessageSids of a conversation. Within that window a
    late copy is recognised (no second step; it gets no reply, as its answer is out of date);
    beyond it, it is taken as a new message. Prints what happens at each lag.
    """
    app = create_app(settings)
    client = app.test_client()
    store = resources_of(app).store
    script = ("SECOND", "2", "MORE", "MENU", "3", "MENU", "4", "MENU", "5")
    figures = []
    for lag in range(1, 6):
        number = fictional(lag, 801)
        first_reply = None
        for i, body in enumerate(script):
            reply = message_bodies(
                post_signed(client, "/twilio/sms", sms_params(number, body, sid(number, i))).data
            )
            if i == 1:
                first_reply = reply
            if i == 1 + lag:  # message 1 again, `lag` messages late
                retry = post_signed(client, "/twilio/sms", sms_params(number, "2", sid(number, 1)))
                late = message_bodies(retry.data)
        steps = store.load("sms", number).steps
        figures.append(
            (lag, steps - len(script), "same" if late == first_reply else late or "none")
        )
    print("\n[duplicates] late retry of a message (lag = messages between it and its retry): "
          + "; ".join(f"lag {lag}: extra steps {extra}, reply {reply}"
                      for lag, extra, reply in figures))  # fmt: skip
    for lag, extra, _ in figures:
        if lag < REMEMBERED_IDS:
            assert extra == 0, (lag, extra)
