"""The stored conversation record: its format version, records of the first format, garbage."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
import redis

from flows.content import load_flows
from flows.engine import step
from flows.model import CallbackForm, Channel, Event, State, Window
from hotline.stores.callbacks import CallbackQueue
from hotline.stores.record import FORMAT, Record
from tests.support import Phone, run_jobs

FLOWS = load_flows()
FULL = State("es", "callback_voicemail", 0, 7, 2, True, "find",
             CallbackForm(Window.EVENING, None, "+13035550199"), crisis_at=1_700_000_100,
             urgent_at=1_699_000_000, urgent=True, slow=True, read=0b10110, resume="when",
             resume_page=2, checkin="pending", offered=True)  # fmt: skip


def untimed(state: State | None) -> State | None:
    """`state` as the first format could keep it: its crisis had no time, nor its last filing,
    and none of what the third format added."""
    if state is None:
        return None
    added = dict(zip(ADDED, ADDED_DEFAULTS, strict=True))
    return replace(state, crisis_at=None, urgent_at=None, **added)  # type: ignore[arg-type]


ADDED = ("slow", "read", "resume", "resume_page", "checkin", "offered")  # by the third format
ADDED_DEFAULTS = (False, 0, "", 0, "", False)


def second_format(record: Record) -> str:
    """`record` as the second format wrote it: the third's layout, without the added fields."""
    assert all(getattr(record.state, f) == d for f, d in zip(ADDED, ADDED_DEFAULTS, strict=True))
    return json.dumps([2, *json.loads(record.encode())[1:]])


def first_format(record: Record) -> str:
    """`record` as the first format wrote it: [state, ids, before, start, count], answers a dict."""

    def pack(state: State, beside: State | None = None) -> list[object]:
        packed: list[object] = [state.lang, state.node, state.page, state.steps, state.misses]
        packed.append(int(state.opted_out))
        answers = {"topic": state.topic} if state.topic else {}
        if state.form.window:
            answers["window"] = state.form.window.value
        if state.form.voicemail is not None:
            answers["voicemail"] = "yes" if state.form.voicemail else "no"
        answers |= {"number": state.form.number} if state.form.number else {}
        answers |= {"crisis": "yes"} if state.crisis_at is not None else {}
        answers |= {"urgent": "yes"} if state.urgent else {}
        if answers:
            same = beside is not None and answers == pack(beside)[-1]
            packed.append(1 if same else answers)
        return packed

    before = None if record.before_last is None else pack(record.before_last, record.state)
    body = [pack(record.state), list(record.ids), before, *record.window]
    return json.dumps(body, separators=(",", ":"))


def test_a_record_carries_its_format_and_reads_back_the_same() -> None:
    record = Record(FULL, ("SMabc123", "x"), State("es", "callback", 0, 6, 0), (1_700_000_000, 2))
    raw = record.encode()
    assert json.loads(raw)[0] == FORMAT == 4
    assert Record.decode(raw, True, "pending") == record
    assert Record.decode(raw, False, "pending").state == replace(FULL, opted_out=False)


def test_the_durable_check_in_wins_over_the_records_and_the_state_before_keeps_its_own() -> None:
    """The check-in lives in a key of its own (a job moves it on): the record's copy is for
    answering a replayed message the way it was answered."""
    record = Record(replace(FULL, checkin=""), ("a",), FULL)
    decoded = Record.decode(record.encode(), True, "asked")
    assert decoded.state.checkin == "asked"
    assert decoded.before_last == FULL


def test_a_record_of_the_second_format_is_read_as_it_was_meant() -> None:
    before = State("en", "find", 0, 2, topic="find")
    record = Record(untimed(FULL) or FULL, ("abc",), before, (1_700_000_000, 3))
    record = replace(record, state=replace(record.state, crisis_at=1, urgent_at=2))
    assert Record.decode(second_format(record), True) == record


FORMS = [CallbackForm(w, v, n) for w in (None, *Window) for v in (None, True, False)
         for n in ("", "+13035550199")]  # fmt: skip
CONTACT_FORMS = [CallbackForm(Window.ANY, None, "", say, name, soon) for say in (None, True, False)
                 for name in ("", "Ana María") for soon in (None, True, False)]  # fmt: skip


@pytest.mark.parametrize("form", CONTACT_FORMS, ids=repr)
def test_the_contact_and_treatment_answers_read_back_the_same(form: CallbackForm) -> None:
    """Appended at the end of a state, they leave older records readable as they were."""
    state = State("en", "callback_treatment", 0, 9, 1, False, "find", form)
    for before in (None, state, State("en", "callback", 0, 8)):
        record = Record(state, ("a",), before, (5, 1))
        assert Record.decode(record.encode(), False) == record


@pytest.mark.parametrize("form", FORMS, ids=repr)
@pytest.mark.parametrize("topic", ["", "find"])
def test_every_answer_reads_back_the_same(form: CallbackForm, topic: str) -> None:
    state = State("en", "callback_voicemail", 0, 9, 1, False, topic, form)
    for before in (None, state, State("en", "callback", 0, 8), State(topic=topic, form=form)):
        record = Record(state, ("a",), before, (5, 1))
        assert Record.decode(record.encode(), False) == record
        assert Record.decode(first_format(record), False) == record


@pytest.mark.parametrize(
    "before",
    [None, State("en", "find", 0, 2, topic="find"), State("en", "main", 0, 1), FULL],
    ids=["none", "same-answers", "other-answers", "full"],
)
def test_a_record_of_the_first_format_is_read_as_it_was_meant(before: State | None) -> None:
    state = State("en", "find", 1, 3, 0, False, "find")
    record = Record(state, ("abc", "defghijk"), before, (1_700_000_000, 3))
    assert Record.decode(first_format(record), False) == replace(
        record, before_last=untimed(before)
    )
    full = Record(FULL, (), before)
    assert Record.decode(first_format(full), True) == Record(untimed(FULL), (), untimed(before))


def test_a_typical_record_is_no_longer_than_in_the_first_format() -> None:
    """The benchmark's SMS conversation, three steps in: the record stays about a hundred bytes."""
    raw = ""
    for body in ["SECOND", "1", "MORE"]:
        record = Record.decode(raw, False)
        outcome = step(FLOWS, record.state, Event(Channel.SMS, text=body))
        raw = Record(outcome.state, ("a" * 8,) * 3, record.state, (1_700_000_000, 3)).encode()
    record = Record.decode(raw, False)
    assert record.state.topic == "doctor"
    assert len(raw) <= len(first_format(record)) <= len(raw) + 16


@pytest.mark.parametrize(
    "raw",
    ['{"s":["en","main",0,1,0,0],"i":["SM1"]}', "[]", "null", "5", '"text"', "not json",
     '[5,["en","main",0,1,0],[],null,0,0]', '[2,["en","main"],[],null,0,0]',
     '[3,["en","main",0,1,0,0,"t",null,null,"",null,null,null,"","x"],[],null,0,0]',
     '[2,["en","main","x",1,0],[],null,0,0]', '[2,["en","main",0,1,0,0,"t","noon"],[],null,0,0]',
     '[["en","main",0,1,0,0,{"window":"noon"}],[],null,0,0]', '[["en","main",0,1,0,0],[],null,0]'],
)  # fmt: skip
@pytest.mark.parametrize("opted_out", [True, False])
def test_a_record_in_an_unknown_format_starts_afresh_keeping_the_opt_out(
    raw: str, opted_out: bool
) -> None:
    assert Record.decode(raw, opted_out) == Record(State(opted_out=opted_out))


def test_a_conversation_saved_by_the_previous_version_goes_on(
    phone: Phone, settings, redis_url: str
) -> None:
    """Mid-way through asking for a call back when the hotline was upgraded: the answers count."""
    for body in ("SECOND", "2", "MENU", "6", "3"):
        phone.text(body)
    r = redis.Redis.from_url(redis_url)
    [key] = r.keys("*:sms")
    answers = {"topic": "find", "window": "evening"}
    state = ["en", "callback_voicemail", 0, 5, 0, 0, answers]
    r.set(key, json.dumps([state, ["x"], ["en", "callback", 0, 4, 0, 0, 1], 0, 0]), ex=3600)
    assert "If someone else answers" in phone.text("2")[0]  # the form's new questions follow
    assert "Last question" in phone.text("2 Ana")[0]
    assert "Your call back request is in" in phone.text("3")[0]
    run_jobs(settings)
    [request] = CallbackQueue(r).waiting(time.time())
    assert (request.topic, request.window, request.voicemail) == ("find", "evening", False)
    assert (request.mention, request.first_name, request.treatment_soon) == (
        "discreet",
        "Ana",
        False,
    )
    assert json.loads(r.get(key))[0] == FORMAT
