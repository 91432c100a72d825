"""`hotline callbacks`: the social workers' queue from a terminal (as on the dashboard)."""

from __future__ import annotations

import dataclasses
import json
import time

import click

from hotline.cli.resources import cli_actor, require_staff, resources
from hotline.display import age, clock_in
from hotline.outbound import outbox
from hotline.permissions import Permission
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
        rows = [
            {**dataclasses.asdict(r), "age": round(r.age(now)), "held_by": r.held_by(now)}
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
        click.echo(
            f"{r.id:<12}  {r.number:<16}  {age(r.age(now)):>10}  "
            f"{r.attempts}/{h.callbacks.max_attempts:<3}  {r.window:<9}  "
            f"{'yes' if r.voicemail else 'no':<9}  {r.lang:<4}  "
            f"{'URGENT ' if r.urgent else ''}{status}"
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


def _clock(h: Hotline, moment: float) -> str:
    return clock_in(moment, h.settings.office_hours.zone)
