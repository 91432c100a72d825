"""Logging with one redaction step: phone numbers never reach a log handler in clear."""

from __future__ import annotations

import json
import logging
import os
import re

# An E.164 number, or a North American one written any common way; not dates or times. A
# regex, not flows.phones: a log line may quote a mistyped, forged or invalid number, which must
# be hidden as well as a valid one, and libphonenumber finds only numbers it would accept.
_PHONE = re.compile(
    r"\+\d(?:[\s().-]*\d){6,14}"
    r"|(?<![\d:.-])(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\d:])"
)


def redact(text: str) -> str:
    """`text` with anything that looks like a phone number replaced by its last two digits."""
    return _PHONE.sub(lambda m: "[number …" + re.sub(r"\D", "", m.group())[-2:] + "]", text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose messages and tracebacks go through `redact` (timestamps are left alone)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:  # noqa: N802, ANN001 - logging's name and signature
        return redact(super().formatException(ei))


class JsonFormatter(RedactingFormatter):
    """One JSON object a line, for log platforms: time, level, logger, message (and exception),
    each redacted as a plain line is."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = redact(record.getMessage())
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.message,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def install() -> None:
    """Make every handler on the root logger redact (adding one to stderr if there is none).

    LOG_LEVEL sets the level (INFO by default, or when it names no level; DEBUG adds a line
    for every webhook's step). A host that installed handlers of its own keeps its level unless
    LOG_LEVEL is set. LOG_FORMAT=json writes one JSON object a line instead of plain text.
    """
    as_json = os.environ.get("LOG_FORMAT", "").lower() == "json"
    named = os.environ.get("LOG_LEVEL", "").upper()
    level = named if named in logging.getLevelNamesMapping() else "INFO"
    # twilio-python narrates every API request at INFO: useful for debugging, noise otherwise.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    root = logging.getLogger()
    if not root.handlers or named:
        root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if as_json and not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
        elif not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(
                RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
