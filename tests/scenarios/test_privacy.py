"""Phone numbers and message bodies stay out of the logs."""

from __future__ import annotations

import logging

from hotline.dev.phone import Caller
from hotline.logs import RedactingFormatter, redact
from hotline.web import twiml
from tests.support import Phone


def test_redact_hides_numbers_in_any_format() -> None:
    for number in ("+12025550101", "202-555-0101", "(202) 555 0101", "1.202.555.0101"):
        line = redact(f"texted from {number} today")
        assert "123" not in line and line.endswith("01] today")
    assert redact("step 12 took 3 ms") == "step 12 took 3 ms"


def test_redacting_formatter_covers_tracebacks() -> None:
    try:
        raise KeyError("+12025550101")
    except KeyError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed for %s", ("+12025550176",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    out = RedactingFormatter().format(record)
    assert "2025550101" not in out and "2025550176" not in out and "KeyError" in out


def test_a_conversation_logs_no_number_and_no_body(phone: Phone, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for body in ("SECOND", "my secret diagnosis", "1", "STOP"):
        phone.text(body)
    lines = [r.getMessage() for r in caplog.records if r.name == "hotline.web.webhooks"]
    assert len(lines) == 4 and "doctor" in lines[2]
    assert all("2025550101" not in line and "diagnosis" not in line for line in lines)


def test_a_number_typed_for_a_call_back_is_not_kept_with_the_answers(
    phone: Phone, caller: Caller
) -> None:
    """Answers are built once and kept (`hotline.web.twiml`), but never one that repeats a number."""
    twiml.forget_answers()  # none kept yet: a full store would keep the same count either way
    for body in ("SECOND", "6", "5"):
        phone.text(body)
    kept = twiml.kept_answers()
    assert kept == 3  # every answer so far was kept
    assert phone.text("202-555-0187")[0].startswith("OK, we will call 202-555-0187.")
    assert twiml.kept_answers() == kept

    caller.dial_in()
    caller.press("6")
    caller.press("5")
    assert twiml.kept_answers() > kept  # the call's answers were kept too
    kept = twiml.kept_answers()
    assert "OK, we will call 2 0 2, 5 5 5, 0 1 8 7" in caller.press("2025550187").text
    assert twiml.kept_answers() == kept
    assert "OK, we will call" not in caller.press("*").text  # a kept answer again, and no number
