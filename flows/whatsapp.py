"""The fact sheet on WhatsApp: a part is one message, under a *bold* heading, with no GSM-7 budget."""

from __future__ import annotations

from flows.model import Flow
from flows.parts import is_part, title

WHATSAPP_MAX = 1600  # characters Twilio sends in one message, on any channel


def whatsapp_part(flow: Flow, node_id: str) -> str:
    """A node's SMS pages as one WhatsApp message; a part of the fact sheet under its title."""
    pages = flow.nodes[node_id].sms
    # A page that goes on with a list ("- ...") stays in its paragraph.
    body = pages[0] + "".join(("\n" if p.startswith("-") else "\n\n") + p for p in pages[1:])
    return f"*{title(flow, node_id)}*\n{body}\n" if is_part(flow, node_id) else body


def bold(text: str) -> str:
    """`text` as WhatsApp shows in bold."""
    return f"*{text}*"
