"""The floor app for `python -m bench`: a bare Flask route answering every webhook with constant TwiML.

No signature check, no form parsing, no Redis: what gunicorn plus Flask cost on their own, served
with the same gunicorn flags as the hotline, so the hotline's throughput can be given as a share
of it. Served as `floor:app` with this folder on PYTHONPATH.
"""

from __future__ import annotations

from flask import Flask, Response

# About the size of one of the hotline's SMS replies.
TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>CancerCare Second Opinion line.\n'
    "General info only, not medical advice.\nReply a number:\n1 Talk to your doctor\n"
    "2 Find a doctor\n3 How it can help\n4 When it matters\n5 Social worker help\n"
    "6 Ask for a call back\n7 About this info\nHELP for help, STOP to end.</Message></Response>"
)

app = Flask(__name__)


@app.post("/twilio/<path:rest>")
def floor(rest: str) -> Response:
    return Response(TWIML, mimetype="text/xml")
