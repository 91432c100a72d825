"""Calls as data (truth files tests/transcripts/voice_*.toml), run through the pure engine.

Each file holds `[[turn]]` tables with one event: `call = true` (the call starts), `press = "2"`,
`say = "main menu"` (with an optional `confidence`), `silence = true`, or `dial = "no-answer"` (a
transfer ended with that DialCallStatus). Optional event flags: `office_open`, `can_text` (both
false unless given) and `office_hours`. Checks: `expect` (substrings of the turn's replies joined
by spaces), optional `absent` (substrings that must not be heard), `then` ("gather", "dial" or
"hang_up"), `effects` (["send_text:find"]; none unless given) and `state` (fields of State after
the turn). An optional top-level `[start]` table gives fields of the State the call starts from.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from flows.content import load_flows
from flows.engine import step
from flows.model import Channel, Event, EventKind, Outcome, SendText, State, Then
from flows.validate import VOICE_MAX_SECONDS, spoken_seconds
from flows.voice.prompts import speakable

FLOWS = load_flows()
EN = FLOWS["en"]
FOLDER = Path(__file__).parent / "transcripts"
PATHS = sorted(FOLDER.glob("voice_*.toml"))
EVENT_KEYS = {"call", "press", "say", "silence", "dial"}
TURN_KEYS = EVENT_KEYS | {
    "confidence",
    "office_open",
    "can_text",
    "office_hours",
    "expect",
    "absent",
    "then",
    "effects",
    "state",
}
STATE_FIELDS = {f.name for f in fields(State)}
HOURS = "Monday to Friday, from 9 AM to 7 PM, New York time"
LEAD_IN_SECONDS = (
    6.0  # one short lead-in ("Sorry, that is not one of the choices.") may precede a prompt
)
# A phone number left whole ("800 813") or spoken as letters ("800-813-HOPE", "1-800-4-CANCER").
UNSPEAKABLE = re.compile(r"\d{3}[ -]\d{3}|\bHOPE\b|\bCANCER\b")


def load(path: Path) -> dict[str, Any]:
    """One transcript: its turns and optional start state."""
    with path.open("rb") as f:
        return tomllib.load(f)


def event_of(turn: dict[str, Any]) -> Event:
    """The call event one turn describes."""
    flags = {
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
    return ", ".join(f"{k}={turn[k]!r}" for k in EVENT_KEYS if k in turn)


def check_turn(where: str, turn: dict[str, Any], outcome: Outcome) -> None:
    """Check one turn's outcome against what the transcript expects of it."""
    said = " ".join(outcome.replies)
    assert outcome.replies and all(r.strip() for r in outcome.replies), f"{where}: silent step"
    for part in turn["expect"]:
        assert part in said, f"{where}: {part!r} not heard in:\n{said}"
    for part in turn.get("absent", []):
        assert part not in said, f"{where}: {part!r} heard in:\n{said}"
    assert not UNSPEAKABLE.search(said), f"{where}: a number is not spelled out:\n{said}"
    if "then" in turn:
        assert outcome.then is Then(turn["then"]), f"{where}: then is {outcome.then}"
    effects = [
        f"send_text:{e.node}" if isinstance(e, SendText) else "request_callback:"
        for e in outcome.effects
    ]
    assert effects == turn.get("effects", []), f"{where}: effects {effects}"
    for name, value in turn.get("state", {}).items():
        assert getattr(outcome.state, name) == value, (
            f"{where}: state.{name} is {getattr(outcome.state, name)!r}"
        )
    if outcome.then is Then.GATHER:
        seconds = spoken_seconds(said)
        assert seconds <= VOICE_MAX_SECONDS + LEAD_IN_SECONDS, f"{where}: {seconds:.0f} s:\n{said}"


def play(path: Path) -> list[Outcome]:
    """Run one transcript, checking every turn; every outcome, in order."""
    data = load(path)
    state = State(**data.get("start", {}))
    outcomes: list[Outcome] = []
    for number, turn in enumerate(data["turn"], start=1):
        where = f"{path.name} turn {number} ({describe(turn)})"
        assert not outcomes or outcomes[-1].then is not Then.HANG_UP, f"{where}: after hang-up"
        outcome = step(FLOWS, state, event_of(turn))
        check_turn(where, turn, outcome)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def test_there_are_voice_transcripts() -> None:
    names = {p.stem for p in PATHS}
    assert {
        "voice_full_listen",
        "voice_lost_caller",
        "voice_social_worker",
        "voice_press_nine",
        "voice_press_nine_opted_out",
        "voice_speech",
        "voice_crisis",
    } <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_voice_transcript_is_well_formed(path: Path) -> None:
    data = load(path)
    assert set(data) <= {"turn", "start"}, path.name
    assert set(data.get("start", {})) <= STATE_FIELDS, path.name
    turns = data["turn"]
    assert turns and turns[0].get("call") is True, f"{path.name}: a call starts with call = true"
    for number, turn in enumerate(turns, start=1):
        where = f"{path.name} turn {number}"
        assert len(set(turn) & EVENT_KEYS) == 1, f"{where}: one of {sorted(EVENT_KEYS)}"
        assert "expect" in turn and set(turn) <= TURN_KEYS, f"{where}: {sorted(turn)}"
        assert isinstance(turn["expect"], list) and turn["expect"], f"{where}: expect nothing?"
        assert "confidence" not in turn or "say" in turn, f"{where}: confidence without say"
        assert turn.get("then", "gather") in {t.value for t in Then}, where
        assert set(turn.get("state", {})) <= STATE_FIELDS, where


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_voice_transcript(path: Path) -> None:
    assert play(path)


def test_full_listen_hears_every_page_within_budget() -> None:
    """Every voice page of every part is heard; each prompt fits 45 s; print the whole listen's length."""
    outcomes = play(FOLDER / "voice_full_listen.toml")
    replies = [r for o in outcomes for r in o.replies]
    heard = " ".join(replies)
    unheard = [
        f"{node.id}[{page}]"
        for node in EN.nodes.values()
        for page, text in enumerate(node.voice)
        if speakable(text) not in heard
    ]
    assert unheard == []
    for outcome in outcomes:
        if outcome.then is Then.GATHER:
            assert spoken_seconds(" ".join(outcome.replies)) <= VOICE_MAX_SECONDS + LEAD_IN_SECONDS
    total = sum(spoken_seconds(r) for r in replies)
    print(
        f"\nHearing the whole fact sheet by phone: {len(outcomes)} steps,"
        f" {total:.0f} s spoken ({total / 60:.1f} min)"
    )
    assert total > sum(spoken_seconds(t) for n in EN.nodes.values() for t in n.voice)
