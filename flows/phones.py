"""Phone numbers, parsed, judged and shown with Google's libphonenumber (the `phonenumbers` package).

The one place the hotline reads a number: a caller ID, a number typed or keyed as the one to
call back, a setting, a staff phone. Texts and calls go only to numbers it judges reachable:
valid US or Canadian mobile, fixed-line or toll-free numbers, never premium-rate ones, nor
international ones or those that bill as international (the Caribbean shares +1).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGIONS = frozenset({"US", "CA"})
DEFAULT_REGION = "US"  # a number typed without a country code
MAX_TYPED = 64  # characters of a typed number read: a number is never longer
REACHABLE_TYPES = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.TOLL_FREE,
    }
)
# 976 exchanges (212-976-xxxx) were, and in places still are, local pay-per-call lines, which
# libphonenumber counts as ordinary fixed lines.
PAY_PER_CALL_EXCHANGE = "976"
# What Twilio puts in From for a withheld, unknown, restricted or blocked caller ID.
WITHHELD = frozenset({"+266696687", "+86282452253", "+8656696687", "+7378742833", "+2562533"})


class Verdict(StrEnum):
    """Whether the hotline may text or call a number, and if not, why (said to the person)."""

    REACHABLE = "reachable"
    INVALID = "invalid"  # not a number that exists, or a withheld caller ID
    ABROAD = "abroad"  # outside the US and Canada, or billed as international
    PREMIUM = "premium"  # premium-rate, shared-cost, or any other kind we do not text or call


# Why a number is refused, in words for staff and operators (people hear the content's words).
REFUSED_BECAUSE = {
    Verdict.INVALID: "not a valid phone number",
    Verdict.ABROAD: "outside the US and Canada, or billed as international",
    Verdict.PREMIUM: "a premium-rate or other special number",
}


def parse(text: str) -> str:
    """A number typed, keyed or spoken as digits, as E.164 ('' if it is not a possible number).

    Without a country code it is taken as a US or Canadian number; '#' and '*' (keys) and any
    punctuation are ignored; fullwidth digits count as digits.
    """
    folded = unicodedata.normalize("NFKC", text[:MAX_TYPED])
    kept = "".join(c for c in folded if c.isascii() and (c.isdigit() or c == "+"))
    if not kept.strip("+"):
        return ""
    try:
        number = phonenumbers.parse(kept, DEFAULT_REGION)
    except NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def judge(e164: str) -> Verdict:
    """Whether a number in E.164 may be texted or called by the hotline."""
    number = _valid(e164)
    if number is None or e164 in WITHHELD:
        return Verdict.INVALID
    if phonenumbers.region_code_for_number(number) not in REGIONS:
        return Verdict.ABROAD
    if phonenumbers.number_type(number) not in REACHABLE_TYPES:
        return Verdict.PREMIUM
    if str(number.national_number)[3:6] == PAY_PER_CALL_EXCHANGE:
        return Verdict.PREMIUM
    return Verdict.REACHABLE


def reachable(e164: str) -> bool:
    """Whether the hotline may text or call this number."""
    return judge(e164) is Verdict.REACHABLE


def is_e164(text: str) -> bool:
    """Whether `text` is written in E.164: '+', then 7 to 15 ASCII digits, the first not 0."""
    digits = text[1:]
    return (
        text.startswith("+")
        and digits.isascii()
        and digits.isdigit()
        and 7 <= len(digits) <= 15
        and digits[0] != "0"
    )


def is_valid(text: str) -> bool:
    """Whether `text` is in E.164 and a valid number of any country (reachable or not)."""
    return _valid(text) is not None


def _valid(text: str) -> phonenumbers.PhoneNumber | None:
    """`text` parsed, if it is in E.164 and a valid number of any country."""
    if not is_e164(text):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except NumberParseException:  # a country code that does not exist
        return None
    return number if phonenumbers.is_valid_number(number) else None


def display(e164: str) -> str:
    """A number as people write it: '212-555-0123' at home, '+44 20 7123 4567' abroad."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if number.country_code == 1 and len(str(number.national_number)) == 10:
        digits = str(number.national_number)
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
