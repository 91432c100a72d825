"""Read what a person texted or said: normalise it, recognise keywords, digits and typos."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache

from flows.crisis import mentions_crisis

# Only this much of a message is read for keywords and choices, which are short...
MAX_READ = 64
# ...and this much for safety words, which may come anywhere in a long, distressed message.
MAX_READ_SAFETY = 1000

# Twilio's default keywords (single word, any case); Twilio blocks or unblocks the number itself.
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})
HELP = frozenset({"HELP", "INFO"})


class Command(StrEnum):
    """What a message means before any menu is consulted."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    START = "start"
    CRISIS = "crisis"
    URGENT = "urgent"
    MENU = "menu"
    BACK = "back"
    MORE = "more"
    CHOICE = "choice"
    OTHER = "other"


_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def normalise(text: str, limit: int = MAX_READ) -> str:
    """Upper-case ASCII words separated by single spaces: ' Señor,  secnd!! ' -> 'SENOR SECND'."""
    decomposed = unicodedata.normalize("NFKD", text.strip()[:limit].replace("'", ""))
    ascii_only = decomposed.encode("ascii", "ignore").decode().upper()
    return _NOT_WORD.sub(" ", ascii_only).strip()


def near(word: str, keyword: str) -> bool:
    """True when `word` is `keyword` or one typo away (a letter missing, extra, wrong or swapped)."""
    if word in (keyword, keyword + "S"):
        return True
    if len(keyword) < 5 or abs(len(word) - len(keyword)) > 1:
        return False
    return _one_edit(word, keyword)


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        i = diffs[0] if len(diffs) == 2 else -1
        return i >= 0 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = sorted((a, b), key=len)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def classify(
    text: str, start_words: frozenset[str], words: Mapping[str, frozenset[str]]
) -> Command:
    """The command a message carries, safety first; `words` gives the language's command words."""
    norm = normalise(text)
    if not norm:
        return Command.OTHER
    if norm in OPT_OUT:
        return Command.OPT_OUT
    if norm in OPT_IN:
        return Command.OPT_IN
    if mentions_crisis(text, words):
        return Command.CRISIS
    if norm in HELP or norm in words.get("help", ()):
        return Command.HELP
    if norm.isdigit():
        return Command.MENU if norm == "0" else Command.CHOICE
    for command in (Command.URGENT, Command.MENU, Command.BACK, Command.MORE):
        if norm in words.get(command.value, frozenset()):
            return command
    if any(near(w, k) for w in norm.split(" ")[:3] for k in start_words):
        return Command.START
    return Command.OTHER


def mentions(text: str, phrases: Iterable[str]) -> bool:
    """True when `text` has one of `phrases` as whole words; a long word may carry one typo."""
    said = normalise(text, MAX_READ_SAFETY).split()
    by_length = _by_first_word_length(frozenset(phrases))
    for i, word in enumerate(said):
        # `near` never matches words whose lengths differ by more than one letter.
        for length in (len(word) - 1, len(word), len(word) + 1):
            for wanted in by_length.get(length, ()):
                if len(wanted) <= len(said) - i and all(
                    near(said[i + j], w) for j, w in enumerate(wanted)
                ):
                    return True
    return False


@lru_cache(maxsize=64)
def _by_first_word_length(phrases: frozenset[str]) -> dict[int, list[tuple[str, ...]]]:
    found: dict[int, list[tuple[str, ...]]] = {}
    for words in (tuple(w for w in phrase.split() if w != "...") for phrase in phrases):
        if words:  # an empty phrase names nothing
            found.setdefault(len(words[0]), []).append(words)
    return found


def choice(text: str) -> str:
    """The digits of a numeric reply ('2.' -> '2'), or ''."""
    norm = normalise(text)
    return norm if norm.isdigit() else ""
