"""Load the content files (one per language) into Flows, validated before anything uses them."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from flows.crisis import crisis_keywords
from flows.model import Flow, Flows, Node, Option
from flows.validate import ContentError, validate

CONTENT_DIR = Path(__file__).parent / "content"


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
                options=tuple(Option(**o) for o in raw.get("options", ())),
                asks=raw.get("asks", ""),
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
            tts_voice=data["voice"]["tts"],
            speech_language=data["voice"]["language"],
            root=data.get("root", "main"),
        )
    except (KeyError, TypeError) as exc:
        raise ContentError(f"{name}: malformed content: {exc!r}") from exc
    return replace(flow, parents=tree_parents(flow))


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
            if (
                option.target not in parents
                and option.target in flow.nodes
                and option.target != flow.root
            ):
                parents[option.target] = node_id
                queue.append(option.target)
    return parents
