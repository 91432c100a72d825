"""ConversationStore's record and rate window, and `advance` with an injected clock, on Redis."""

from __future__ import annotations

import json

import pytest
import redis

from flows.engine import step
from flows.model import CallbackForm, Channel, Event, Flows, Outcome, State, Window
from hotline.stores.conversations import SHORT_ID, ConversationStore, call_conversation, short_id
from hotline.stores.record import RATE_WINDOW, Record

FORM = CallbackForm(Window.MORNING, None, "+12025550101")


@pytest.mark.parametrize(
    "record",
    [
        Record(State()),
        Record(State("es", "find", 2, 7, 1, False, "find", FORM), ("a", "b", "c"), State("es", "find", 1, 6), (1_000, 4)),
        # The state before the last with the same answers: kept once, not twice.
        Record(State(node="callback_number", steps=3, form=FORM), ("x",), State(node="callback", steps=2, form=FORM), (5, 1)),
        Record(State(steps=2, form=FORM), ("y",), State(steps=1, form=CallbackForm(Window.ANY))),
    ],
)  # fmt: skip
def test_a_record_survives_encoding(record: Record) -> None:
    assert Record.decode(record.encode(), opted_out=False) == record


def test_the_encoding_is_compact_and_shares_answers_with_the_state_before() -> None:
    record = Record(
        State(node="x", steps=3, form=FORM), ("SM1",), State(steps=2, form=FORM), (9, 2)
    )
    raw = record.encode()
    assert " " not in raw and len(raw) < 120
    _, state, ids, before, *window = json.loads(raw)
    assert before[-1] == 1 and window == [9, 2] and ids == ["SM1"]
    assert raw.count("+12025550101") == 1


def test_the_durable_opt_out_flag_wins_over_the_record() -> None:
    raw = Record(State(steps=4)).encode()
    assert Record.decode(raw, opted_out=True).state == State(steps=4, opted_out=True)
    opted = Record(State(opted_out=True)).encode()
    assert Record.decode(opted, opted_out=False).state.opted_out is False


@pytest.mark.parametrize(
    "raw", ["", "not json", "[1, 2]", '{"state": 1}', '[["en"], [], null, 0, 0]']
)
def test_no_record_or_an_unknown_one_starts_afresh(raw: str) -> None:
    assert Record.decode(raw, opted_out=True) == Record(State(opted_out=True))


def test_counting_within_and_after_the_window() -> None:
    assert Record(State()).counting(100) == (100, 1)  # no window yet: one opens
    record = Record(State(), window=(100, 3))
    assert record.counting(100 + RATE_WINDOW - 1) == (100, 4)
    assert record.counting(100 + RATE_WINDOW) == (100 + RATE_WINDOW, 1)


def test_short_ids() -> None:
    assert short_id("4s") == "4s" and short_id("x" * SHORT_ID) == "x" * SHORT_ID
    sid = "SM" + "1" * 32
    assert len(short_id(sid)) == SHORT_ID and short_id(sid) == short_id(sid)
    assert short_id(sid) != short_id("SM" + "2" * 32)
    assert call_conversation("CA" + "3" * 32) == f"voice:{short_id('CA' + '3' * 32)}"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(redis_url: str, clock: Clock) -> ConversationStore:
    return ConversationStore(redis.Redis.from_url(redis_url), "secret", 3600, clock=clock)


def menu(flows: Flows):
    return lambda state: step(flows, state, Event(Channel.SMS, text="MENU"))


def test_the_rate_window_slides_with_the_clock(
    store: ConversationStore, clock: Clock, flows: Flows
) -> None:
    def over(sid: str) -> int:
        return store.advance("sms", "+15125550110", sid, menu(flows), rate_limit=3).over_limit

    assert [over(f"SM{i}") for i in range(5)] == [0, 0, 0, 1, 2]
    clock.now += RATE_WINDOW - 1
    assert over("SM5") == 3  # still the same minute
    clock.now += 1
    assert [over(f"SM{i}") for i in range(6, 10)] == [0, 0, 0, 1]  # a new window
    assert store.load("sms", "+15125550110").steps == 6


def test_without_a_rate_limit_nothing_is_over_it(store: ConversationStore, flows: Flows) -> None:
    assert {
        store.advance("sms", "+15125550111", f"SM{i}", menu(flows)).over_limit for i in range(30)
    } == {0}
    assert store.load("sms", "+15125550111").steps == 30


def test_each_person_has_their_own_window(store: ConversationStore, flows: Flows) -> None:
    for i in range(2):
        store.advance("sms", "+15125550112", f"SM{i}", menu(flows), rate_limit=1)
    assert store.advance("sms", "+15125550113", "SM9", menu(flows), rate_limit=1).over_limit == 0


def test_a_stale_event_gets_the_current_state_and_no_replies(
    store: ConversationStore, flows: Flows
) -> None:
    texts = {"SM1": "SECOND", "SM2": "2", "SM3": "MENU"}
    for sid, body in texts.items():
        store.advance(
            "sms", "+15125550114", sid, lambda s, b=body: step(flows, s, Event(Channel.SMS, text=b))
        )
    latest = store.advance("sms", "+15125550114", "SM3", menu(flows))
    assert latest.replayed and not latest.stale and latest.outcome.replies
    older = store.advance("sms", "+15125550114", "SM2", lambda s: Outcome(s, ("never",)))
    assert older.replayed and older.stale and older.outcome.replies == ()
    assert older.outcome.state == store.load("sms", "+15125550114")


def test_tags_are_keyed_by_the_secret_and_keys_hold_no_number(redis_url: str) -> None:
    connection = redis.Redis.from_url(redis_url)
    one, other = (
        ConversationStore(connection, "one", 60),
        ConversationStore(connection, "other", 60),
    )
    assert one.tag("+12025550101") != other.tag("+12025550101")
    assert one.tag("+12025550101") == ConversationStore(connection, "one", 60).tag("+12025550101")
    assert all("2025550101" not in key for key in one.conversation_keys("sms", "+12025550101"))
