"""The plain implementation of one SMS step, for `python -m bench`: what a straightforward
developer would write with Flask, redis-py and Twilio's library.

It checks X-Twilio-Signature with `RequestValidator.validate`, GETs the texter's state from
Redis (keyed by From), SETs the next one, and answers with `MessagingResponse`. Served like the
floor (`plain:app`, this folder on PYTHONPATH) with the Procfile's gunicorn flags, against the
hotline's Redis; it reads REDIS_URL, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL.
"""

from __future__ import annotations

import json
import os

import redis
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

MENU = (
    "CancerCare Second Opinion line.\nGeneral info only, not medical advice.\nReply a number:\n"
    "1 Talk to your doctor\n2 Find a doctor\n3 How it can help\nHELP for help, STOP to end."
)
TOPICS = {
    "1": ["Ask your doctor whether a second opinion could change your treatment.",
          "Bring your records and scans; ask for copies ahead of the visit.",
          "Write your questions down before the appointment."],
    "2": ["Look for a specialist in your type of cancer at a major cancer center.",
          "Your insurer can list in-network specialists."],
    "3": ["A second opinion can confirm a diagnosis or suggest other options.",
          "Most insurers cover it; ask them first."],
}  # fmt: skip
TTL = 24 * 3600

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"])
validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
public_url = os.environ["PUBLIC_BASE_URL"]


@app.post("/twilio/sms")
def sms() -> Response:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(public_url + request.path, request.form, signature):
        abort(403)
    key = f"plain:sms:{request.form['From']}"
    saved = store.get(key)
    state = json.loads(saved) if saved else {"topic": None, "page": 0}
    text = request.form.get("Body", "").strip().upper()
    if text in TOPICS:
        state = {"topic": text, "page": 0}
    elif text == "MORE" and state["topic"]:
        state["page"] = min(state["page"] + 1, len(TOPICS[state["topic"]]) - 1)
    else:
        state = {"topic": None, "page": 0}
    store.set(key, json.dumps(state), ex=TTL)
    reply = MessagingResponse()
    reply.message(TOPICS[state["topic"]][state["page"]] if state["topic"] else MENU)
    return Response(str(reply), mimetype="text/xml")
