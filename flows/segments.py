"""SMS encoding and segment counts, ported from Twilio's calculator (sms-segments-calculator)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: frozenset[str] = frozenset("\f[\\]^{|}~€")
_GSM7 = GSM7_BASIC | GSM7_EXTENSION

_SEGMENT_BITS = 1120  # 140 octets
_UDH_BITS = 48  # 6-octet User Data Header carried by every segment of a split message

# Grapheme_Cluster_Break=Prepend in Unicode 10 (the version grapheme-splitter implements).
_PREPEND = frozenset(
    [*range(0x600, 0x606), *range(0x111C2, 0x111C4), *range(0x11A86, 0x11A8A)]
    + [0x6DD, 0x70F, 0x8E2, 0xD4E, 0x110BD, 0x11A3A, 0x11D46]
)
_HANGUL_NEXT = {"L": "L V LV LVT", "LV": "V T", "V": "V T", "LVT": "T", "T": "T"}  # GB6-GB8


@dataclass(frozen=True)
class Measure:
    """How Twilio encodes and splits one SMS body."""

    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    characters: int  # GSM-7: septets (extension chars count 2); UCS-2: grapheme clusters
    non_gsm: tuple[str, ...]  # graphemes that forced UCS-2, first appearance order, no repeats
    per_segment: tuple[int, ...] = ()  # grapheme clusters in each segment

    @property
    def is_gsm7(self) -> bool:
        """True when the body fits the GSM-7 alphabet (160/153 per segment)."""
        return self.encoding == "GSM-7"


def _kind(c: str) -> str:
    """Grapheme_Cluster_Break class of one code point, approximated from unicodedata."""
    cp, cat = ord(c), unicodedata.category(c)
    if cp in _PREPEND:
        return "Prepend"
    if cp == 0x200D:
        return "ZWJ"
    if cat in ("Mn", "Me", "Mc") or cp == 0x200C or 0xE0020 <= cp <= 0xE007F:
        return "Extend"  # SpacingMark (Mc) joins the same way
    if cat in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return "Control"  # includes CR and LF, which the calculator never joins
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return "RI"
    if 0x1F3FB <= cp <= 0x1F3FF:
        return "EMod"
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LVT" if (cp - 0xAC00) % 28 else "LV"
    return "Pict" if cat == "So" else "Other"


def _joins(prev: str, kind: str, anchor: str, ri: int) -> bool:
    """Whether UAX #29 (as grapheme-splitter applies it) keeps two code points together."""
    if "Control" in (prev, kind):
        return False
    return (
        kind in ("Extend", "ZWJ")
        or prev == "Prepend"
        or kind in _HANGUL_NEXT.get(prev, "").split()
        or (kind == "EMod" and anchor == "Pict")
        or (prev == "ZWJ" and kind == "Pict")
        or (prev == kind == "RI" and ri % 2 == 1)
    )


def _graphemes(text: str) -> list[str]:
    """Split text into extended grapheme clusters (UAX #29), with CR and LF always on their own."""
    out: list[str] = []
    prev = anchor = ""  # kind of the previous code point / of the last one that was not Extend
    ri = 0  # regional indicators in the current cluster
    for c in text:
        kind = _kind(c)
        if out and _joins(prev, kind, anchor, ri):
            out[-1] += c
        else:
            out.append(c)
            ri = 0
        ri += kind == "RI"
        prev = kind
        anchor = anchor if kind == "Extend" else kind
    return out


def _pack(sizes: list[int]) -> list[int]:
    """Graphemes per segment, packed greedily the way the calculator does."""
    counts, used = [0], [0]
    for bits in sizes:
        if _SEGMENT_BITS - used[-1] < bits:
            counts.append(0)
            used.append(_UDH_BITS)
            if len(counts) == 2:  # first split: segment 1 gains a header and sheds its overflow
                used[0] += _UDH_BITS
                while used[0] > _SEGMENT_BITS:
                    counts[0] -= 1
                    moved = sizes[counts[0]]
                    used[0] -= moved
                    counts[1] += 1
                    used[1] += moved
        counts[-1] += 1
        used[-1] += bits
    return counts


def measure(text: str) -> Measure:
    """Encoding, segments and characters as Twilio's calculator reports them (no Smart Encoding)."""
    graphemes = _graphemes(text)
    non_gsm = tuple(dict.fromkeys(g for g in graphemes if g not in _GSM7))
    if non_gsm:
        sizes = [8 * len(g.encode("utf-16-le")) for g in graphemes]
        characters = len(graphemes)
    else:
        units = [2 if g in GSM7_EXTENSION else 1 for g in graphemes]
        sizes = [7 * u for u in units]
        characters = sum(units)
    per_segment = _pack(sizes)
    encoding = "UCS-2" if non_gsm else "GSM-7"
    return Measure(encoding, len(per_segment), characters, non_gsm, tuple(per_segment))


def non_gsm_positions(text: str) -> list[tuple[int, str]]:
    """(index, code point) of every code point of text that is not in the GSM-7 alphabet."""
    return [(i, c) for i, c in enumerate(text) if c not in _GSM7]
