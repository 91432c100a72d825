"""Phone numbers and message bodies stay out of the logs."""

from __future__ import annotations

import logging

from conftest import Phone
from hotline.logs import RedactingFormatter, redact


def test_redact_hides_numbers_in_any_format() -> None:
    for number in ("+15551230001", "555-123-0001", "(555) 123 0001", "1.555.123.0001"):
        line = redact(f"texted from {number} today")
        assert "123" not in line and line.endswith("01] today")
    assert redact("step 12 took 3 ms") == "step 12 took 3 ms"


def test_redacting_formatter_covers_tracebacks() -> None:
    try:
        raise KeyError("+15551230001")
    except KeyError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed for %s", ("+15551239876",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    out = RedactingFormatter().format(record)
    assert "5551230001" not in out and "5551239876" not in out and "KeyError" in out


def test_a_conversation_logs_no_number_and_no_body(phone: Phone, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for body in ("SECOND", "my secret diagnosis", "1", "STOP"):
        phone.text(body)
    lines = [r.getMessage() for r in caplog.records if r.name == "hotline.webhooks"]
    assert len(lines) == 4 and "doctor" in lines[2]
    assert all("5551230001" not in line and "diagnosis" not in line for line in lines)
