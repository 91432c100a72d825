"""The social workers' office hours: when a caller can be put through, said in words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_WORDS = {
    "en": {"to": "to", "from": "from", "time": "{city} time", "and": "and"},
    "es": {"to": "a", "from": "de", "time": "hora de {city}", "and": "y"},
}
_RANGE = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))? (\d\d):(\d\d)-(\d\d):(\d\d)$"
)


@dataclass(frozen=True)
class Opening:
    """One run of days with the same hours, e.g. Monday to Thursday, 9:00 to 19:00."""

    first_day: int
    last_day: int
    opens: time
    closes: time


@dataclass(frozen=True)
class OfficeHours:
    """Weekly openings in a time zone, less holidays."""

    openings: tuple[Opening, ...]
    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    @classmethod
    def parse(cls, spec: str, zone: str, holidays: str = "") -> OfficeHours:
        """'mon-thu 09:00-19:00, fri 09:00-17:00' in 'America/New_York' ('' = never; 24:00 = midnight)."""
        openings = []
        for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
            match = _RANGE.match(part)
            if not match:
                raise ValueError(f"office hours {part!r} should look like 'mon-fri 09:00-17:00'")
            first, last, h1, m1, h2, m2 = match.groups()
            closes = time.max if (h2, m2) == ("24", "00") else time(int(h2), int(m2))
            opening = Opening(
                DAYS.index(first), DAYS.index(last or first), time(int(h1), int(m1)), closes
            )
            if opening.last_day < opening.first_day or opening.closes <= opening.opens:
                raise ValueError(f"office hours {part!r} run backwards")
            openings.append(opening)
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        days = frozenset(date.fromisoformat(d.strip()) for d in holidays.split(",") if d.strip())
        return cls(tuple(openings), tz, days)

    def is_open(self, now: datetime) -> bool:
        """True when a social worker should be at the line at `now` (an aware datetime)."""
        local = now.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        return any(
            o.first_day <= local.weekday() <= o.last_day and o.opens <= local.time() < o.closes
            for o in self.openings
        )

    def describe(self, lang: str) -> str:
        """The hours in words: 'Monday to Thursday, from 9:00 to 19:00, and Friday, ..., New York time'."""
        names, words = _DAY_NAMES.get(lang, _DAY_NAMES["en"]), _WORDS.get(lang, _WORDS["en"])
        runs = []
        for o in self.openings:
            days = names[o.first_day] + (
                f" {words['to']} {names[o.last_day]}" if o.last_day != o.first_day else ""
            )
            runs.append(
                f"{days}, {words['from']} {_clock(o.opens, lang)} {words['to']} {_clock(o.closes, lang)}"
            )
        city = self.zone.key.rsplit("/", 1)[-1].replace("_", " ")
        return f", {words['and']} ".join(runs) + ", " + words["time"].format(city=city)


def _clock(t: time, lang: str) -> str:
    if t == time.max:
        return "midnight" if lang == "en" else "medianoche"
    if lang == "en":
        hour = t.hour % 12 or 12
        return f"{hour}{f':{t.minute:02d}' if t.minute else ''} {'AM' if t.hour < 12 else 'PM'}"
    return f"{t.hour}:{t.minute:02d}"


WINDOWS = {
    "morning": (time(0), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time.max),
    "any": (time(0), time.max),
}
_WHEN: dict[str, dict[str, Any]] = {
    "en": {
        "today": {
            "morning": "this morning",
            "afternoon": "this afternoon",
            "evening": "this evening",
            "any": "today before {close}",
        },
        "later": {
            "morning": "{day} morning",
            "afternoon": "{day} afternoon",
            "evening": "{day} evening",
            "any": "{day}",
        },
        "tomorrow": "tomorrow",
        "unknown": "as soon as a social worker can",
    },
    "es": {
        "today": {
            "morning": "esta mañana",
            "afternoon": "esta tarde",
            "evening": "esta noche",
            "any": "hoy antes de las {close}",
        },
        "later": {
            "morning": "{day} por la mañana",
            "afternoon": "{day} por la tarde",
            "evening": "{day} por la noche",
            "any": "{day}",
        },
        "tomorrow": "mañana",
        "unknown": "en cuanto un trabajador social pueda",
    },
}


def expected_call(office: OfficeHours, window: str, now: datetime, lang: str) -> str:
    """When to expect a call back, honestly: 'this afternoon', 'tomorrow morning', 'Monday'.

    The first office opening that overlaps the preferred window; if the window never meets the
    hours (evening calls from an office that closes at 5), the first opening at all.
    """
    words = _WHEN.get(lang, _WHEN["en"])
    local = now.astimezone(office.zone)
    for wanted in dict.fromkeys((window if window in WINDOWS else "any", "any")):
        start, end = WINDOWS[wanted]
        for offset in range(15):
            day = (local + timedelta(days=offset)).date()
            if day in office.holidays:
                continue
            for o in office.openings:
                if not o.first_day <= day.weekday() <= o.last_day:
                    continue
                opens, closes = max(o.opens, start), min(o.closes, end)
                if offset == 0:
                    opens = max(opens, local.time())
                if opens < closes:
                    return _when(words, wanted, offset, day, _clock(o.closes, lang), lang)
    return words["unknown"]


def _when(words: dict[str, Any], window: str, offset: int, day: date, close: str, lang: str) -> str:
    if offset == 0:
        return words["today"][window].format(close=close)
    name = (
        words["tomorrow"] if offset == 1 else _DAY_NAMES.get(lang, _DAY_NAMES["en"])[day.weekday()]
    )
    if lang == "es" and offset > 1:
        name = f"el {name}"
    # This goes into a text: á, í, ó, ú would turn the whole message into costly UCS-2.
    return words["later"][window].format(day=name).translate(_SMS_SAFE)


_SMS_SAFE = str.maketrans("áíóúÁÍÓÚ", "aiouAIOU")
