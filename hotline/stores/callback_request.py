"""A call-back request as the queue keeps it, and where it stands in the queue at a given time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import IntEnum, StrEnum
from typing import Any

from flows.model import Channel
from hotline.stores.decode import text


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class Mention(StrEnum):
    """What a social worker may say if someone else answers (the person's own answer)."""

    CANCERCARE = "cancercare"  # that they are calling from CancerCare
    DISCREET = "discreet"  # only that it is "a call you asked for"
    UNASKED = ""  # not asked (an urgent request, or one filed before the question): discreet


class CallbackOutcome(StrEnum):
    """How a social worker's call back went."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    CLOSED = "closed"


@dataclass(frozen=True)
class CallbackRequest:
    """One person's request to be called back: only what a social worker needs."""

    id: str
    person: str  # keyed hash of the person's own number: finds their open request
    number: str  # the number to call
    channel: Channel
    lang: str
    topic: str
    window: str
    voicemail: bool
    urgent: bool
    requested_at: float
    updated_at: float
    text_to: str = ""  # the asker's own number, for texts about the request ('' if withheld)
    first_number: str = ""  # the number first asked for, when a later request changed it
    attempts: int = 0
    status: Status = Status.OPEN
    claimed_by: str = ""
    lease_until: float = 0.0
    outcome: CallbackOutcome | None = None
    note: str = ""
    closed_at: float = 0.0
    not_before: float = 0.0  # after no answer: retried after this (at the end of the queue)
    mention: Mention = Mention.UNASKED
    first_name: str = ""  # whom to ask for (given by text)
    treatment_soon: bool = False  # treatment starts within two weeks
    due_at: float = 0.0  # a scheduled call back: left out of the queue until then

    def age(self, now: float) -> float:
        """Seconds since the request was made."""
        return now - self.requested_at

    @property
    def discreet(self) -> bool:
        """Whether nobody but the person may hear where the call is from."""
        return self.mention is not Mention.CANCERCARE

    def held_by(self, now: float) -> str:
        """Who holds a live claim on it ('' if nobody: an expired lease returns it to the queue)."""
        return self.claimed_by if self.status is Status.CLAIMED and self.lease_until > now else ""

    @classmethod
    def from_hash(cls, raw: Mapping[Any, Any]) -> CallbackRequest:
        values = {text(k): text(v) for k, v in raw.items()}
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            value = values.get(f.name, "")
            if f.type == "bool":
                kwargs[f.name] = value == "1"
            elif f.type == "float":
                kwargs[f.name] = float(value or 0)
            elif f.type == "int":
                kwargs[f.name] = int(value or 0)
            elif f.type == "Status":
                kwargs[f.name] = Status(value or "open")
            elif f.type == "Mention":
                kwargs[f.name] = Mention(value)
            elif f.type == "Channel":
                kwargs[f.name] = Channel(value or "sms")
            elif f.type == "CallbackOutcome | None":
                kwargs[f.name] = CallbackOutcome(value) if value else None
            else:
                kwargs[f.name] = value
        return cls(**kwargs)  # type: ignore[arg-type]


class Tier(IntEnum):
    """Where a request stands in the queue, first to last."""

    URGENT = 0
    TREATMENT_SOON = 1  # treatment starts within two weeks
    DUE = 2  # a scheduled call back whose time has come
    WAITING = 3
    RETRY_LATER = 4  # no answer a moment ago: tried again after a wait
    LATER = 5  # scheduled for later: left out of the queue until due


def tier(urgent: bool, soon: bool, due_at: float, not_before: float, now: float) -> Tier:
    """A request's tier at `now` (decided when the queue is read: no job moves anything)."""
    if due_at > now:
        return Tier.LATER
    if not_before > now:
        return Tier.RETRY_LATER
    if urgent:
        return Tier.URGENT
    if soon:
        return Tier.TREATMENT_SOON
    return Tier.DUE if due_at else Tier.WAITING


def place(r: CallbackRequest, now: float) -> tuple[int, float]:
    """A request's sort key at `now`: its tier, then oldest first (scheduled ones by due time)."""
    found = tier(r.urgent, r.treatment_soon, r.due_at, r.not_before, now)
    return found, r.due_at if found in (Tier.DUE, Tier.LATER) else r.requested_at
