"""hotline.office: office hours parsed, judged at fixed moments, and said in words (en, es)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.content import load_flows
from flows.segments import measure
from hotline.office import OfficeHours, expected_call

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = OfficeHours.parse("mon-fri 09:00-17:00", "America/New_York")
SPLIT = OfficeHours.parse("mon-thu 09:00-19:00, fri 09:30-12:00", "America/New_York")
FLOWS = load_flows()


def ny(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A moment in New York in 2026 (December: 7 is a Monday; July: 6 is a Monday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def utc(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (ny(7, 8, 59), False),  # Monday, a minute before opening
        (ny(7, 9, 0), True),  # opens on the minute
        (ny(10, 18, 59), True),  # Thursday runs late
        (ny(10, 19, 0), False),  # and closes on the minute
        (ny(11, 9, 29), False),  # Friday opens later
        (ny(11, 11, 59), True),
        (ny(11, 12, 0), False),  # and closes at noon
        (ny(12, 12, 0), False),  # Saturday
        (ny(13, 12, 0), False),  # Sunday
    ],
)
def test_is_open_across_the_week(moment: datetime, is_open: bool) -> None:
    assert SPLIT.is_open(moment) is is_open


def test_is_open_judges_the_moment_in_the_offices_zone() -> None:
    # 14:00 UTC is 09:00 in New York in December (EST) ...
    assert WEEKDAYS.is_open(utc(7, 14, 0)) and not WEEKDAYS.is_open(utc(7, 13, 59))
    # ... and in July (EDT) 13:00 UTC already is.
    assert WEEKDAYS.is_open(utc(6, 13, 0, month=7)) and not WEEKDAYS.is_open(
        utc(6, 12, 59, month=7)
    )
    # Friday 23:00 in New York is Saturday in UTC: still Friday's hours (closed), not Saturday's.
    saturday = OfficeHours.parse("sat 00:00-24:00", "America/New_York")
    assert not saturday.is_open(ny(11, 23, 0)) and saturday.is_open(ny(12, 0, 0))
    tokyo = OfficeHours.parse("mon-fri 09:00-17:00", "Asia/Tokyo")
    assert tokyo.is_open(utc(7, 0, 0)) and not WEEKDAYS.is_open(utc(7, 0, 0))


def test_midnight_closes_at_the_end_of_the_day_and_no_spec_is_never() -> None:
    all_week = OfficeHours.parse("mon-sun 00:00-24:00", "UTC")
    assert all_week.is_open(datetime(2026, 12, 7, 23, 59, 59, tzinfo=UTC))
    assert all_week.is_open(utc(8, 0, 0))
    never = OfficeHours.parse("", "America/New_York")
    assert never.openings == () and not never.is_open(ny(7, 12, 0))


def test_holidays_close_the_whole_day_in_the_offices_zone() -> None:
    hours = OfficeHours.parse("mon-fri 09:00-17:00", "America/New_York", "2026-12-25, 2026-12-31")
    assert not hours.is_open(ny(25, 12, 0)) and not hours.is_open(ny(31, 10, 0))
    assert hours.is_open(ny(24, 12, 0))
    # 02:00 UTC on the 26th is still the 25th in New York.
    assert not OfficeHours.parse("mon-sun 00:00-24:00", "America/New_York", "2026-12-25").is_open(
        utc(26, 2, 0)
    )


@pytest.mark.parametrize(
    ("spec", "zone", "holidays", "message"),
    [
        (
            "mon-fri 9-5",
            "UTC",
            "",
            "office hours 'mon-fri 9-5' should look like 'mon-fri 09:00-17:00'",
        ),
        ("mon 09:00-08:00", "UTC", "", "office hours 'mon 09:00-08:00' run backwards"),
        ("fri-mon 09:00-17:00", "UTC", "", "office hours 'fri-mon 09:00-17:00' run backwards"),
        ("mon 09:00-17:00", "Mars/Base", "", "unknown time zone 'Mars/Base'"),
        ("mon 09:00-17:00", "UTC", "2026-13-01", "month must be in 1..12"),
    ],
)
def test_bad_hours_are_refused_by_name(spec: str, zone: str, holidays: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        OfficeHours.parse(spec, zone, holidays)
    assert str(refused.value) == message


def test_parse_is_case_and_space_tolerant() -> None:
    assert OfficeHours.parse(" MON-FRI 09:00-17:00 ,", "America/New_York") == WEEKDAYS


@pytest.mark.parametrize(
    ("hours", "lang", "words"),
    [
        (SPLIT, "en", "Monday to Thursday, from 9 AM to 7 PM, and Friday, from 9:30 AM to 12 PM, New York time"),
        (SPLIT, "es", "lunes a jueves, de 9:00 a 19:00, y viernes, de 9:30 a 12:00, hora de New York"),
        (OfficeHours.parse("sat 00:00-24:00", "Europe/Madrid"), "en", "Saturday, from 12 AM to midnight, Madrid time"),
        (OfficeHours.parse("sat 00:00-24:00", "Europe/Madrid"), "es", "sábado, de 0:00 a medianoche, hora de Madrid"),
        (WEEKDAYS, "en", "Monday to Friday, from 9 AM to 5 PM, New York time"),
    ],
)  # fmt: skip
def test_describe(hours: OfficeHours, lang: str, words: str) -> None:
    assert hours.describe(FLOWS[lang]) == words


@pytest.mark.parametrize(
    ("now", "window", "en", "es"),
    [
        (ny(7, 10), "afternoon", "this afternoon", "esta tarde"),
        (ny(7, 10), "morning", "this morning", "esta mañana"),
        (ny(7, 10), "any", "today before 5 PM", "hoy antes de las 17:00"),
        (ny(7, 13), "morning", "tomorrow morning", "mañana por la mañana"),
        (ny(7, 17), "afternoon", "tomorrow afternoon", "mañana por la tarde"),
        (ny(11, 13), "morning", "Monday morning", "el lunes por la mañana"),
        (ny(12, 9), "any", "Monday", "el lunes"),
        # The office closes at 5: an evening call never fits, so the first opening at all.
        (ny(7, 10), "evening", "today before 5 PM", "hoy antes de las 17:00"),
        (ny(11, 18), "evening", "Monday", "el lunes"),
        (ny(7, 10), "whenever", "today before 5 PM", "hoy antes de las 17:00"),  # unknown: any
    ],
)
def test_expected_call(now: datetime, window: str, en: str, es: str) -> None:
    assert expected_call(WEEKDAYS, window, now, FLOWS["en"]) == en
    assert expected_call(WEEKDAYS, window, now, FLOWS["es"]) == es


def test_expected_call_skips_holidays_and_keeps_texts_free_of_accents() -> None:
    hours = OfficeHours.parse("mon-sat 09:00-17:00", "America/New_York", "2026-12-08,2026-12-11")
    # Monday evening, Tuesday a holiday: Wednesday ("é" is GSM-7, so it stays).
    assert expected_call(hours, "morning", ny(7, 18), FLOWS["en"]) == "Wednesday morning"
    assert expected_call(hours, "morning", ny(7, 18), FLOWS["es"]) == "el miércoles por la mañana"
    # Thursday evening, Friday a holiday: Saturday, whose "á" would make the text UCS-2, so it goes.
    assert expected_call(hours, "any", ny(10, 18), FLOWS["es"]) == "el sabado"
    assert expected_call(hours, "any", ny(11, 18), FLOWS["es"]) == "mañana"
    for now in (ny(7, 18), ny(10, 18)):
        assert measure(expected_call(hours, "morning", now, FLOWS["es"])).is_gsm7


def test_expected_call_when_nobody_is_ever_in() -> None:
    never = OfficeHours.parse("", "America/New_York")
    assert expected_call(never, "any", ny(7, 10), FLOWS["en"]) == "as soon as a social worker can"
    assert (
        expected_call(never, "any", ny(7, 10), FLOWS["es"])
        == "en cuanto un trabajador social pueda"
    )
