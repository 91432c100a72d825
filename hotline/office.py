"""The social workers' office hours: when a caller can be put through, said in words.

The words are the content's (flows/content/*.toml: `words.days`, `words.meridiem` and the
texts `hours*`, `clock*` and `when_*`), from the Flow of the person's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.model import Flow, Window

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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

    def open_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of office time between two aware datetimes (0 if `end` is not after `start`)."""
        total = 0.0
        day = start.astimezone(self.zone).date()
        while day <= end.astimezone(self.zone).date():
            if day not in self.holidays:
                for o in self.openings:
                    if o.first_day <= day.weekday() <= o.last_day:
                        opens = datetime.combine(day, o.opens, self.zone)
                        closes = datetime.combine(day, o.closes, self.zone)
                        total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
            day += timedelta(days=1)
        return total

    def business_day(self) -> float:
        """Seconds in one business day: the longest day's office time (8 hours for 09:00-17:00)."""
        lengths = [
            sum(
                (datetime.combine(date.min, o.closes) - datetime.combine(date.min, o.opens)).seconds
                for o in self.openings
                if o.first_day <= weekday <= o.last_day
            )
            for weekday in range(7)
        ]
        return float(max(lengths))

    def describe(self, flow: Flow) -> str:
        """The hours in `flow`'s words: 'Monday to Thursday, from 9 AM to 7 PM, and Friday, ..., New York time'."""
        names = flow.words["days"]
        runs = []
        for o in self.openings:
            days = names[o.first_day]
            if o.last_day != o.first_day:
                days = flow.text("hours_days", first=days, last=names[o.last_day])
            opens, closes = _clock(o.opens, flow), _clock(o.closes, flow)
            runs.append(flow.text("hours_run", days=days, opens=opens, closes=closes))
        city = self.zone.key.rsplit("/", 1)[-1].replace("_", " ")
        return flow.text("hours", runs=f", {flow.text('hours_and')} ".join(runs), city=city)


def _clock(t: time, flow: Flow) -> str:
    """A time of day in `flow`'s words: '9 AM', '5:30 PM', '19:00', 'midnight'."""
    if t == time.max:
        return flow.text("clock_midnight")
    return flow.text(
        "clock",
        hour12=str(t.hour % 12 or 12),
        hour24=str(t.hour),
        minute=f"{t.minute:02d}",
        colon_minute=f":{t.minute:02d}" if t.minute else "",
        meridiem=flow.words["meridiem"][t.hour >= 12],
    )


WINDOWS = {
    Window.MORNING: (time(0), time(12)),
    Window.AFTERNOON: (time(12), time(17)),
    Window.EVENING: (time(17), time.max),
    Window.ANY: (time(0), time.max),
}


def expected_call(office: OfficeHours, window: str, now: datetime, flow: Flow) -> str:
    """When to expect a call back, honestly, in `flow`'s words: 'this afternoon', 'Monday'.

    The first office opening that overlaps the preferred window; if the window never meets the
    hours (evening calls from an office that closes at 5), the first opening at all.
    """
    local = now.astimezone(office.zone)
    preferred = Window(window) if window in WINDOWS else Window.ANY
    for wanted in dict.fromkeys((preferred, Window.ANY)):
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
                    return _when(flow, wanted, offset, day, _clock(o.closes, flow))
    return flow.text("when_unknown")


def _when(flow: Flow, window: Window, offset: int, day: date, close: str) -> str:
    if offset == 0:
        when = flow.text(f"when_today_{window}", close=close)
    else:
        name = flow.words["days"][day.weekday()]
        name = flow.text("when_tomorrow") if offset == 1 else flow.text("when_day", day=name)
        when = flow.text(f"when_later_{window}", day=name)
    # This goes into a text: á, í, ó, ú would turn the whole message into costly UCS-2.
    return when.translate(_SMS_SAFE)


_SMS_SAFE = str.maketrans("áíóúÁÍÓÚ", "aiouAIOU")
