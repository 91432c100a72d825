"""LOG_FORMAT=json: one JSON object a line, redacted as plain lines are."""

from __future__ import annotations

import io
import json
import logging

import pytest

from hotline import logs


def test_json_lines_carry_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    saved = [(handler, handler.formatter) for handler in root.handlers]
    stream = io.StringIO()
    mine = logging.StreamHandler(stream)
    root.addHandler(mine)
    try:
        logs.install()
        log = logging.getLogger("hotline.test")
        log.warning("texted %s about «%s»", "+15551230001", "ünïcode")
        try:
            raise KeyError("(555) 123-9876")
        except KeyError:
            log.exception("failed")
    finally:
        root.removeHandler(mine)
        for handler, formatter in saved:
            handler.setFormatter(formatter)
    first, second = (
        json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")
    )
    assert first["level"] == "WARNING" and first["logger"] == "hotline.test"
    assert first["message"] == "texted [number …01] about «ünïcode»"
    assert first["time"][:2] == "20" and "T" in first["time"]
    assert second["message"] == "failed" and "KeyError" in second["exception"]
    assert "123-9876" not in second["exception"] and "5551230001" not in stream.getvalue()
