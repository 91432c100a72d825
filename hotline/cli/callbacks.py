"""`hotline callbacks`: the social workers' queue from a terminal (as on the dashboard)."""

from __future__ import annotations

import dataclasses
import json
import time

import click

from hotline.call_script import contact_rules
from hotline.cli.resources import cli_actor, require_staff, resources
from hotline.display import age, clock_in, office_iso, office_moment
from hotline.outbound import outbox
from hotline.permissions import Permission, allows
from hotline.stores.audit import Action
from hotline.stores.callbacks import (
    AlreadyClaimed,
    CallbackOutcome,
    NotYours,
    Status,
    UnknownRequest,
)
from hotline.wiring import Hotline


@click.group()
def callbacks() -> None:
    """The social workers' queue of call-back requests (as on the dashboard)."""


@callbacks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_callbacks(as_json: bool) -> None:
    """Requests waiting for a call back: urgent first, then oldest first."""
    h = resources()
    now = time.time()
    waiting = h.callbacks.waiting(now)
    if waiting:  # whole numbers, to whoever runs this on the server
        h.audit.record(Action.LIST, cli_actor(), detail=f"{len(waiting)} requests")
    if as_json:
        earlier = h.queue_view.earlier([r.id for r in waiting])
        rows = [
            {
                **dataclasses.asdict(r),
                "age": round(r.age(now)),
                "held_by": r.held_by(now),
                "due": _iso(h, r.due_at) if r.due_at else None,
                "earlier_requests": earlier[r.id].count,
            }
            for r in waiting
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not waiting:
        click.echo("Nobody is waiting for a call back.")
        return
    click.echo(
        f"{'ID':<12}  {'NUMBER':<16}  {'WAITING':>10}  TRIES  {'WINDOW':<9}  VOICEMAIL  LANG  STATUS"
    )
    for r in waiting:
        holder = r.held_by(now)
        status = f"claimed by {holder}" if holder else "open"
        if r.not_before > now:
            status += f", retry after {_clock(h, r.not_before)}"
        if r.due_at:
            status += f", due {_iso(h, r.due_at)}"
        click.echo(
            f"{r.id:<12}  {r.number:<16}  {age(r.age(now)):>10}  "
            f"{r.attempts}/{h.callbacks.max_attempts:<3}  {r.window:<9}  "
            f"{'yes' if r.voicemail else 'no':<9}  {r.lang:<4}  "
            f"{'URGENT ' if r.urgent else ''}{'TREATMENT-SOON ' if r.treatment_soon else ''}{status}"
        )


@callbacks.command("claim")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
def claim_callback(request_id: str, user: str) -> None:
    """Take request REQUEST_ID for the lease time, so no colleague calls at the same time."""
    h = resources()
    require_staff(h, user, Permission.QUEUE)
    try:
        held = h.callbacks.claim(request_id, user, time.time())
    except AlreadyClaimed:
        raise click.ClickException(f"a colleague holds {request_id}") from None
    except UnknownRequest:
        raise click.ClickException(f"{request_id} is not in the queue") from None
    h.audit.record(Action.CLAIM, cli_actor(user), request=request_id)
    click.echo(f"{user} holds {request_id} until {_clock(h, held.lease_until)}: call {held.number}")


@callbacks.command("close")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice([o.value for o in CallbackOutcome]),
    help="How the call went (no_answer puts it back in the queue until the last attempt).",
)
@click.option("--note", default="", help="A short note for colleagues.")
def close_callback(request_id: str, user: str, outcome: str, note: str) -> None:
    """Record how the call back to REQUEST_ID went."""
    h = resources()
    require_staff(h, user, Permission.QUEUE)
    try:
        closed = h.callbacks.close(
            request_id, user, CallbackOutcome(outcome), note.strip(), time.time()
        )
    except NotYours:
        raise click.ClickException(f"a colleague holds {request_id}") from None
    except UnknownRequest:
        raise click.ClickException(f"{request_id} is not in the queue") from None
    outbox.after_close(h, closed)
    h.audit.record(Action.OUTCOME, cli_actor(user), request=request_id, detail=outcome)
    if note.strip():
        h.audit.record(Action.NOTE, cli_actor(user), request=request_id)
    tries = f" (attempt {closed.attempts} of {h.callbacks.max_attempts})"
    if closed.status is Status.CLOSED:
        click.echo(f"{request_id}: {outcome}{tries if outcome == 'no_answer' else ''}; closed")
    else:
        click.echo(
            f"{request_id}: {outcome}{tries}; back in the queue after {_clock(h, closed.not_before)}"
        )


@callbacks.command("show")
@click.argument("request_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_callback(request_id: str, as_json: bool) -> None:
    """One request with its notes, outcomes and the person's other requests (audited)."""
    h = resources()
    case = h.cases.case(request_id)
    if case is None:
        raise click.ClickException(f"no request {request_id}")
    history = h.cases.history(case.request)
    h.audit.record(Action.VIEW, cli_actor(), request=request_id)
    if as_json:
        shown = {**case.as_dict(), "history": [c.as_dict() for c in history]}
        click.echo(json.dumps(shown, indent=2))
        return
    r = case.request
    click.echo(f"{r.id}  {r.number}  {r.status}{' URGENT' if r.urgent else ''}")
    click.echo(
        f"asked {_iso(h, r.requested_at)} by {r.channel}, in {r.lang}, about {r.topic or '-'}"
    )
    for what, answer in contact_rules(r):
        click.echo(f"{what}: {answer}")
    if r.due_at:
        click.echo(f"due: {_iso(h, r.due_at)}")
    for note in case.notes:
        click.echo(f"note {_iso(h, note.at)} {note.by}: {note.text}")
    for attempt in case.attempts:
        click.echo(f"call {_iso(h, attempt.at)} {attempt.by}: {attempt.outcome}")
    for earlier in history:
        e = earlier.request
        ended = f"{e.status} {e.outcome or ''}".strip()
        click.echo(f"earlier {e.id} {_iso(h, e.requested_at)} {e.channel} {e.lang}: {ended}")


@callbacks.command("note")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
@click.option(
    "--text", "note", required=True, help="The note (never edited: add another to correct it)."
)
def note_callback(request_id: str, user: str, note: str) -> None:
    """Add a note to REQUEST_ID (one you hold, or any as a supervisor)."""
    h = resources()
    member = require_staff(h, user, Permission.QUEUE)
    if not note.strip():
        raise click.ClickException("the note is empty")
    override = allows(member.role, Permission.ANY_REQUEST)
    try:
        h.callbacks.add_note(request_id, user, note.strip(), time.time(), override)
    except (NotYours, UnknownRequest):
        raise click.ClickException(f"{user} does not hold {request_id} (or it is closed)") from None
    h.audit.record(Action.NOTE, cli_actor(user), request=request_id)
    click.echo(f"{request_id}: note added")


@callbacks.command("schedule")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
@click.option(
    "--at", "at", required=True, help="When, in the office's time zone: 2026-12-08T15:00."
)
def schedule_callback(request_id: str, user: str, at: str) -> None:
    """Call REQUEST_ID back at a set time: out of the queue until then, and unclaimed."""
    h = resources()
    member = require_staff(h, user, Permission.QUEUE)
    day, _, clock = at.partition("T")
    try:
        due = office_moment(day, clock or "09:00", h.settings.office_hours.zone)
    except ValueError:
        raise click.ClickException(
            f"--at {at!r}: expected a date and time like 2026-12-08T15:00"
        ) from None
    now = time.time()
    if due <= now:
        raise click.ClickException("that time has passed")
    override = allows(member.role, Permission.ANY_REQUEST)
    try:
        h.callbacks.schedule(request_id, user, due, now, override)
    except (NotYours, UnknownRequest):
        raise click.ClickException(f"{user} does not hold {request_id} (or it is closed)") from None
    h.audit.record(Action.SCHEDULE, cli_actor(user), request=request_id, detail=_iso(h, due))
    click.echo(f"{request_id}: due {_iso(h, due)}")


@callbacks.command("release")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
def release_callback(request_id: str, user: str) -> None:
    """Put REQUEST_ID, which you hold, back in the queue untouched."""
    h = resources()
    require_staff(h, user, Permission.QUEUE)
    try:
        h.callbacks.release(request_id, user, time.time())
    except (NotYours, UnknownRequest):
        raise click.ClickException(f"{user} does not hold {request_id}") from None
    h.audit.record(Action.RELEASE, cli_actor(user), request=request_id)
    click.echo(f"{request_id}: back in the queue")


@callbacks.command("assign")
@click.argument("request_id")
@click.option("--to", "to", required=True, help="The colleague to hand it to.")
@click.option("--as", "user", required=True, help="Your staff username (a supervisor).")
def assign_callback(request_id: str, to: str, user: str) -> None:
    """Hand REQUEST_ID to a colleague: their claim replaces the holder's."""
    h = resources()
    require_staff(h, user, Permission.REASSIGN)
    require_staff(h, to, Permission.QUEUE)
    try:
        _, holder = h.callbacks.hand_over(request_id, to, time.time())
    except UnknownRequest:
        raise click.ClickException(f"{request_id} is not in the queue") from None
    detail = f"from {holder or 'nobody'}"
    h.audit.record(Action.HANDOVER, cli_actor(user), request=request_id, subject=to, detail=detail)
    click.echo(f"{request_id}: {to} holds it now ({detail})")


def _clock(h: Hotline, moment: float) -> str:
    return clock_in(moment, h.settings.office_hours.zone)


def _iso(h: Hotline, moment: float) -> str:
    return office_iso(moment, h.settings.office_hours.zone)
