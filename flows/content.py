"""Load the content files (one per language) into Flows, validated before anything uses them.

flows/content/README.md describes the files.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from flows.crisis import crisis_keywords
from flows.model import (
    Asks,
    CallbackForm,
    Channel,
    FileRequest,
    Flow,
    Flows,
    GoTo,
    Node,
    Option,
    SwitchLanguage,
    Talk,
    Target,
    Window,
)
from flows.validate import ContentError, validate

CONTENT_DIR = Path(__file__).parent / "content"
TALK, REQUEST, LANGUAGE = "@talk", "@callback", "@lang:"  # targets that are actions, not nodes
YES_NO_ANSWERS = ("voicemail", "say_cancercare", "treatment_soon")  # the form's yes/no answers


def load_flows(directory: Path = CONTENT_DIR, check: bool = True) -> Flows:
    """Every `<lang>.toml` in `directory`, parsed and (unless `check` is off) validated.

    Raises ContentError if any file is malformed, or, when checking, inconsistent or over budget.
    """
    flows = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as f:
            flow = parse_flow(tomllib.load(f), path.name)
        flows[flow.lang] = flow
    if not flows:
        raise ContentError(f"no content files (*.toml) in {directory}")
    if check:
        validate(flows)
    return flows


def parse_flow(data: Mapping[str, Any], name: str = "content") -> Flow:
    """One language's content, as read from TOML, into a Flow (shape only; validate() checks sense)."""
    try:
        nodes = {
            node_id: Node(
                id=node_id,
                sms=_strings(raw["sms"], f"{node_id}.sms"),
                voice=_strings(raw["voice"], f"{node_id}.voice"),
                options=tuple(_option(o) for o in raw.get("options", ())),
                asks=Asks(raw["asks"]) if "asks" in raw else None,
            )
            for node_id, raw in data["nodes"].items()
        }
        flow = Flow(
            lang=data["lang"],
            nodes=nodes,
            texts=dict(data["texts"]),
            keywords={
                k: frozenset(w.upper() for w in _strings(v, f"keywords.{k}"))
                for k, v in crisis_keywords(data["keywords"], data.get("crisis")).items()
            },
            source=dict(data["source"]),
            words={k: _strings(v, f"words.{k}") for k, v in data.get("words", {}).items()},
            name=data.get("name", ""),
            tts_voice=data["voice"]["tts"],
            speech_language=data["voice"]["language"],
            root=data.get("root", "main"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"{name}: malformed content: {exc!r}") from exc
    return replace(flow, parents=tree_parents(flow))


def _option(raw: Mapping[str, str]) -> Option:
    """One option as TOML gives it: key, label, say, target, and maybe channel and set."""
    unknown = set(raw) - {"key", "label", "say", "target", "channel", "set"}
    if unknown:
        raise TypeError(f"option {raw.get('key')!r} has unknown fields {sorted(unknown)}")
    channel = Channel(raw["channel"]) if raw.get("channel") else None
    given = _answer(raw["set"]) if raw.get("set") else None
    return Option(raw["key"], raw["label"], target(raw["target"]), raw["say"], channel, given)


def target(spelled: str) -> Target:
    """An option's target as the content spells it: a node id, @talk, @callback or @lang:<lang>."""
    if spelled == TALK:
        return Talk()
    if spelled == REQUEST:
        return FileRequest()
    if spelled.startswith(LANGUAGE):
        return SwitchLanguage(spelled.removeprefix(LANGUAGE))
    if spelled.startswith("@"):
        raise ValueError(
            f"unknown target {spelled!r} (actions: {TALK}, {REQUEST}, {LANGUAGE}<lang>)"
        )
    return GoTo(spelled)


def _answer(spelled: str) -> CallbackForm:
    """An option's `set`: 'window=morning' (morning, afternoon, evening, any), or a yes/no answer
    such as 'voicemail=yes' (voicemail, say_cancercare, treatment_soon)."""
    name, _, value = spelled.partition("=")
    if name == "window":
        return CallbackForm(window=Window(value))
    if name in YES_NO_ANSWERS and value in ("yes", "no"):
        given: dict[str, Any] = {name: value == "yes"}
        return CallbackForm(**given)
    raise ValueError(
        f"set = {spelled!r}: expected window=<{'|'.join(Window)}> or "
        f"<{'|'.join(YES_NO_ANSWERS)}>=<yes|no>"
    )


def _strings(value: object, where: str) -> tuple[str, ...]:
    """A TOML list of strings as a tuple; a bare string would silently become its letters."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{where} must be a list of strings")
    return tuple(value)


def tree_parents(flow: Flow) -> dict[str, str]:
    """Each node's parent: the first node, breadth-first from the root, that leads to it."""
    parents: dict[str, str] = {}
    queue = [flow.root]
    for node_id in queue:
        for option in flow.nodes[node_id].options if node_id in flow.nodes else ():
            match option.target:
                case GoTo(node) if node not in parents and node in flow.nodes and node != flow.root:
                    parents[node] = node_id
                    queue.append(node)
    return parents
