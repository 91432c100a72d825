"""The social workers' office hours: when a caller can be put through, said in words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
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
