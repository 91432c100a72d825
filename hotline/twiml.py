"""Replies rendered as TwiML: the one place that speaks Twilio's markup."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response
from twilio.twiml.messaging_response import MessagingResponse


def messages(texts: Iterable[str]) -> Response:
    """A messaging response sending each text as its own message (none: an empty <Response/>)."""
    twiml = MessagingResponse()
    for text in texts:
        twiml.message(text)
    return xml(str(twiml))


def xml(body: str) -> Response:
    """A TwiML document as an HTTP response."""
    return Response(body, mimetype="text/xml")
