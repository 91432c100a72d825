"""flows.checkin: when a check-in is offered, sent and answered (the engine's side)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.checkin import EARLIEST, LATEST, Stage, answer, may_offer, send_at, time_zone
from flows.model import RequestCallback, ScheduleCheckin, State, Tally

NEW_YORK, LOS_ANGELES = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("number", "zone"),
    [
        ("+12125550123", "America/New_York"),
        ("+13105550123", "America/Los_Angeles"),
        ("+17875550123", "America/Puerto_Rico"),
        ("+15551230001", "America/New_York"),  # 555: no zone known, the office's
        ("+18005551212", "America/New_York"),  # toll-free: every zone, the office's
        ("not a number", "America/New_York"),
    ],
)
def test_a_persons_time_zone_comes_from_their_number_else_the_offices(
    number: str, zone: str
) -> None:
    assert time_zone(number, NEW_YORK) == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("agreed", "zone", "sent"),
    [
        ("2026-03-02T15:00:00+00:00", NEW_YORK, "2026-03-16T11:00:00-04:00"),  # a daytime: as is
        # agreed at 21:00 in winter, due at 22:00 in summer time: the next morning
        ("2026-03-02T05:00:00+00:00", LOS_ANGELES, "2026-03-16T09:00:00-07:00"),
        ("2026-03-02T02:30:00+00:00", LOS_ANGELES, "2026-03-15T19:30:00-07:00"),  # 19:30 stays
        ("2026-03-03T01:30:00+00:00", NEW_YORK, "2026-03-17T09:00:00-04:00"),  # 20:30: next day
        ("2026-03-02T10:00:00+00:00", NEW_YORK, "2026-03-16T09:00:00-04:00"),  # 06:00: at nine
    ],
)
def test_a_check_in_goes_two_weeks_on_in_the_persons_daytime(
    agreed: str, zone: ZoneInfo, sent: str
) -> None:
    when = send_at(datetime.fromisoformat(agreed), zone)
    assert when == datetime.fromisoformat(sent)
    assert EARLIEST <= when.astimezone(zone).hour < LATEST


def test_every_agreed_time_of_a_year_falls_within_the_hours() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    for step in range(0, 365 * 24 * 4):  # every quarter hour of a year, DST changes included
        agreed = datetime.fromtimestamp(start + step * 900, UTC)
        local = send_at(agreed, LOS_ANGELES).astimezone(LOS_ANGELES)
        assert EARLIEST <= local.hour < LATEST
        assert 13.5 * 86400 <= (send_at(agreed, LOS_ANGELES) - agreed).total_seconds() <= 15 * 86400


def test_an_offer_is_made_once_after_two_parts_and_never_over_an_open_one() -> None:
    assert not may_offer(State(read=0b100))
    assert may_offer(State(read=0b101))
    assert not may_offer(State(read=0b101, offered=True))
    assert not may_offer(State(read=0b101, checkin=Stage.PENDING))
    assert not may_offer(State(read=0b101, opted_out=True))


def test_only_the_digits_of_what_is_open_are_answers() -> None:
    assert answer(State(), "1") is None
    assert answer(State(checkin=Stage.OFFERED), "3") is None
    assert answer(State(checkin=Stage.PENDING), "1") is None
    agreed = answer(State(checkin=Stage.OFFERED), "1")
    assert agreed is not None and agreed[0].checkin == Stage.PENDING
    assert agreed[2] == (ScheduleCheckin(), Tally("checkin_accepted"))
    talk = answer(State(checkin=Stage.ASKED, topic="find"), "3")
    assert talk is not None and talk[0].checkin == Stage.NONE
    [request] = [e for e in talk[2] if isinstance(e, RequestCallback)]
    assert request.topic == "find" and request.form.voicemail is False
