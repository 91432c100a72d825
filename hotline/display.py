"""How staff see waits and times, on the dashboard and in the terminal alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flows.phones import display


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


def phone(e164: str) -> str:
    """A whole number as people write it: '+15551234567' -> '(555) 123-4567' (others as
    flows.phones shows them). The dashboard's one way of showing a number."""
    if e164.startswith("+1") and len(e164) == 12 and e164[2:].isdigit():
        digits = e164[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return display(e164)


def office_moment(day: str, clock: str, zone: tzinfo) -> float:
    """A date ('2026-12-08') and time ('15:00') in `zone`, as seconds since the epoch.

    ValueError if either is not one."""
    moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=zone)
    return moment.timestamp()


def day_and_clock(moment: float, zone: tzinfo) -> str:
    """A moment in `zone` with its date, as a schedule shows it: 'Tue 8 Dec 15:00'."""
    when = datetime.fromtimestamp(moment, UTC).astimezone(zone)
    return f"{when:%a} {when.day} {when:%b %H:%M}"


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 3 -> '3rd', 11 -> '11th', 22 -> '22nd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day_month(moment: float, zone: tzinfo) -> str:
    """A day as the queue's history line shows it: '12 Nov'."""
    when = datetime.fromtimestamp(moment, UTC).astimezone(zone)
    return f"{when.day} {when:%b}"


def tomorrow(now: float, zone: tzinfo) -> str:
    """The day after `now` in `zone`, as a date field wants it: '2026-12-08'."""
    when = datetime.fromtimestamp(now, UTC).astimezone(zone) + timedelta(days=1)
    return when.date().isoformat()


def office_iso(moment: float, zone: tzinfo) -> str:
    """A moment in `zone` for the audit trail and the command line: '2026-12-08T15:00-05:00'."""
    return datetime.fromtimestamp(moment, UTC).astimezone(zone).isoformat(timespec="minutes")
