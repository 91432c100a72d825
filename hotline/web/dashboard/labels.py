"""What the dashboard calls things: languages, best times and topics in the content's own words
(English), channels and outcomes in the dashboard's."""

from __future__ import annotations

from flows.model import Flows, GoTo
from hotline.stores.callbacks import CallbackOutcome, CallbackRequest, Status

CHANNELS = {"sms": "text", "voice": "phone call"}
OUTCOMES = {
    CallbackOutcome.REACHED: "Reached",
    CallbackOutcome.NO_ANSWER: "No answer",
    CallbackOutcome.WRONG_NUMBER: "Wrong number",
    CallbackOutcome.CLOSED: "Closed (no call needed)",
}


def languages(flows: Flows) -> dict[str, str]:
    """Each language's name ('es': 'Spanish')."""
    return {lang: flow.name for lang, flow in flows.items()}


def windows(flows: Flows) -> dict[str, str]:
    """The best times to call, by the English call-back options' labels ('morning': 'Morning')."""
    options = [o for n in flows["en"].nodes.values() for o in n.options] if "en" in flows else []
    return {o.set.window.value: o.label for o in options if o.set and o.set.window}


def topic(flows: Flows, node_id: str) -> str:
    """A part of the fact sheet by the English menu label that leads to it ('find': 'Find a doctor')."""
    options = [o for n in flows["en"].nodes.values() for o in n.options] if "en" in flows else []
    labels = {o.target.node: o.label for o in options if isinstance(o.target, GoTo)}
    return labels.get(node_id, node_id)


def recorded(closed: CallbackRequest, max_attempts: int, back_at: str) -> str:
    """What to tell the social worker once an outcome is recorded (`back_at`: when it returns)."""
    if closed.outcome is not CallbackOutcome.NO_ANSWER:
        said = OUTCOMES[closed.outcome] if closed.outcome else "no outcome"
        return f"Recorded: {said}. The request is closed."
    tried = f"Recorded: no answer, attempt {closed.attempts} of {max_attempts}."
    if closed.status is Status.CLOSED:
        return f"{tried} The request is closed."
    return f"{tried} It comes back to the queue at {back_at}."
