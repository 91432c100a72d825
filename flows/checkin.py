"""A check-in, only if asked for: offered once, sent fourteen days later, answered by a digit.

A person who has read two parts of the fact sheet (or whose call back was closed as reached)
is asked once: "May we text you in two weeks…? 1 Yes, 2 No" (not YES: Twilio answers YES
itself). Agreeing makes the check-in pending; it is sent CHECKIN_AFTER later, between
EARLIEST and LATEST o'clock in the person's own time zone, and its answer (1, 2 or 3) is
understood even after the conversation itself has expired. A reply that is not an answer lets
an open question lapse; STOP cancels it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers import timezone as number_zones

from flows.model import CallbackForm, Effect, RequestCallback, ScheduleCheckin, State, Tally, Window


class Stage(StrEnum):
    """Where a person's check-in stands."""

    NONE = ""
    OFFERED = "offered"  # the offer awaits an answer
    PENDING = "pending"  # agreed: waits to be sent
    ASKED = "asked"  # sent: its answer awaited


STAGES = tuple(Stage)  # a stage's place here is how a record keeps it
CHECKIN_AFTER = timedelta(days=14)
PENDING_LASTS = 15 * 24 * 3600  # seconds a pending check-in is kept, at most
OFFER_LASTS = 24 * 3600  # seconds an offer waits for its answer
PARTS_BEFORE_OFFER = 2
EARLIEST, LATEST = 9, 20  # local hours between which a check-in may be sent
YES, NO = "1", "2"
ANSWERS = {"1": "yes", "2": "not_yet", "3": "social_worker"}  # digit -> the answer's name


def may_offer(state: State) -> bool:
    """Whether to offer a check-in now: two parts read, never offered, none open."""
    return (
        not state.offered
        and not state.checkin
        and not state.opted_out
        and state.read.bit_count() >= PARTS_BEFORE_OFFER
    )


def offered(state: State) -> tuple[State, tuple[Effect, ...]]:
    """`state` once the offer is made (reply with the text `checkin_offer`)."""
    return replace(state, checkin=Stage.OFFERED, offered=True), (Tally("checkin_offered"),)


def answer(state: State, digit: str) -> tuple[State, str, tuple[Effect, ...]] | None:
    """An open offer or check-in answered by `digit`: the new state, the text to reply with
    and the effects; None when `digit` is not an answer to what is open."""
    if state.checkin == Stage.OFFERED and digit in (YES, NO):
        if digit == YES:
            effects: tuple[Effect, ...] = (ScheduleCheckin(), Tally("checkin_accepted"))
            return replace(state, checkin=Stage.PENDING), "checkin_agreed", effects
        return replace(state, checkin=Stage.NONE), "checkin_declined", (Tally("checkin_declined"),)
    if state.checkin == Stage.ASKED and digit in ANSWERS:
        name = ANSWERS[digit]
        effects = (Tally("checkin_answered"), Tally(f"checkin_answer_{name}"))
        if name == "social_worker":
            form = CallbackForm(Window.ANY, voicemail=False)
            effects = (*effects, RequestCallback(form, state.topic))
        return replace(state, checkin=Stage.NONE), f"checkin_thanks_{name}", effects
    return None


def is_open(state: State) -> bool:
    """Whether a reply may answer something now (an offer, or a check-in sent)."""
    return state.checkin in (Stage.OFFERED, Stage.ASKED)


def send_at(agreed: datetime, zone: ZoneInfo) -> datetime:
    """When to send a check-in agreed at `agreed`: CHECKIN_AFTER later, moved into the hours
    EARLIEST to LATEST of `zone` (to the next morning when it would fall in the evening)."""
    local = (agreed + CHECKIN_AFTER).astimezone(zone)
    morning = local.replace(hour=EARLIEST, minute=0, second=0, microsecond=0)
    if local.hour < EARLIEST:
        return morning
    if local.hour >= LATEST:
        return morning + timedelta(days=1)
    return local


def time_zone(e164: str, office: ZoneInfo) -> ZoneInfo:
    """The person's time zone from their number (libphonenumber's data); `office` when the
    number names none, or several."""
    try:
        zones = number_zones.time_zones_for_number(phonenumbers.parse(e164, None))
    except NumberParseException:
        return office
    if len(zones) != 1:
        return office
    try:
        return ZoneInfo(zones[0])
    except (ZoneInfoNotFoundError, ValueError):  # "Etc/Unknown"
        return office
