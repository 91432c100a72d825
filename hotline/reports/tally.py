"""What each event counts: names of counters and how much to add, never who or what was said.

A counter's name is `figure:channel:lang[:detail]` for what a conversation step does, and
`figure[:detail]` for call backs and texts. Details are content ids (a part of the fact sheet,
a start keyword), outcomes, bucket bounds or Twilio error codes: nothing a person typed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache

from flows.model import Channel, Event, Flow, Flows, Outcome, RequestCallback, SendText, State
from flows.segments import measure
from flows.text import normalise
from flows.validate import spoken_seconds
from flows.voice.prompts import can_text_here, speakable
from hotline.office import OfficeHours
from hotline.stores.callbacks import CallbackOutcome, CallbackRequest, Status

# Upper bounds (seconds) of the waiting-time buckets: 5, 15, 30 min, 1, 2, 4, 8 h, 1, 2, 3, 7 days.
WAIT_BUCKETS = (300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 259200, 604800, math.inf)
OTHER_KEYWORD = "other"  # a conversation that began with anything but a start keyword
CALL_KEYWORD = "call"  # a conversation that began with a phone call


@dataclass(frozen=True)
class Tally:
    """What one event adds: counts by name, and the person (by tag) to add to a day's people.

    `person` is (channel, lang, tag); the tag goes into a HyperLogLog, which keeps none of it.
    """

    counts: Counter[str] = field(default_factory=Counter)
    person: tuple[str, str, str] | None = None


def step(flows: Flows, event: Event, before: State, outcome: Outcome, tag: str) -> Tally:
    """What one conversation step counts, from the state before it and its outcome."""
    after = outcome.state
    flow = flows[after.lang]
    channel = event.channel
    at = f"{channel}:{after.lang}"
    counts: Counter[str] = Counter()
    if after.node and not before.node:
        counts[f"conversations:{at}"] += 1
        counts[f"entry:{at}:{_entry(flows, event)}"] += 1
    moved = (after.node, after.page) != (before.node, before.page)
    if after.node and moved and can_text_here(flow, after.node):
        node = flow.nodes[after.node]
        if after.node != before.node:
            counts[f"opened:{at}:{after.node}"] += 1
        counts[f"page:{at}:{after.node}:{after.page + 1}"] += 1
        pages = node.voice if channel is Channel.VOICE else node.sms
        if after.page == len(pages) - 1:
            counts[f"finished:{at}:{after.node}"] += 1
    for effect in outcome.effects:
        if isinstance(effect, SendText):
            counts[f"press_nine:{at}"] += 1
        elif isinstance(effect, RequestCallback) and effect.urgent:
            counts[f"urgent:{at}"] += 1
    if any(reply in _safety_answers(flow) for reply in outcome.replies):
        counts[f"safety:{at}"] += 1
    if channel is Channel.SMS:  # WhatsApp's messages have no segments
        cost = _segments_uncached if outcome.personal else _segments
        counts[f"reply_segments:{at}"] += sum(cost(reply) for reply in outcome.replies)
    elif channel is Channel.VOICE:
        said = _seconds_uncached if outcome.personal else _seconds
        counts[f"voice_seconds:{at}"] += round(sum(said(reply) for reply in outcome.replies))
    return Tally(+counts, (channel.value, after.lang, tag))


def filed(request: CallbackRequest) -> Tally:
    """A new call-back request in the queue (asking again updates it and counts nothing)."""
    kind = "urgent" if request.urgent else "ordinary"
    return Tally(Counter({f"callbacks_requested:{request.channel}:{request.lang}:{kind}": 1}))


def recorded(request: CallbackRequest, office: OfficeHours) -> Tally:
    """An outcome a social worker recorded: the attempt, the waits, and how the request closed.

    `request` is as the outcome left it: `attempts` counts unanswered calls, `updated_at` is
    when the outcome was recorded. An attempt is a call (reached, no answer, wrong number).
    """
    counts: Counter[str] = Counter()
    outcome = request.outcome
    if outcome is None:
        return Tally()
    waited = request.updated_at - request.requested_at
    if outcome is not CallbackOutcome.CLOSED:
        counts[f"callback_attempt:{outcome}"] += 1
        earlier = request.attempts - (1 if outcome is CallbackOutcome.NO_ANSWER else 0)
        if earlier == 0:
            counts[f"wait_first_attempt:{bucket(waited)}"] += 1
    if outcome is CallbackOutcome.REACHED:
        counts[f"wait_reached:{bucket(waited)}"] += 1
        asked = datetime.fromtimestamp(request.requested_at, UTC)
        reached = datetime.fromtimestamp(request.updated_at, UTC)
        if office.open_seconds(asked, reached) <= office.business_day():
            counts["reached_within_business_day"] += 1
    if request.status is Status.CLOSED:
        counts[f"callback_closed:{outcome}"] += 1
    return Tally(counts)


def sent(body: str, segments: bool = True) -> Tally:
    """A text the hotline started (not a reply), and its SMS segments (none on WhatsApp)."""
    return Tally(
        +Counter({"texts_sent": 1, "text_segments": segments and _segments_uncached(body)})
    )


def failed(code: str) -> Tally:
    """A request Twilio's REST API refused or could not take, by Twilio's error code."""
    return Tally(Counter({f"twilio_error:{code}": 1}))


def held_back(reason: str) -> Tally:
    """A text the outbound budget kept back ('hour' or 'recipient')."""
    return Tally(Counter({f"held_back:{reason}": 1}))


def bucket(seconds: float) -> str:
    """The name of the waiting-time bucket `seconds` falls in: its upper bound, or 'inf'."""
    bound = next(b for b in WAIT_BUCKETS if seconds <= b)
    return "inf" if math.isinf(bound) else str(bound)


def _entry(flows: Flows, event: Event) -> str:
    """The start keyword a conversation began with, or 'call', or 'other' (never the text)."""
    if event.channel is Channel.VOICE:
        return CALL_KEYWORD
    said = normalise(event.text)
    return said if said in _start_keywords(tuple(flows.values())) else OTHER_KEYWORD


@cache
def _start_keywords(flows: tuple[Flow, ...]) -> frozenset[str]:
    return frozenset(word for flow in flows for word in flow.keywords["start"])


@cache
def _safety_answers(flow: Flow) -> frozenset[str]:
    """The replies that are the safety answer, as texted and as spoken."""
    return frozenset({flow.text("crisis"), speakable(flow.text("voice_crisis"))})


def _segments_uncached(text: str) -> int:
    return measure(text).segments


def _seconds_uncached(text: str) -> float:
    return spoken_seconds(text)


# Replies are mostly the content's own texts: measured once each. A reply that repeats what the
# person typed (`Outcome.personal`) is measured without being kept.
_segments = lru_cache(maxsize=2048)(_segments_uncached)
_seconds = lru_cache(maxsize=2048)(_seconds_uncached)
