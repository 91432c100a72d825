"""Redis replies as text: redis-py gives bytes (or str, on a client that decodes responses)."""

from __future__ import annotations

from typing import Any


def text(raw: Any) -> str:
    """A reply as str ('' for none)."""
    if raw is None:
        return ""
    return raw.decode() if isinstance(raw, bytes) else str(raw)
