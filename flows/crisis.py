"""Crisis understanding: does a message say, in any words, that someone may be in danger?

The content's `[crisis]` table lists phrases by kind. A phrase matches as an ordered run of word
stems (English and Spanish Snowball stems: "ending" is "end", "matarme" is "matar me"), contiguous
unless written with "..." (up to MAX_GAP other words there). A long word may carry one typo;
contractions are spelled out ("can't", "cant" -> "can not"); run-together words are split
("killmyself") and split words joined ("my self") using the bank's own words. Ordinary sayings
("dying to know") match literally, and crisis words inside them do not count.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer

KINDS = ("direct", "indirect", "self_harm", "medical")  # the lists of crisis phrases, all required
ORDINARY = "ordinary"  # sayings that are no crisis, though they use its words
GAP = "..."
MAX_GAP = 3
MAX_READ = 1000  # as flows.text.MAX_READ_SAFETY: a distressed message may be long
TYPO_MIN = 5  # a bank word this long (its stem one less) may be misspelt by a letter, not its first
SHORT = 4  # a word this short may only miss a letter or swap two: "kil" is "kill", "diet" not "die"
MAX_WORD = 24  # no word of the bank is longer: longer words need no typo or split checks
MIN_JOINED, MAX_JOINED = 6, 40  # words run together ("selfharm") are split within these lengths
STEMMERS = tuple(snowballstemmer.stemmer(lang) for lang in ("english", "spanish"))
_STEMMING = threading.Lock()  # a Snowball stemmer keeps its word in itself: one thread at a time

# Contractions and texting shorthand, once apostrophes are dropped ("can't" -> "cant").
_NOT = ("do", "does", "did", "is", "are", "was", "were", "has", "have", "had", "could", "would")
SPELLED_OUT: Mapping[str, tuple[str, ...]] = {
    **{f"{w}nt": (w, "not") for w in (*_NOT, "should", "need")},
    **{"cant": ("can", "not"), "cannot": ("can", "not"), "wont": ("will", "not")},
    **{"aint": ("am", "not"), "im": ("i", "am"), "ive": ("i", "have"), "id": ("i", "would")},
    **{"youre": ("you", "are"), "theyre": ("they", "are"), "theyd": ("they", "would")},
    **{"its": ("it", "is"), "thats": ("that", "is"), "whats": ("what", "is")},
    **{"wanna": ("want", "to"), "gonna": ("going", "to"), "gotta": ("got", "to")},
    **{"u": ("you",), "ur": ("your",), "kms": ("kill", "myself"), "kys": ("kill", "yourself")},
    **{"q": ("que",), "k": ("que",), "xq": ("porque",), "pq": ("porque",)},
}
RESPELT = (("x", "ch"), ("b", "v"), ("k", "qu"))  # Spanish texting spellings, tried as well
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc`\u00b4]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# A Spanish infinitive or gerund with a pronoun attached: "matarme" -> "matar me".
_ENCLITIC = re.compile(r"([a-z]{2,}(?:ar|er|ir|ando|iendo))(me|te|se|nos)")

Run = tuple[tuple[int, int], ...]  # a phrase as (stem id, words allowed before it) pairs


@dataclass(frozen=True, eq=False)
class CrisisBank:
    """Phrases compiled for matching: built once per keyword set, cached, hashed by identity."""

    words: frozenset[str]  # the bank's own words: to split and join a message's words
    stems: tuple[str, ...]  # the stem behind each id; ids are per language
    ids: Mapping[tuple[int, str], int]  # (stemmer, stem) -> id
    typos: tuple[Mapping[str, tuple[int, ...]], ...]  # per stemmer: stem less a letter -> ids
    missing: tuple[Mapping[str, tuple[int, ...]], ...]  # the same for short words ("kil", "lfe")
    starts: Mapping[int, tuple[tuple[Run, frozenset[int]], ...]]  # first id -> runs, their ids
    ordinary: Mapping[str, tuple[tuple[str, ...], ...]]  # first word -> ordinary sayings


def crisis_keywords(keywords: Mapping[str, Any], table: Any) -> dict[str, Any]:
    """The content's keywords with its [crisis] table added: to `crisis`, and as `not_crisis`.

    Raises TypeError when the table lacks a kind or has an unknown one, when a kind of crisis
    phrase is empty, or when a phrase is empty or starts or ends with "...".
    """
    if not isinstance(table, Mapping) or set(table) != {*KINDS, ORDINARY}:
        raise TypeError(f"[crisis] must have exactly the lists {[*KINDS, ORDINARY]}")
    for kind, phrases in table.items():
        if not isinstance(phrases, list) or (not phrases and kind != ORDINARY):
            raise TypeError(f"crisis.{kind} must be a non-empty list of phrases")
        if not all(isinstance(p, str) and _well_formed(p) for p in phrases):
            raise TypeError(
                f"crisis.{kind} has an empty phrase or one that starts or ends with ..."
            )
    found = [p for kind in KINDS for p in table[kind]]
    listed = keywords.get("crisis")
    crisis = {"crisis": [*listed, *found]} if isinstance(listed, list) else {}
    return {**keywords, **crisis, "not_crisis": table[ORDINARY]}


def _well_formed(phrase: str) -> bool:
    parts = phrase.split(GAP)
    return all(words(part) for part in parts)


def words(text: str) -> tuple[str, ...]:
    """Lower-case ASCII words, contractions spelled out: "I’m  SUICIDAL!" -> ('i', 'am', 'suicidal')."""
    folded = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text[:MAX_READ]))
    plain = _NOT_WORD.sub(" ", folded.encode("ascii", "ignore").decode().lower())
    return tuple(part for word in plain.split() for part in _spelled_out(word))


def _spelled_out(word: str) -> tuple[str, ...]:
    if word in SPELLED_OUT:
        return SPELLED_OUT[word]
    enclitic = _ENCLITIC.fullmatch(word)
    return enclitic.groups() if enclitic else (word,)


@lru_cache(maxsize=65536)
def stem(s: int, word: str) -> str:
    """`word`'s stem by STEMMERS[s] (0 English, 1 Spanish); safe from several threads at once."""
    with _STEMMING:
        return str(STEMMERS[s].stemWord(word))


@lru_cache(maxsize=16)
def crisis_bank(phrases: frozenset[str], ordinary: frozenset[str] = frozenset()) -> CrisisBank:
    """The bank for these crisis phrases and ordinary sayings (phrases that name no word are skipped)."""
    runs = [_run_words(p) for p in sorted(phrases)]
    own = frozenset(w for run in runs for w, _ in run)
    ids: dict[tuple[int, str], int] = {}
    starts: dict[int, list[tuple[Run, frozenset[int]]]] = {}
    for run in filter(None, runs):
        for s in range(len(STEMMERS)):
            stem_ids = [ids.setdefault((s, stem(s, w)), len(ids)) for w, _ in run]
            compiled = tuple(zip(stem_ids, (gap for _, gap in run), strict=True))
            starts.setdefault(stem_ids[0], []).append((compiled, frozenset(stem_ids)))
    typos: list[dict[str, list[int]]] = [{} for _ in STEMMERS]
    missing: list[dict[str, list[int]]] = [{} for _ in STEMMERS]
    for w in own:
        for s in range(len(STEMMERS)):
            stemmed = stem(s, w)
            if len(w) >= TYPO_MIN and len(stemmed) >= SHORT:
                for variant in {*_less_a_letter(stemmed), stemmed}:
                    typos[s].setdefault(variant, []).append(ids[s, stemmed])
            elif len(stemmed) == SHORT:
                for variant in _less_a_letter(stemmed):
                    missing[s].setdefault(variant, []).append(ids[s, stemmed])
    sayings: dict[str, list[tuple[str, ...]]] = {}
    for saying in filter(None, (words(o) for o in ordinary)):
        sayings.setdefault(saying[0], []).append(saying)
    return CrisisBank(
        words=own | frozenset(SPELLED_OUT),
        stems=tuple(stem for (_, stem) in ids),
        ids=ids,
        typos=tuple({k: tuple(v) for k, v in t.items()} for t in typos),
        missing=tuple({k: tuple(v) for k, v in m.items()} for m in missing),
        starts={k: tuple(v) for k, v in starts.items()},
        ordinary={k: tuple(v) for k, v in sayings.items()},
    )


def _run_words(phrase: str) -> tuple[tuple[str, int], ...]:
    """A phrase's words, each with how many other words may come before it ("..." allows some)."""
    run: list[tuple[str, int]] = []
    for part in phrase.split(GAP):
        gap = MAX_GAP if run else 0
        for i, word in enumerate(words(part)):
            run.append((word, gap if i == 0 else 0))
    return tuple(run)


def is_crisis(text: str, bank: CrisisBank) -> bool:
    """True when `text` (its first MAX_READ characters) says any of the bank's crisis phrases."""
    said = _message_words(text, bank)
    ordinary = _ordinary_positions(said, bank)
    edges = [[] if i in ordinary else _edges(said, i, bank) for i in range(len(said))]
    everything = frozenset().union(*(heard for steps in edges for heard, _ in steps))
    return any(
        _rest(run, 1, after, edges)
        for steps in edges
        for heard, after in steps
        for first in heard
        for run, needs in bank.starts.get(first, ())
        if needs <= everything
    )


def mentions_crisis(text: str, keywords: Mapping[str, frozenset[str]]) -> bool:
    """is_crisis with the bank of these keywords' `crisis` and `not_crisis` lists."""
    bank = crisis_bank(keywords.get("crisis", frozenset()), keywords.get("not_crisis", frozenset()))
    return is_crisis(text, bank)


def _message_words(text: str, bank: CrisisBank) -> tuple[str, ...]:
    return tuple(part for word in words(text) for part in _split(word, bank))


def _ordinary_positions(said: tuple[str, ...], bank: CrisisBank) -> set[int]:
    covered: set[int] = set()
    for i, word in enumerate(said):
        for saying in bank.ordinary.get(word, ()):
            if said[i : i + len(saying)] == saying:
                covered.update(range(i, i + len(saying)))
    return covered


def _edges(said: tuple[str, ...], i: int, bank: CrisisBank) -> list[tuple[frozenset[int], int]]:
    """What the word at `i` may be (stem ids) and where the next word starts; "my self" is one too."""
    found = [(_word_ids(said[i], bank), i + 1)]
    if i + 1 < len(said) and said[i] + said[i + 1] in bank.words:
        found.append((_word_ids(said[i] + said[i + 1], bank), i + 2))
    return found


def _rest(run: Run, k: int, at: int, edges: list[list[tuple[frozenset[int], int]]]) -> bool:
    """True when the run's words from `k` on are heard from position `at` on, gaps allowed."""
    if k == len(run):
        return True
    wanted, gap = run[k]
    return any(
        _rest(run, k + 1, after, edges)
        for steps in edges[at : at + gap + 1]
        for heard, after in steps
        if wanted in heard
    )


@lru_cache(maxsize=8192)
def _word_ids(word: str, bank: CrisisBank) -> frozenset[int]:
    """The bank's stems this word may be, in either language, allowing for a typo.

    A word of TYPO_MIN letters or more may have one letter wrong, missing, extra or swapped with
    the next; a 4-letter one may miss a letter ("kil") or swap two ("pian"); never the first.
    Texting spellings are tried too (see _spellings).
    """
    found: set[int] = set()
    for spelling in _spellings(word):
        for s in range(len(STEMMERS)):
            stemmed = stem(s, spelling)
            exact = bank.ids.get((s, stemmed))
            found.update(() if exact is None else (exact,))
            if len(spelling) < SHORT:
                found.update(bank.missing[s].get(stemmed, ()))
            elif len(stemmed) == SHORT:
                found.update(bank.ids.get((s, swapped), -1) for swapped in _swaps(stemmed))
            if len(spelling) >= SHORT and len(stemmed) <= MAX_WORD:
                found.update(
                    i
                    for v in {*_less_a_letter(stemmed), stemmed}
                    for i in bank.typos[s].get(v, ())
                    if _one_typo(stemmed, bank.stems[i])
                )
    return frozenset(found - {-1})


def _spellings(word: str) -> set[str]:
    """The word, and as it may be meant: "pexo" as "pecho", "killin" as "killing"."""
    respelt = {word.replace(a, b) for a, b in RESPELT if a in word}
    return {word, *respelt, *((word + "g",) if word.endswith("in") else ())}


def _swaps(stem: str) -> set[str]:
    """The stem with two letters after the first swapped: "pian" -> "pain"."""
    return {stem[:i] + stem[i + 1] + stem[i] + stem[i + 2 :] for i in range(1, len(stem) - 1)}


def _less_a_letter(stem: str) -> set[str]:
    """The stem with one letter left out, never the first."""
    return {stem[:i] + stem[i + 1 :] for i in range(1, len(stem))}


def _one_typo(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one letter (missing, extra, wrong, or two swapped)."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (
            a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1]
        )
    short, long = sorted((a, b), key=len)
    return short[i:] == long[i + 1 :]


@lru_cache(maxsize=8192)
def _split(word: str, bank: CrisisBank) -> tuple[str, ...]:
    """A word run together from the bank's words, split ("killmyself" -> kill, myself); else itself."""
    if not MIN_JOINED <= len(word) <= MAX_JOINED or word in bank.words or _word_ids(word, bank):
        return (word,)
    best: dict[int, tuple[str, ...]] = {len(word): ()}
    for start in range(len(word) - 1, -1, -1):
        options = [
            (word[start:end], *best[end])
            for end in range(start + 1, min(start + MAX_WORD, len(word)) + 1)
            if end in best and word[start:end] in bank.words
        ]
        if options:
            best[start] = min(options, key=len)
    return tuple(part for piece in best.get(0, (word,)) for part in _spelled_out(piece))


def forget_words() -> None:
    """Forget every word stemmed and judged so far (the next messages are read cold)."""
    for cached in (stem, _word_ids, _split):
        cached.cache_clear()
