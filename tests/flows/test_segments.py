"""flows.segments against vectors from Twilio's segment calculator, plus properties."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.segments import GSM7_BASIC, GSM7_EXTENSION, measure, non_gsm_positions

VECTORS = json.loads((Path(__file__).parent / "data" / "sms_segment_vectors.json").read_bytes())
# Only smart_encoding=false cases: measure() does not emulate Smart Encoding, since the hotline
# budgets without it (it is a Messaging Service setting we must not count on).
CASES = [c for c in VECTORS["cases"] if not c["smart_encoding"]]


def test_vectors_cover_every_plain_case() -> None:
    assert len(CASES) == 28 and len(VECTORS["cases"]) == 56


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_calculator(case: dict) -> None:
    m = measure(case["text"])
    assert m.encoding == case["encoding"]
    assert m.segments == case["segments"]
    assert m.characters == case["characters"]
    assert list(m.non_gsm) == case["non_gsm"]
    assert list(m.per_segment) == case["per_segment_chars"]
    assert m.is_gsm7 == (case["encoding"] == "GSM-7")


def test_alphabet_sizes() -> None:
    assert len(GSM7_BASIC) == 127 and len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION
    assert "`" not in GSM7_BASIC | GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "gsm7"),
    [("¿Qué tal? Niño, ¡señor! Über àèìòù Ç", True), ("Información", False), ("ç", False)],
)
def test_spanish(text: str, gsm7: bool) -> None:
    assert measure(text).is_gsm7 is gsm7


def test_non_gsm_positions() -> None:
    assert non_gsm_positions("Cómo estás 👍") == [(1, "ó"), (8, "á"), (11, "👍")]
    assert non_gsm_positions("{€}") == []


@pytest.mark.parametrize(
    ("text", "characters", "non_gsm"),
    [
        ("🇪🇸🇲🇽", 2, ("🇪🇸", "🇲🇽")),  # regional-indicator pairs
        ("👍🏽 ok", 4, ("👍🏽",)),  # emoji modifier stays with its base
        ("1\ufe0f\u20e3", 1, ("1\ufe0f\u20e3",)),  # keycap sequence
        ("e\u0301", 1, ("e\u0301",)),  # decomposed accent: one cluster, not GSM-7
        ("\u1100\u1161\u11a8", 1, ("\u1100\u1161\u11a8",)),  # conjoining Hangul jamo
        ("a\r\n\u0301", 4, ("\u0301",)),  # controls never join
    ],
)
def test_grapheme_clusters(text: str, characters: int, non_gsm: tuple[str, ...]) -> None:
    m = measure(text)
    assert (m.encoding, m.characters, m.non_gsm) == ("UCS-2", characters, non_gsm)


def test_emoji_never_split() -> None:
    m = measure("a" + "😀" * 40)  # 81 UTF-16 units: 67 per segment would split a surrogate pair
    assert m.per_segment == (34, 7)


@given(st.text())
def test_gsm7_iff_no_positions(text: str) -> None:
    assert measure(text).is_gsm7 == (not non_gsm_positions(text))


@given(st.text(alphabet=sorted(GSM7_BASIC), max_size=2000))
def test_gsm7_basic_formula(text: str) -> None:
    n = len(text)
    assert measure(text).segments == (1 if n <= 160 else math.ceil(n / 153))


@given(st.text(alphabet="жñ€a", min_size=1, max_size=1000).filter(lambda t: "ж" in t))
def test_ucs2_bmp_formula(text: str) -> None:
    n = len(text)
    m = measure(text)
    assert (m.encoding, m.characters) == ("UCS-2", n)
    assert m.segments == (1 if n <= 70 else math.ceil(n / 67))
    assert sum(m.per_segment) == n
