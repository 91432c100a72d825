"""What the content costs and says, for the people who maintain it: budgets per text, and a transcript."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flows.catalogue import (
    SMS_MAX_SEGMENTS,
    VOICE_MAX_SECONDS,
    VOICE_SLOW_MAX_SECONDS,
    slow,
    sms_texts,
    spoken_seconds,
    voice_prompts,
    whatsapp_breach,
)
from flows.model import Channel, Flows
from flows.segments import measure, non_gsm_positions
from flows.sms import page_text
from flows.voice.prompts import prompt, speakable


@dataclass(frozen=True)
class Line:
    """One text's figures and whether it breaks its budget."""

    lang: str
    channel: Channel
    name: str
    figures: str
    breach: str = ""


def budget_lines(flows: Flows) -> Iterator[Line]:
    """Every SMS text, WhatsApp message and voice prompt (at the usual pace and slowly) of every
    language, with its cost and any breach."""
    for lang, flow in flows.items():
        for name, text in sms_texts(flow):
            m = measure(text)
            figures = f"{m.encoding}, {m.characters} chars, {m.segments} segment(s)"
            breaches = []
            if not m.is_gsm7:
                where = ", ".join(f"{c!r} at {i}" for i, c in non_gsm_positions(text))
                breaches.append(f"not GSM-7: {where}")
            if m.segments > SMS_MAX_SEGMENTS:
                breaches.append(f"over {SMS_MAX_SEGMENTS} segments")
            yield Line(lang, Channel.SMS, name, figures, "; ".join(breaches))
        for name, text in sms_texts(flow, Channel.WHATSAPP):
            figures = f"{len(text)} chars, 1 message"
            yield Line(lang, Channel.WHATSAPP, name, figures, whatsapp_breach(text))
        for name, text in voice_prompts(flow):
            seconds, slowly = spoken_seconds(text), slow(text)
            figures = (
                f"{len(speakable(text).split())} words, {seconds:.0f} s, slowly {slowly:.0f} s"
            )
            overs = [f"over {VOICE_MAX_SECONDS:.0f} s"] if seconds > VOICE_MAX_SECONDS else []
            if slowly > VOICE_SLOW_MAX_SECONDS:
                overs.append(f"slowly over {VOICE_SLOW_MAX_SECONDS:.0f} s")
            yield Line(lang, Channel.VOICE, name, figures, "; ".join(overs))


def transcript(flows: Flows) -> str:
    """The whole SMS and voice trees as plain text a reviewer can read, part by part."""
    out: list[str] = []
    for lang, flow in flows.items():
        source = flow.source
        out.append(f"# {source['publisher']}, {source['title']} ({lang})")
        out.append(f"Source updated {source['updated']}; content reviewed {source['reviewed']}.\n")
        for node in flow.nodes.values():
            out.append(f"## {node.id}\n\n### By text")
            for page in range(len(node.sms)):
                out.append(
                    f"[text {page + 1} of {len(node.sms)}]\n{page_text(flow, node.id, page)}\n"
                )
            whatsapp = page_text(flow, node.id, 0, Channel.WHATSAPP)
            out.append(f"### On WhatsApp\n[one message]\n{whatsapp}\n")
            out.append("### By phone")
            for page in range(len(node.voice)):
                spoken = " ".join(speakable(p) for p in prompt(flow, node.id, page))
                out.append(f"[prompt {page + 1} of {len(node.voice)}]\n{spoken}\n")
            if any(o.channel for o in node.options):
                only = ", ".join(f"{o.key} ({o.channel} only)" for o in node.options if o.channel)
                out.append(f"Options for one channel only: {only}\n")
        out.append("## Fixed texts\n")
        out += [f"{name}: {text}" for name, text in flow.texts.items()]
        out.append("")
    return "\n".join(out)
