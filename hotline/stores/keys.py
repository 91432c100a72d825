"""Every Redis key the hotline writes, named in one place.

A person's keys carry their tag (a keyed hash of their number, never the number) as a Redis
Cluster hash tag, so that all of one person's keys share a slot. Nothing here holds a number.
"""

from __future__ import annotations

import hashlib

ROOT = "hotline"

# Conversations (the conversation store's Redis, which may be a Cluster).


def of_person(tag: str, name: str) -> str:
    """A key of the person behind `tag`: `hotline:{tag}:name`."""
    return f"{ROOT}:{{{tag}}}:{name}"


def conversation(tag: str, name: str) -> str:
    """One of a person's conversations: "sms", or one call's ("voice:<short call id>")."""
    return of_person(tag, name)


def opt_out(tag: str, channel: str = "sms") -> str:
    """Set while the person has opted out of texts by SMS, or of WhatsApp messages (`channel`
    "whatsapp"); kept until they opt back in. A call's "press 9" is an SMS."""
    return of_person(tag, "optout:whatsapp" if channel == "whatsapp" else "optout")


def checkin(tag: str) -> str:
    """The person's check-in: "<stage> <lang> <channel>", nothing more (at most 15 days)."""
    return of_person(tag, "checkin")


def last_heard(tag: str) -> str:
    """The part a caller last heard: "<lang> <node> <page>", for their next call (as long as a
    conversation is remembered)."""
    return of_person(tag, "heard")


def whatsapp_session(tag: str) -> str:
    """Set for 24 hours after the person's last WhatsApp message: free-form replies allowed."""
    return of_person(tag, "whatsapp-session")


# Work handed to the worker (the queue's Redis), short-lived.


def contact(tag: str) -> str:
    """The number a job texts, kept for a day so that no job argument holds it."""
    return of_person(tag, "contact")


def checkin_contact(tag: str) -> str:
    """The number a pending check-in goes to, kept until it is sent (at most 15 days)."""
    return of_person(tag, "checkin-contact")


def pending_filing(tag: str, filing_key: str) -> str:
    """A call-back request's details, waiting for the job that files it."""
    return of_person(tag, f"pending:{filing_key}")


def sent_page(tag: str, job_id: str, page: int) -> str:
    """Marks one page of a part as texted by one job (a retry skips it)."""
    return of_person(tag, f"sent:{job_id}:{page}")


def staff_alerted(tag: str, request_id: str) -> str:
    """Marks that staff heard of a request."""
    return of_person(tag, f"alerted:{request_id}")


def confirmed(tag: str, filing_key: str) -> str:
    """Marks that a filing's confirmation was texted."""
    return of_person(tag, f"confirmed:{filing_key}")


def texts_sent(hour: int) -> str:
    """Outbound texts counted in one hour (since the epoch), against the hourly cap."""
    return f"{ROOT}:sent:{hour}"


# Counters for the reports (the queue's Redis): a hash of "<what>:<lang>:<channel>" -> count.
REACH_COUNTS = f"{ROOT}:counts:reach"

# The call-back queue (the queue's Redis).

CALLBACKS = f"{ROOT}:cb"
CALLBACKS_OPEN = f"{CALLBACKS}:open"  # sorted set of open request ids, by request time
CALLBACKS_CLOSED = f"{CALLBACKS}:closed"  # sorted set of closed ones, by closing time
CALLBACK_PREFIX = f"{CALLBACKS}:req:"  # a request's hash: this and its id
CALLBACK_HISTORY_PREFIX = f"{CALLBACKS}:history:"  # a person's requests: this and their tag


def callback(request_id: str) -> str:
    """One request's hash."""
    return CALLBACK_PREFIX + request_id


def open_callback_of(person: str) -> str:
    """The id of a person's open request, if any."""
    return f"{CALLBACKS}:person:{person}"


def callback_history(person: str) -> str:
    """A sorted set of every request a person (by the keyed hash) made, by request time."""
    return CALLBACK_HISTORY_PREFIX + person


def callback_notes(request_id: str) -> str:
    """A list of a request's notes (JSON: at, by, text), newest first; never edited."""
    return f"{CALLBACKS}:notes:{request_id}"


def callback_attempts(request_id: str) -> str:
    """A list of a request's recorded outcomes (JSON: at, by, outcome), newest first."""
    return f"{CALLBACKS}:attempts:{request_id}"


def heads_up_sent(tag: str, request_id: str) -> str:
    """Marks that the person heard a call was coming (one heads-up text in a while)."""
    return of_person(tag, f"headsup:{request_id}")


# Staff accounts (the queue's Redis).

STAFF = f"{ROOT}:staff"
STAFF_USERNAMES = f"{STAFF}:usernames"


def staff_member(username: str) -> str:
    """One account's hash."""
    return f"{STAFF}:user:{username}"


def staff_recovery_codes(username: str) -> str:
    """A set of the hashes of one account's unused recovery codes."""
    return f"{STAFF}:recovery:{username}"


def staff_session(session_id: str) -> str:
    """One dashboard session's hash (the cookie holds only `session_id`)."""
    return f"{STAFF}:session:{session_id}"


def staff_sessions_of(username: str) -> str:
    """The set of one account's session ids, so that one command ends them all."""
    return f"{STAFF}:sessions:{username}"


def login_failures_of_pair(username: str, address: str) -> str:
    """Recent failed log-ins for one username from one client address, and when the next may come."""
    return f"{STAFF}:throttle:pair:{username}:{address}"


def login_failures_from(address: str) -> str:
    """Recent failed log-ins from one client address, whatever the username."""
    return f"{STAFF}:throttle:address:{address}"


AUDIT = f"{ROOT}:audit"  # the audit trail: a stream, trimmed by age (MINID)


# Failover: a channel nobody listens to, published to before WAIT (see stores/failover.py).
REPLICATED_CHANNEL = f"{ROOT}:replicated"


def texts_to(tag: str, hour: int) -> str:
    """Texts sent to one person in one hour, against the per-number cap."""
    return of_person(tag, f"texts:{hour}")


def effect_handed_off(event: str) -> str:
    """Marks that one webhook event's effects were queued (a replay later queues nothing).

    `event` is a MessageSid, or a CallSid and step; it is kept as a 96-bit hash.
    """
    return f"{ROOT}:effects:{hashlib.blake2b(event.encode(), digest_size=12).hexdigest()}"


def withheld_filings(hour: int) -> str:
    """Call-back requests filed in one hour by calls with no caller ID, in all."""
    return f"{ROOT}:withheld:{hour}"


# Reports (the queue's Redis): counts per day in the office's time zone, never a person.

REPORT = f"{ROOT}:report"
REPORT_TOTALS = (
    f"{REPORT}:totals"  # all-time counts /metrics reads: texts, Twilio errors, held back
)


def report_day(day: str) -> str:
    """One day's counts (YYYY-MM-DD): a hash of counter name -> count."""
    return f"{REPORT}:{day}"


def report_people(day: str, channel: str, lang: str) -> str:
    """A HyperLogLog of the people who wrote or called that day: it keeps no number, no hash."""
    return f"{REPORT}:{day}:people:{channel}:{lang}"
