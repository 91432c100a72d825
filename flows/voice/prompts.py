"""What a caller hears: prompts worded from the content, and phone numbers made speakable."""

from __future__ import annotations

import re

from flows.callback import DONE_NODE
from flows.model import Channel, Flow, Option, SwitchLanguage
from flows.parts import title
from flows.voice.hearing import COMMANDS

# A number as `phones.display` writes it (212-555-0123) or as the content does (800 813 4673).
# A regex rather than libphonenumber's matcher, which would cost 0.1 to 0.7 ms a prompt on
# every step of every call to find numbers whose form the hotline chose itself.
SLOW_PACE = 0.8  # the pace a caller who asks for slower speech hears (SSML prosody rate)
_PHONE = re.compile(r"\b(?:1[ -])?\d{3}[ -]\d{3}[ -]\d{4}\b")


def speakable(text: str) -> str:
    """Phone numbers spelled out digit by digit ('1 800 422 6237' -> '1, 8 0 0, 4 2 2, 6 2 3 7')."""

    def spell(match: re.Match[str]) -> str:
        return ", ".join(" ".join(group) for group in re.split(r"[ -]", match.group()))

    return _PHONE.sub(spell, text)


def prompt(flow: Flow, node_id: str, page: int) -> tuple[str, ...]:
    """What a caller hears on one page of a node: the page, then the choices and keys."""
    node = flow.nodes[node_id]
    parts = [node.voice[page]]
    if page + 1 < len(node.voice):
        parts.append(flow.text("voice_more"))
    else:
        parts += [_option_line(flow, o) for o in node.options_for(Channel.VOICE)]
    parts.append(flow.text(_keys_text(flow, node_id)))
    return tuple(parts)


def _option_line(flow: Flow, option: Option) -> str:
    if isinstance(option.target, SwitchLanguage):
        return flow.text("voice_other_language")  # said in the other language, so it is understood
    return flow.text("voice_option", say=option.say, key=option.key)


def _keys_text(flow: Flow, node_id: str) -> str:
    if node_id == flow.root:
        return "voice_root_keys"
    return "voice_keys" if can_text_here(flow, node_id) else "voice_form_keys"


def can_text_here(flow: Flow, node_id: str) -> bool:
    """Whether "press 9" offers this node by text: parts of the fact sheet, not the menu or forms."""
    return node_id not in (flow.root, DONE_NODE) and not flow.nodes[node_id].asks


def crisis_prompt(flow: Flow) -> tuple[str, ...]:
    """The safety answer: 911, 988, an urgent call back (8); star goes back to where the caller was."""
    return (flow.text("voice_crisis"), flow.text("voice_form_keys"))


def offer(flow: Flow) -> tuple[str, ...]:
    """What a caller hears after repeated misses: a person, or a call back."""
    return (flow.text("voice_offer"),)


def greeting(flow: Flow, resume: str = "", slow: bool = False) -> tuple[str, ...]:
    """The start of every call: who we are, the notice, that we can speak more slowly, the main
    menu. A caller who heard a part (`resume`) recently is offered it instead of the notice."""
    lead = (
        flow.text("voice_resume", part=title(flow, resume)) if resume else flow.text("voice_notice")
    )
    offer = () if slow else (flow.text("voice_slower_offer"),)
    return (flow.text("voice_welcome"), lead, *offer, *prompt(flow, flow.root, 0))


def hints(flow: Flow, node_id: str) -> tuple[str, ...]:
    """Phrases the speech recogniser should expect at this node."""
    labels = [o.label.lower() for o in flow.nodes[node_id].options_for(Channel.VOICE)]
    words = [w.lower() for k, _ in COMMANDS for w in flow.keywords[k]]
    words += [w.lower() for w in flow.keywords["slower"]]
    return tuple(dict.fromkeys(labels + words))
