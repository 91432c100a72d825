"""The crisis corpus (tests/flows/data/crisis): every crisis phrasing heard, by text and by speech, on the
tuning part and on the held-out part; ordinary messages flagged at most 2% of the time.

The figures, for docs: `.venv/bin/python tests/test_crisis_corpus.py`, or this file with pytest -s.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.content import load_flows
from flows.crisis import crisis_bank, forget_words, is_crisis
from flows.engine import step
from flows.languages import everyones
from flows.model import Channel, Event, State

CORPUS_DIR = Path(__file__).parent / "data" / "crisis"
LANGS = ("en", "es")
PARTS = ("tune", "held_out")
FLAGGED_ON_PURPOSE = "idiom_flagged"  # ordinary messages the bank flags by choice
MAX_FALSE_POSITIVES = 0.02
FLOWS = load_flows()
BANK = crisis_bank(everyones(FLOWS, "crisis"), everyones(FLOWS, "not_crisis"))


def as_spoken(text: str) -> str:
    """A written line as Twilio's speech recognition returns it: lower case, no punctuation."""
    return " ".join(re.sub(r"[^\w\s]", "", text.replace("’", "").replace("'", "")).lower().split())


CHANNELS: dict[str, Callable[[str], str]] = {"sms": str, "voice": as_spoken}


def lines(lang: str, section: str, part: str) -> list[tuple[str, str]]:
    """(kind, line) of one section ("crisis" or "ordinary") and part of a language's corpus."""
    with (CORPUS_DIR / f"{lang}.toml").open("rb") as f:
        kinds = tomllib.load(f)[section]
    return [(kind, line) for kind, parts in kinds.items() for line in parts[part]]


def flagged(lang: str, section: str, part: str, channel: str) -> list[tuple[str, str]]:
    """The lines of a corpus part that get the safety answer on this channel."""
    said = CHANNELS[channel]
    return [(k, line) for k, line in lines(lang, section, part) if is_crisis(said(line), BANK)]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_crisis_phrasing_is_heard(lang: str, part: str, channel: str) -> None:
    said = CHANNELS[channel]
    missed = [line for _, line in lines(lang, "crisis", part) if not is_crisis(said(line), BANK)]
    assert not missed


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("lang", LANGS)
def test_ordinary_messages_rarely_get_the_safety_answer(lang: str, part: str, channel: str) -> None:
    ordinary = lines(lang, "ordinary", part)
    wrong = flagged(lang, "ordinary", part, channel)
    assert [line for kind, line in wrong if kind != FLAGGED_ON_PURPOSE] == []
    assert {line for kind, line in ordinary if kind == FLAGGED_ON_PURPOSE} == {
        line for _, line in wrong
    }
    assert len(wrong) / len(ordinary) <= MAX_FALSE_POSITIVES


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.VOICE])
@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "I'm thinking of ending my life"), ("es", "Estoy pensando en quitarme la vida")],
)
def test_the_safety_answer_reaches_texters_and_callers(
    lang: str, text: str, channel: Channel
) -> None:
    said = text if channel is Channel.SMS else as_spoken(text)
    outcome = step(FLOWS, State(lang=lang, node="main"), Event(channel, text=said))
    name = "crisis" if channel is Channel.SMS else "voice_crisis"
    assert FLOWS[lang].text(name) in outcome.replies[0]


def report() -> str:
    """Recall and false-positive rate per language, channel and part, and the time per message."""
    rows = ["lang channel part      recall            false positives"]
    for lang in LANGS:
        for channel in CHANNELS:
            for part in PARTS:
                crisis, ordinary = lines(lang, "crisis", part), lines(lang, "ordinary", part)
                heard = len(flagged(lang, "crisis", part, channel))
                wrong = len(flagged(lang, "ordinary", part, channel))
                rows.append(
                    f"{lang:4} {channel:7} {part:9} {heard:3}/{len(crisis):3} {heard / len(crisis):6.1%}"
                    f"    {wrong:2}/{len(ordinary):3} {wrong / len(ordinary):5.1%}"
                )
    return "\n".join([*rows, *timings()])


def timings() -> list[str]:
    """Microseconds per message: words seen before (warm caches) and never seen (cold)."""
    short = "Hi, can someone call me back about a second opinion for my mom"  # 60-odd chars
    long = ("My oncologist wants to start chemo next week and I have so many questions. " * 14)[
        :1000
    ]
    found = []
    for name, text in (("60-char", short), ("1000-char", long)):
        for cold in (False, True):
            runs, started = 200, time.perf_counter()
            for _ in range(runs):
                if cold:
                    forget_words()
                is_crisis(text, BANK)
            micro = (time.perf_counter() - started) / runs * 1e6
            found.append(
                f"{name} message ({len(text)} chars), {'cold' if cold else 'warm'}: {micro:,.0f} µs"
            )
    return found


def test_the_report_has_every_figure() -> None:
    table = report()
    print("\n" + table)
    assert table.count("%") == 2 * len(LANGS) * len(CHANNELS) * len(PARTS)


if __name__ == "__main__":
    print(report())
