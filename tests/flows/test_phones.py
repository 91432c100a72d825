"""flows.phones: numbers parsed, judged and shown with libphonenumber."""

from __future__ import annotations

import pytest

from flows.phones import Verdict, display, is_e164, judge, parse, reachable


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(212) 555-0123", "+12125550123"),
        ("212.555.0123", "+12125550123"),
        ("1 212 555 0123", "+12125550123"),
        ("+1 212 555 0123", "+12125550123"),
        ("2125550123#", "+12125550123"),
        ("２１２５５５０１２３", "+12125550123"),
        ("+44 20 7123 4567", "+442071234567"),
        ("011 44 20 7123 4567", "+442071234567"),
        ("212555012", ""),
        ("call me", ""),
        ("", ""),
        ("#", ""),
    ],
)
def test_numbers_typed_any_common_way(typed: str, e164: str) -> None:
    assert parse(typed) == e164


@pytest.mark.parametrize(
    ("number", "verdict"),
    [
        ("+12125550123", Verdict.REACHABLE),  # New York
        ("+14165550123", Verdict.REACHABLE),  # Toronto
        ("+18005551212", Verdict.REACHABLE),  # toll-free
        ("+19005551234", Verdict.PREMIUM),  # 900: premium rate
        ("+18762345678", Verdict.ABROAD),  # Jamaica: +1, but billed as international
        ("+442071234567", Verdict.ABROAD),
        ("+15551230001", Verdict.INVALID),  # 555 is no area code
        ("+266696687", Verdict.INVALID),  # Twilio's "anonymous" caller ID
        ("CA0123", Verdict.INVALID),  # a CallSid standing in for a withheld number
        ("+1", Verdict.INVALID),
    ],
)
def test_what_may_be_texted_or_called(number: str, verdict: Verdict) -> None:
    assert judge(number) is verdict
    assert reachable(number) is (verdict is Verdict.REACHABLE)


def test_e164_is_written_with_a_plus_and_valid() -> None:
    assert is_e164("+12125550123") and is_e164("+442071234567")
    assert not is_e164("12125550123") and not is_e164("+1 212 555 0123")
    assert not is_e164("+15551230001") and not is_e164("+１２１２５５５０１２３")


def test_numbers_are_shown_as_people_write_them() -> None:
    assert display("+12125550123") == "212-555-0123"
    assert display("+442071234567") == "+44 20 7123 4567"
    assert display("not a number") == "not a number"
