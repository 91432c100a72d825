"""Conversations as data (truth files in tests/scenarios/transcripts/), run through the pure engine.

One runner for every channel; a file's name says which: `voice_*.toml` are calls,
`whatsapp_*.toml` WhatsApp conversations, the rest SMS.

A text transcript holds `[[turn]]` tables: `send` (the text), `expect` (substrings the one reply
must contain; `[]` means no reply at all), optional `opt_out_type` (Twilio's OptOutType),
optional `checkin` (the check-in stage the host holds when the text arrives: "asked" once the
check-in was sent), optional `effects` (["schedule_checkin", "tally:checkin_offered",
"request_callback:"]; not checked unless given) and optional `state` (fields of State to check
after the turn).

A call transcript holds `[[turn]]` tables with one event: `call = true` (the call starts),
`press = "2"`, `say = "main menu"` (with an optional `confidence`), `silence = true`, or
`dial = "no-answer"` (a transfer ended with that DialCallStatus). Optional event flags:
`office_open`, `can_text` (both false unless given), `office_hours` and `minute` (the clock, in
minutes from the start; 0 unless given; texts take it too). Checks: `expect`
(substrings of the turn's replies joined by spaces), optional `absent` (substrings that must not
be heard), `then` ("gather", "dial" or "hang_up"), `effects` (["send_text:find"]; none unless
given) and `state` (fields of State after the turn). An optional top-level `[start]` table gives
fields of the State the call starts from.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pytest

from flows.engine import step
from flows.model import (
    Channel,
    Event,
    EventKind,
    Flows,
    Outcome,
    RequestCallback,
    ScheduleCheckin,
    SendText,
    State,
    Tally,
    Then,
)
from flows.segments import measure
from flows.validate import VOICE_MAX_SECONDS, spoken_seconds
from flows.voice.prompts import speakable

FOLDER = Path(__file__).parent / "transcripts"
PATHS = sorted(FOLDER.glob("*.toml"))
STATE_FIELDS = {f.name for f in fields(State)}

SMS_TURN_KEYS = {"send", "expect", "state", "opt_out_type", "minute", "checkin", "effects"}
SMS_MAX_SEGMENTS = 2
WHATSAPP_MAX = 1600
# What reading every page of the fact sheet may cost, in SMS segments; it costs 42 today.
FULL_READING_BUDGET = 45

VOICE_EVENT_KEYS = {"call", "press", "say", "silence", "dial"}
VOICE_TURN_KEYS = VOICE_EVENT_KEYS | {
    "confidence", "office_open", "can_text", "office_hours", "minute", "expect", "absent", "then",
    "effects", "state",
}  # fmt: skip
HOURS = "Monday to Friday, from 9 AM to 7 PM, New York time"
# One short lead-in ("Sorry, that is not one of the choices.") may precede a prompt.
LEAD_IN_SECONDS = 6.0
# A phone number left whole ("800 813") or spoken as letters ("800-813-HOPE", "1-800-4-CANCER").
UNSPEAKABLE = re.compile(r"\d{3}[ -]\d{3}|\bHOPE\b|\bCANCER\b")


@dataclass(frozen=True)
class Transcript:
    """One truth file: its channel, the state it starts from, and its turns."""

    path: Path
    channel: Channel
    start: dict[str, Any]
    turns: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> Transcript:
        with path.open("rb") as f:
            data = tomllib.load(f)
        channel = Channel.SMS
        for prefix, named in (("voice_", Channel.VOICE), ("whatsapp_", Channel.WHATSAPP)):
            channel = named if path.name.startswith(prefix) else channel
        return cls(path, channel, data.get("start", {}), data["turn"])


def event_of(channel: Channel, turn: dict[str, Any]) -> Event:
    """The event one turn describes, at its `minute` (0 unless given)."""
    now = 60 * turn.get("minute", 0)
    if channel.texted:
        opt_out = turn.get("opt_out_type", "")
        return Event(channel, text=turn["send"], opt_out_type=opt_out, now=now)
    flags = {
        "now": now,
        "can_text": turn.get("can_text", False),
        "office_open": turn.get("office_open", False),
        "office_hours": turn.get("office_hours", HOURS),
    }
    if turn.get("call"):
        return Event(Channel.VOICE, kind=EventKind.CALL, **flags)
    if turn.get("silence"):
        return Event(Channel.VOICE, kind=EventKind.SILENCE, **flags)
    if "dial" in turn:
        return Event(Channel.VOICE, kind=EventKind.DIAL_ENDED, dial_status=turn["dial"], **flags)
    if "press" in turn:
        return Event(Channel.VOICE, digits=turn["press"], **flags)
    return Event(Channel.VOICE, text=turn["say"], confidence=turn.get("confidence", 0.9), **flags)


def describe(turn: dict[str, Any]) -> str:
    """A turn's event in a few words, for failure messages."""
    return ", ".join(f"{k}={turn[k]!r}" for k in ("send", *VOICE_EVENT_KEYS) if k in turn)


def effect_names(outcome: Outcome) -> list[str]:
    """The outcome's effects as transcripts name them."""
    named = []
    for e in outcome.effects:
        match e:
            case SendText(node):
                named.append(f"send_text:{node}")
            case RequestCallback():
                named.append("request_callback:")
            case ScheduleCheckin():
                named.append("schedule_checkin")
            case Tally(what):
                named.append(f"tally:{what}")
    return named


def check_text_turn(where: str, turn: dict[str, Any], outcome: Outcome) -> None:
    """One reply containing every `expect`ed part, or none at all for `expect = []`."""
    if "effects" in turn:
        assert effect_names(outcome) == turn["effects"], f"{where}: {effect_names(outcome)}"
    if not turn["expect"]:
        assert outcome.replies == (), f"{where}: expected no reply"
        return
    assert len(outcome.replies) == 1, f"{where}: expected one reply, got {outcome.replies}"
    [reply] = outcome.replies
    for part in turn["expect"]:
        assert part in reply, f"{where}: {part!r} not in reply:\n{reply}"


def check_call_turn(where: str, turn: dict[str, Any], outcome: Outcome) -> None:
    """Everything `expect`ed heard, nothing `absent`, numbers spelled out, `then` and `effects`."""
    said = " ".join(outcome.replies)
    assert outcome.replies and all(r.strip() for r in outcome.replies), f"{where}: silent step"
    for part in turn["expect"]:
        assert part in said, f"{where}: {part!r} not heard in:\n{said}"
    for part in turn.get("absent", []):
        assert part not in said, f"{where}: {part!r} heard in:\n{said}"
    assert not UNSPEAKABLE.search(said), f"{where}: a number is not spelled out:\n{said}"
    if "then" in turn:
        assert outcome.then is Then(turn["then"]), f"{where}: then is {outcome.then}"
    effects = effect_names(outcome)
    assert effects == turn.get("effects", []), f"{where}: effects {effects}"
    if outcome.then is Then.GATHER:
        seconds = spoken_seconds(said)
        assert seconds <= VOICE_MAX_SECONDS + LEAD_IN_SECONDS, f"{where}: {seconds:.0f} s:\n{said}"


def play(flows: Flows, transcript: Transcript) -> list[Outcome]:
    """Run one transcript from its start state, checking every turn; every outcome, in order."""
    state = State(**transcript.start)
    outcomes: list[Outcome] = []
    check = check_text_turn if transcript.channel.texted else check_call_turn
    for number, turn in enumerate(transcript.turns, start=1):
        where = f"{transcript.path.name} turn {number} ({describe(turn)})"
        assert not outcomes or outcomes[-1].then is not Then.HANG_UP, f"{where}: after hang-up"
        if "checkin" in turn:  # the host's check-in key, as the job that sent it left it
            state = replace(state, checkin=turn["checkin"])
        outcome = step(flows, state, event_of(transcript.channel, turn))
        check(where, turn, outcome)
        for name, value in turn.get("state", {}).items():
            assert getattr(outcome.state, name) == value, (
                f"{where}: state.{name} is {getattr(outcome.state, name)!r}"
            )
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def replies(outcomes: list[Outcome]) -> list[str]:
    return [r for o in outcomes for r in o.replies]


def test_there_are_transcripts_for_both_channels() -> None:
    """(Was two tests, one per channel.)"""
    assert {p.stem for p in PATHS} >= {
        "whole_fact_sheet", "typo_start", "stop_help_start", "lost_and_recovering",
        "paging_with_back", "languages",
        "voice_full_listen", "voice_lost_caller", "voice_social_worker", "voice_press_nine",
        "voice_press_nine_opted_out", "voice_speech", "voice_crisis",
    }  # fmt: skip


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_transcript_is_well_formed(path: Path) -> None:
    with path.open("rb") as f:
        assert set(tomllib.load(f)) <= {"turn", "start"}, path.name
    transcript = Transcript.load(path)
    assert transcript.turns, path.name
    assert set(transcript.start) <= STATE_FIELDS, path.name
    if transcript.channel.texted:
        assert not transcript.start, f"{path.name}: a text conversation starts afresh"
    else:
        first = transcript.turns[0]
        assert first.get("call") is True, f"{path.name}: a call starts with call = true"
    for number, turn in enumerate(transcript.turns, start=1):
        where = f"{path.name} turn {number}"
        assert set(turn.get("state", {})) <= STATE_FIELDS, where
        assert isinstance(turn.get("expect"), list), f"{where}: expect is a list"
        if transcript.channel.texted:
            assert {"send", "expect"} <= set(turn) <= SMS_TURN_KEYS, f"{where}: {set(turn)}"
            assert isinstance(turn["send"], str), where
        else:
            assert len(set(turn) & VOICE_EVENT_KEYS) == 1, (
                f"{where}: one of {sorted(VOICE_EVENT_KEYS)}"
            )
            assert set(turn) <= VOICE_TURN_KEYS, f"{where}: {sorted(turn)}"
            assert turn["expect"], f"{where}: expect nothing?"
            assert "confidence" not in turn or "say" in turn, f"{where}: confidence without say"
            assert turn.get("then", "gather") in {t.value for t in Then}, where


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_transcript(flows: Flows, path: Path) -> None:
    """Every turn as the file says; every text GSM-7 in at most two segments."""
    transcript = Transcript.load(path)
    outcomes = play(flows, transcript)
    assert len(outcomes) == len(transcript.turns)
    if transcript.channel is Channel.SMS:
        for reply in replies(outcomes):
            m = measure(reply)
            assert m.is_gsm7 and m.segments <= SMS_MAX_SEGMENTS, f"{path.name}: {m}\n{reply}"
    if transcript.channel is Channel.WHATSAPP:
        assert all(len(r) <= WHATSAPP_MAX for r in replies(outcomes)), path.name


def test_whole_fact_sheet_is_read_within_budget(flows: Flows) -> None:
    """Every page of every part is read, each reply is GSM-7 in at most 2 segments; print the cost."""
    read = replies(play(flows, Transcript.load(FOLDER / "whole_fact_sheet.toml")))
    measures = [measure(r) for r in read]
    for reply, m in zip(read, measures, strict=True):
        assert m.encoding == "GSM-7" and m.segments <= SMS_MAX_SEGMENTS, f"{m}\n{reply}"
    unread = [
        f"{n.id}[{i}]"
        for n in flows["en"].nodes.values()
        for i, page in enumerate(n.sms)
        if not any(page in r for r in read)
    ]
    assert unread == []
    total = sum(m.segments for m in measures)
    print(f"\nReading the whole fact sheet by SMS: {len(read)} replies, {total} segments")
    assert len(read) <= total <= FULL_READING_BUDGET


def test_full_listen_hears_every_page_within_budget(flows: Flows) -> None:
    """Every voice page of every part is heard; each prompt fits 45 s; print the whole listen's length."""
    outcomes = play(flows, Transcript.load(FOLDER / "voice_full_listen.toml"))
    heard = " ".join(replies(outcomes))
    en = flows["en"]
    unheard = [
        f"{node.id}[{page}]"
        for node in en.nodes.values()
        for page, text in enumerate(node.voice)
        if speakable(text) not in heard
    ]
    assert unheard == []
    for outcome in outcomes:
        if outcome.then is Then.GATHER:
            assert spoken_seconds(" ".join(outcome.replies)) <= VOICE_MAX_SECONDS + LEAD_IN_SECONDS
    total = sum(spoken_seconds(r) for r in replies(outcomes))
    print(
        f"\nHearing the whole fact sheet by phone: {len(outcomes)} steps,"
        f" {total:.0f} s spoken ({total / 60:.1f} min)"
    )
    assert total > sum(spoken_seconds(t) for n in en.nodes.values() for t in n.voice)
