"""flows.phones: numbers parsed, judged and shown with libphonenumber; refused by why."""

from __future__ import annotations

import pytest

from flows.callback import refusal, take_number
from flows.model import State
from flows.phones import Verdict, display, is_e164, is_valid, judge, parse, reachable
from tests.support import shipped_flows


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
        ("+12129760123", Verdict.PREMIUM),  # a 976 exchange: pay-per-call
        ("+15005550006", Verdict.PREMIUM),  # 500: a "personal" number (Twilio's test numbers)
        ("+18762345678", Verdict.ABROAD),  # Jamaica: +1, but billed as international
        ("+442071234567", Verdict.ABROAD),
        ("+15551230001", Verdict.INVALID),  # 555 is no area code
        ("+266696687", Verdict.INVALID),  # Twilio's "anonymous" caller ID
        ("CA0123", Verdict.INVALID),  # a CallSid standing in for a withheld number
        ("+1", Verdict.INVALID),
        ("+1 212 555 0123", Verdict.INVALID),  # not E.164
        ("+999123456789", Verdict.INVALID),  # no such country code
        ("whatsapp:+12125550123", Verdict.INVALID),  # an address, not a number
    ],
)
def test_what_may_be_texted_or_called(number: str, verdict: Verdict) -> None:
    assert judge(number) is verdict
    assert reachable(number) is (verdict is Verdict.REACHABLE)


def test_e164_is_a_plus_and_digits_whatever_they_are() -> None:
    assert is_e164("+12125550123") and is_e164("+15551230001") and is_e164("+15005550006")
    assert not is_e164("12125550123") and not is_e164("+1 212 555 0123")
    assert not is_e164("+１２１２５５５０１２３") and not is_e164("+0123456789")
    assert not is_e164("+123456") and not is_e164("+1234567890123456") and not is_e164("+")


def test_valid_is_e164_and_a_number_of_some_country() -> None:
    assert is_valid("+12125550123") and is_valid("+442071234567") and is_valid("+19005551234")
    assert not is_valid("+15551230001") and not is_valid("+1 212 555 0123")
    assert not is_valid("+999123456789") and not is_valid("")


def test_numbers_are_shown_as_people_write_them() -> None:
    assert display("+12125550123") == "212-555-0123"
    assert display("+442071234567") == "+44 20 7123 4567"
    assert display("not a number") == "not a number"
    assert parse(display("+14165550123")) == "+14165550123"


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ("1 900 555 0123", "number_premium"),
        ("212 976 0123", "number_premium"),
        ("+44 20 7946 0123", "number_abroad"),
        ("876 555 0123", "number_abroad"),
        ("555 123 0001", "number_bad"),
        ("call me", "number_bad"),
    ],
)
def test_a_number_the_hotline_may_not_call_is_not_taken_and_refused_by_why(
    typed: str, refused: str
) -> None:
    flow = shipped_flows()["en"]
    assert take_number(flow, State(), typed) is None
    assert refusal(typed) == refused and refused in flow.texts
