"""How staff see waits and times, on the dashboard and in the terminal alike."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def age(seconds: float) -> str:
    """A wait in words: '4 min', '2 h 5 min', '3 days'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


def clock_in(moment: float | datetime | None, zone: tzinfo) -> str:
    """A time in `zone` (the office's), e.g. 'Tue 14:05'; '-' for none."""
    if not moment:
        return "-"
    when = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)
    return when.astimezone(zone).strftime("%a %H:%M")


def last_four(number: str) -> str:
    """Only the last four digits of a number, as the queue shows it: '…0001'."""
    digits = "".join(c for c in number if c.isdigit())
    return "…" + digits[-4:] if digits else "withheld"
