"""Conversations as data (truth files in tests/transcripts/), run through the pure engine.

Each file holds `[[turn]]` tables: `send` (the text), `expect` (substrings the one reply must
contain; `[]` means no reply at all), optional `opt_out_type` (Twilio's OptOutType) and optional
`state` (fields of State to check after the turn).
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from flows.content import load_flows
from flows.engine import step
from flows.model import Channel, Event, State
from flows.segments import measure

FLOWS = load_flows()
FOLDER = Path(__file__).parent / "transcripts"
PATHS = sorted(p for p in FOLDER.glob("*.toml") if not p.name.startswith("voice_"))
TURN_KEYS = {"send", "expect", "state", "opt_out_type"}
STATE_FIELDS = {f.name for f in fields(State)}
SMS_MAX_SEGMENTS = 2
# What reading every page of the fact sheet may cost, in SMS segments; it costs 42 today.
FULL_READING_BUDGET = 45


def load(path: Path) -> list[dict[str, Any]]:
    """The turns of one transcript."""
    with path.open("rb") as f:
        return tomllib.load(f)["turn"]


def play(path: Path) -> list[str]:
    """Run one transcript from a new conversation, checking every turn; return all replies."""
    state = State()
    replies: list[str] = []
    for number, turn in enumerate(load(path), start=1):
        where = f"{path.name} turn {number} ({turn['send']!r})"
        event = Event(Channel.SMS, text=turn["send"], opt_out_type=turn.get("opt_out_type", ""))
        outcome = step(FLOWS, state, event)
        state = outcome.state
        if not turn["expect"]:
            assert outcome.replies == (), f"{where}: expected no reply"
        else:
            assert len(outcome.replies) == 1, f"{where}: expected one reply, got {outcome.replies}"
            [reply] = outcome.replies
            for part in turn["expect"]:
                assert part in reply, f"{where}: {part!r} not in reply:\n{reply}"
        for name, value in turn.get("state", {}).items():
            assert getattr(state, name) == value, (
                f"{where}: state.{name} is {getattr(state, name)!r}"
            )
        replies += outcome.replies
    return replies


def test_there_are_transcripts() -> None:
    names = {p.stem for p in PATHS}
    assert {
        "whole_fact_sheet",
        "typo_start",
        "stop_help_start",
        "lost_and_recovering",
        "paging_with_back",
        "languages",
    } <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_transcript_is_well_formed(path: Path) -> None:
    turns = load(path)
    assert turns, path.name
    for number, turn in enumerate(turns, start=1):
        assert {"send", "expect"} <= set(turn) <= TURN_KEYS, (
            f"{path.name} turn {number}: {set(turn)}"
        )
        assert isinstance(turn["send"], str) and isinstance(turn["expect"], list)
        assert set(turn.get("state", {})) <= STATE_FIELDS, f"{path.name} turn {number}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_transcript(path: Path) -> None:
    for reply in play(path):
        m = measure(reply)
        assert m.is_gsm7 and m.segments <= SMS_MAX_SEGMENTS, f"{path.name}: {m}\n{reply}"


def test_whole_fact_sheet_is_read_within_budget() -> None:
    """Every page of every part is read, each reply is GSM-7 in at most 2 segments; print the cost."""
    replies = play(FOLDER / "whole_fact_sheet.toml")
    measures = [measure(r) for r in replies]
    for reply, m in zip(replies, measures, strict=True):
        assert m.encoding == "GSM-7" and m.segments <= SMS_MAX_SEGMENTS, f"{m}\n{reply}"
    flow = FLOWS["en"]
    unread = [
        f"{n.id}[{i}]"
        for n in flow.nodes.values()
        for i, page in enumerate(n.sms)
        if not any(page in r for r in replies)
    ]
    assert unread == []
    total = sum(m.segments for m in measures)
    print(f"\nReading the whole fact sheet by SMS: {len(replies)} replies, {total} segments")
    assert len(replies) <= total <= FULL_READING_BUDGET
