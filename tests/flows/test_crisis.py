"""The crisis matcher's pieces: words, stems, contractions, typos, run-together words, gaps, sayings."""

from __future__ import annotations

import shutil
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flows.content import CONTENT_DIR, load_flows
from flows.crisis import (
    KINDS,
    MAX_READ,
    crisis_bank,
    crisis_keywords,
    forget_words,
    is_crisis,
    words,
)
from flows.languages import everyones
from flows.validate import ContentError


def heard(text: str, *phrases: str, ordinary: tuple[str, ...] = ()) -> bool:
    """Whether a bank of just these phrases (and ordinary sayings) hears `text`."""
    return is_crisis(text, crisis_bank(frozenset(phrases), frozenset(ordinary)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm  SUICIDAL!", ("i", "am", "suicidal")),
        ("I’m done", ("i", "am", "done")),
        ("Im done", ("i", "am", "done")),
        ("can't, cant, can’t, cannot", ("can", "not") * 4),
        ("dont wont", ("do", "not", "will", "not")),
        ("i wanna kms", ("i", "want", "to", "kill", "myself")),
        ("Estarían mejor sin mí", ("estarian", "mejor", "sin", "mi")),
        ("quiero matarme", ("quiero", "matar", "me")),
        ("q ganas de morirme", ("que", "ganas", "de", "morir", "me")),
        ("self-harm", ("self", "harm")),
    ],
)
def test_words_are_spelled_out(text: str, expected: tuple[str, ...]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I keep thinking about ending my life", "end my life"),
        ("killed myself", "kill myself"),
        ("I'm dying", "i am dying"),
        ("sigo pensando en suicidarme", "suicidarme"),
        ("me estoy muriendo", "me estoy muriendo"),
        ("estarían mejor sin mí", "mejor sin mi"),
    ],
)
def test_other_forms_of_the_words_match(text: str, phrase: str) -> None:
    assert heard(text, phrase)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("thinking about suicde", "suicide"),
        ("sucide", "suicide"),
        ("suicdie", "suicide"),
        ("I want to kil myself", "kill myself"),
        ("chest pian", "chest pain"),
        ("thinkin about killin myself", "kill myself"),
        ("dolor de pexo", "dolor de pecho"),
        ("ya no kiero bibir", "no quiero vivir"),
    ],
)
def test_a_typo_is_forgiven(text: str, phrase: str) -> None:
    assert heard(text, phrase)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I want to diet", "want to die"),
        ("what skills does a social worker have", "kill"),
        ("suicide", "uicide"),  # never the first letter
        ("i want to dye my hair", "want to die"),
        ("una pregunta", "unalive"),
    ],
)
def test_other_words_are_not_typos(text: str, phrase: str) -> None:
    assert not heard(text, phrase)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("killmyself", "kill myself"),
        ("I want to killmyself", "kill myself"),
        ("kill my self", "kill myself"),
        ("selfharm", "self harm"),
        ("self harm", "selfharm"),
        ("cantbreathe", "can not breathe"),
        ("mequieromatar", "me quiero matar"),
        ("pienso en el sui cidio", "suicidio"),
    ],
)
def test_words_run_together_or_split_are_found(text: str, phrase: str) -> None:
    assert heard(text, phrase)


def test_dots_allow_a_few_words_in_between_and_no_more() -> None:
    assert heard("I want to die", "want to ... die")
    assert heard("I want to just fucking die", "want to ... die")
    assert not heard("I want to know if I will die", "want to ... die")
    assert not heard("I want to just die", "want to die")
    assert not heard("no puedo pagar más", "no puedo mas")


def test_ordinary_sayings_hide_only_their_own_words() -> None:
    assert not heard("I'm dying to know my results", "i am dying", ordinary=("dying to know",))
    assert heard("I'm dying", "i am dying", ordinary=("dying to know",))
    assert heard(
        "I'm dying to know, and I want to die",
        "i am dying",
        "want to die",
        ordinary=("dying to know",),
    )
    assert not heard("me mata la espera", "me mato", ordinary=("me mata",))
    assert heard("me mato", "me mato", ordinary=("me mata",))


def test_only_the_first_characters_are_read() -> None:
    padding = "x " * ((MAX_READ - 20) // 2)
    assert heard(padding + "suicide", "suicide")
    assert not heard(padding + "a" * 30 + " suicide", "suicide")


def test_odd_input_is_no_crisis_and_no_error() -> None:
    bank = crisis_bank(frozenset({"...", "", "  ", "suicide"}))
    for text in ("", " ", "...", "😀", "\u0000", "ｓｕｉｃｉｄｅ", "a" * 20_000, "sui" * 400):
        assert is_crisis(text, bank) in (True, False)
    assert is_crisis("ｓｕｉｃｉｄｅ", bank)


def test_a_bank_is_built_once_per_keyword_set() -> None:
    flows = load_flows()
    a = crisis_bank(everyones(flows, "crisis"), everyones(flows, "not_crisis"))
    assert crisis_bank(everyones(flows, "crisis"), everyones(flows, "not_crisis")) is a


def test_both_languages_banks_come_from_the_content_files() -> None:
    flows = load_flows()
    for lang in ("en", "es"):
        with (CONTENT_DIR / f"{lang}.toml").open("rb") as f:
            table = tomllib.load(f)["crisis"]
        phrases = {p.upper() for kind in KINDS for p in table[kind]}
        assert phrases <= flows[lang].keywords["crisis"]
        assert {p.upper() for p in table["ordinary"]} == flows[lang].keywords["not_crisis"]
    bank = crisis_bank(everyones(flows, "crisis"), everyones(flows, "not_crisis"))
    assert is_crisis("quiero quitarme la vida", bank) and is_crisis("I want to end my life", bank)


@pytest.mark.parametrize(
    "table",
    [
        None,
        {},
        {**{k: ["x"] for k in KINDS}},  # no ordinary list
        {**{k: ["x"] for k in KINDS}, "ordinary": [], "other": ["x"]},
        {**{k: ["x"] for k in KINDS}, "direct": [], "ordinary": []},
        {**{k: ["x"] for k in KINDS}, "direct": "suicide", "ordinary": []},
        {**{k: ["x"] for k in KINDS}, "direct": ["suicide", ""], "ordinary": []},
        {**{k: ["x"] for k in KINDS}, "direct": ["... die"], "ordinary": []},
        {**{k: ["x"] for k in KINDS}, "direct": ["want ... ... die"], "ordinary": []},
        {**{k: ["x"] for k in KINDS}, "direct": [7], "ordinary": []},
        {**{k: ["x"] for k in KINDS}, "ordinary": ["!!"]},
    ],
)
def test_an_empty_or_malformed_bank_is_refused(table: object) -> None:
    with pytest.raises(TypeError):
        crisis_keywords({"crisis": ["SUICIDE"]}, table)


def test_content_with_a_broken_bank_does_not_load(tmp_path: Path) -> None:
    for name in ("en.toml", "es.toml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    broken = tmp_path / "en.toml"
    text = broken.read_text()
    broken.write_text(
        text[: text.index("\ndirect = [")]
        + "\ndirect = []"
        + text[text.index("\n]", text.index("\ndirect = [")) + 2 :]
    )
    with pytest.raises(ContentError, match="crisis.direct"):
        load_flows(tmp_path)


def test_many_threads_at_once_hear_the_same_as_one() -> None:
    """A Snowball stemmer keeps the word it works on in itself: gunicorn's threads share it."""
    bank = crisis_bank(frozenset({"end my life", "kill myself"}))
    messages = [f"I want to end my life {word}" for word in words(" ".join(LONG_WORDS))]
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns every few bytecodes, as under load
    try:
        for _ in range(5):
            forget_words()
            with ThreadPoolExecutor(max_workers=8) as pool:
                heard_all = list(pool.map(lambda m: is_crisis(m, bank), messages * 4))
            assert heard_all == [True] * len(messages) * 4
    finally:
        sys.setswitchinterval(switching)


LONG_WORDS = [
    "appointments",
    "biopsies",
    "chemotherapies",
    "consultations",
    "diagnoses",
    "endocrinologists",
    "hospitalisations",
    "immunotherapies",
    "mammographies",
    "oncologists",
    "pathologists",
    "radiotherapies",
    "recommendations",
    "specialists",
    "surgeries",
    "transportation",
    "understandings",
    "vaccinations",
    "wonderfully",
    "yesterdays",
    "citas",
    "biopsias",
    "quimioterapias",
    "consultas",
    "diagnósticos",
    "oncólogos",
    "patólogos",
    "radioterapias",
    "recomendaciones",
    "especialistas",
    "cirugías",
    "transportes",
]
