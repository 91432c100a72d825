"""flows.text: normalising what people type, one-typo matching, and the command a text carries."""

from __future__ import annotations

import pytest

from flows.content import load_flows
from flows.text import MAX_READ, OPT_IN, OPT_OUT, Command, choice, classify, near, normalise

KEYWORDS = load_flows()["en"].keywords
START = KEYWORDS["start"]
WORDS = dict(KEYWORDS)


def command(text: str) -> Command:
    """What the shipped English keywords make of `text`."""
    return classify(text, START, WORDS)


# normalise ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" Señor,  secnd!! ", "SENOR SECND"),
        ("stop", "STOP"),
        ("  Stop.  ", "STOP"),
        ("main\tmenu\n", "MAIN MENU"),
        ("2.", "2"),
        ("ＳＴＯＰ", "STOP"),  # fullwidth letters fold to ASCII
        ("Opinión", "OPINION"),
        ("😀😀", ""),
        ("", ""),
        ("---", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_reads_only_the_first_max_read_characters() -> None:
    assert normalise("a" * MAX_READ + "STOP") == "A" * MAX_READ
    assert len(normalise("word " * 10_000)) <= MAX_READ


# near -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "keyword"),
    [
        ("SECOND", "SECOND"),  # exact
        ("SECND", "SECOND"),  # a letter missing
        ("SECON", "SECOND"),  # last letter missing
        ("ECOND", "SECOND"),  # first letter missing
        ("SECONDS", "SECOND"),  # a letter extra at the end
        ("SECOMD", "SECOND"),  # a wrong letter
        ("SECNOD", "SECOND"),  # swapped letters
        ("ESCOND", "SECOND"),  # swapped first letters
        ("OPINON", "OPINION"),  # a letter missing
        ("OPPINION", "OPINION"),  # a letter doubled: one insertion
        ("OPINOIN", "OPINION"),  # swapped letters
    ],
)
def test_near_accepts_one_typo(word: str, keyword: str) -> None:
    assert near(word, keyword)


@pytest.mark.parametrize(
    ("word", "keyword"),
    [
        ("SCND", "SECOND"),  # two letters missing
        ("SEKOMD", "SECOND"),  # two wrong letters
        ("SECONDLY", "SECOND"),  # two letters extra
        ("SNECOD", "SECOND"),  # two swaps
        ("SECNPD", "SECOND"),  # adjacent differences that are not a swap
        ("OPPINON", "OPINION"),  # an extra letter and a missing one
        ("ONION", "OPINION"),
        ("SECOND", "OPINION"),
        ("", "SECOND"),
        ("secnd", "SECOND"),  # near() compares normalised (upper-case) words only
    ],
)
def test_near_rejects_words_more_than_one_typo_away(word: str, keyword: str) -> None:
    assert not near(word, keyword)


@pytest.mark.parametrize(
    ("word", "keyword"), [("MOR", "MORE"), ("BAK", "BACK"), ("MNU", "MENU"), ("HLP", "HELP")]
)
def test_near_does_not_guess_at_short_keywords(word: str, keyword: str) -> None:
    assert not near(word, keyword)
    assert near(keyword, keyword)


# classify -------------------------------------------------------------------------------------

OPT_OUT_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]


def spellings(word: str) -> list[str]:
    """The ways a person may type one keyword: any case, spaces and punctuation around it."""
    return [
        word,
        word.lower(),
        word.capitalize(),
        f"  {word.lower()}  ",
        f"{word}.",
        f"{word}!!",
        f"\n{word.lower()}\n",
        f'"{word}"',
    ]


def test_opt_out_words_are_twilios_list() -> None:
    assert set(OPT_OUT_WORDS) == OPT_OUT
    assert {"START", "UNSTOP", "YES"} == OPT_IN


@pytest.mark.parametrize("text", [s for w in OPT_OUT_WORDS for s in spellings(w)])
def test_every_twilio_opt_out_word_is_opt_out(text: str) -> None:
    assert command(text) is Command.OPT_OUT


@pytest.mark.parametrize("text", [s for w in ("START", "UNSTOP", "YES") for s in spellings(w)])
def test_opt_in_words(text: str) -> None:
    assert command(text) is Command.OPT_IN


@pytest.mark.parametrize("text", [s for w in ("HELP", "INFO") for s in spellings(w)])
def test_help_words(text: str) -> None:
    assert command(text) is Command.HELP


@pytest.mark.parametrize(
    "text",
    [
        "stop please",
        "please stop",
        "STOP IT",
        "opt out",
        "quit texting me",
        "help me",
        "more info",
        "start over",
        "yes please",
        "stopp",
    ],
)
def test_keywords_count_only_as_a_single_word(text: str) -> None:
    """Twilio matches opt-out, opt-in and help keywords only when they are the whole message."""
    assert command(text) not in (Command.OPT_OUT, Command.OPT_IN, Command.HELP)


@pytest.mark.parametrize("text", ["0", " 0 ", "0.", "MENU", "menu", "Main", "main menu"])
def test_menu(text: str) -> None:
    assert command(text) is Command.MENU


@pytest.mark.parametrize("text", ["back", "BACK", "Previous"])
def test_back(text: str) -> None:
    assert command(text) is Command.BACK


@pytest.mark.parametrize("text", ["more", "MORE!", "next"])
def test_more(text: str) -> None:
    assert command(text) is Command.MORE


@pytest.mark.parametrize("text", ["1", "7", " 2. ", "12", "99", "123456789012345678901234567890"])
def test_digits_are_a_choice(text: str) -> None:
    assert command(text) is Command.CHOICE


@pytest.mark.parametrize(
    "text",
    [
        "SECOND",
        "second",
        "Opinion",
        "secnd",
        "SECOMD",
        "opinon",
        "oppinion",
        "2nd opinion",
        "second opinion please",
        "Señor secnd",
    ],
)
def test_start_words_and_their_typos_start(text: str) -> None:
    assert command(text) is Command.START


@pytest.mark.parametrize(
    "text", ["", "   ", "😀", "😀😀😀", "?!", "banana", "sec", "scnd", "hello there", "x" * 10_000]
)
def test_anything_else_is_other(text: str) -> None:
    assert command(text) is Command.OTHER


def test_start_words_come_from_the_caller() -> None:
    assert classify("hola", frozenset({"HOLA"}), WORDS) is Command.START
    assert classify("second", frozenset({"HOLA"}), WORDS) is Command.OTHER


def test_twilio_keywords_win_over_navigation_words() -> None:
    words = {**WORDS, "more": frozenset({"STOP", "INFO"})}
    assert classify("stop", START, words) is Command.OPT_OUT
    assert classify("info", START, words) is Command.HELP


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", "1"), (" 2. ", "2"), ("12", "12"), ("one", ""), ("1 2", ""), ("", ""), ("😀", "")],
)
def test_choice(text: str, expected: str) -> None:
    assert choice(text) == expected


# Spanish ----------------------------------------------------------------------------------------

ES_KEYWORDS = load_flows()["es"].keywords
ALL_START = START | ES_KEYWORDS["start"]
ALL_CRISIS = KEYWORDS["crisis"] | ES_KEYWORDS["crisis"]


def comando(text: str) -> Command:
    """What the shipped Spanish keywords make of `text` (start and safety words of both languages)."""
    return classify(text, ALL_START, {**ES_KEYWORDS, "crisis": ALL_CRISIS})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MAS", Command.MORE),
        ("más", Command.MORE),
        ("siguiente", Command.MORE),
        ("atrás", Command.BACK),
        ("Volver", Command.BACK),
        ("menú", Command.MENU),
        ("menu principal", Command.MENU),
        ("inicio", Command.MENU),
        ("0", Command.MENU),
        ("ayuda", Command.HELP),
        ("HELP", Command.HELP),  # Twilio's own HELP words work in any language
        ("urgente", Command.URGENT),
        ("9", Command.CHOICE),
        ("SEGUNDA", Command.START),
        ("segunda opinión", Command.START),
        ("Español", Command.START),
        ("espanol", Command.START),
        ("SECOND", Command.START),
        ("STOP", Command.OPT_OUT),
        ("quiero morir", Command.CRISIS),
        ("I want to die", Command.CRISIS),
        ("banana", Command.OTHER),
    ],
)
def test_spanish_words(text: str, expected: Command) -> None:
    assert comando(text) is expected


def test_english_navigation_words_are_not_spanish_ones() -> None:
    assert comando("MORE") is Command.OTHER and comando("BACK") is Command.OTHER
    assert command("MAS") is Command.OTHER and command("ATRAS") is Command.OTHER


def test_safety_words_come_before_any_other_command() -> None:
    assert comando("ayuda, quiero morir") is Command.CRISIS
    assert comando("911") is Command.CRISIS and command("911") is Command.CRISIS
