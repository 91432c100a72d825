"""`hotline audit`: read the audit trail, and export old entries for the long-term archive."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import click

from hotline.cli.resources import cli_actor, require_staff, resources
from hotline.permissions import Permission
from hotline.stores.audit import Action, AuditEntry


def _moment(text: str, option: str) -> float:
    """An ISO date or time (UTC unless it says otherwise) as a timestamp."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        hint = "give an ISO date or time, e.g. 2026-01-31"
        raise click.BadParameter(hint, param_hint=option) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


@click.group(invoke_without_command=True)
@click.option("--since", default="", help="Only entries from this ISO date or time on.")
@click.option("--user", default="", help="Only entries by, or about, this username.")
@click.option("--request", "request_id", default="", help="Only entries about this request id.")
@click.option("--limit", default=1000, show_default=True, help="At most this many entries.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.option("--as", "as_user", default="", help="Read as this supervisor (checked).")
@click.pass_context
def audit(
    ctx: click.Context,
    since: str,
    user: str,
    request_id: str,
    limit: int,
    as_json: bool,
    as_user: str,
) -> None:
    """Who did what, when, to which request and from where: newest first."""
    if ctx.invoked_subcommand:
        return
    h = resources()
    if as_user:
        require_staff(h, as_user, Permission.AUDIT)
    start = _moment(since, "--since") if since else None
    entries = h.audit.read(start, None, user, request_id, limit=limit)
    zone = h.settings.office_hours.zone
    for entry in entries:
        click.echo(json.dumps(entry.as_dict()) if as_json else _line(entry, zone))
    if not entries and not as_json:
        click.echo("No entries match.")


def _line(entry: AuditEntry, zone: tzinfo) -> str:
    when = datetime.fromtimestamp(entry.at, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    who = entry.user or "-"
    if entry.os_user:
        who += f" (os:{entry.os_user})"
    what = entry.action + (f" {entry.subject}" if entry.subject else "")
    return (
        f"{when}  {who:<24}  {what:<28}  {entry.request or '-':<12}  "
        f"{entry.client or 'cli':<15}  {entry.detail}"
    )


@audit.command("export")
@click.option("--before", required=True, help="Export and trim entries before this ISO date.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default audit-before-DATE.jsonl.gz here); never overwritten.",
)
def export(before: str, out: Path | None) -> None:
    """Write entries before DATE to a gzip JSON-lines file (owner-only), then trim them."""
    h = resources()
    cutoff = _moment(before, "--before")
    path = out or Path(f"audit-before-{before}.jsonl.gz")
    try:
        # Created owner-only from the start (no moment when others could read it); never replaced.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{path} exists already: choose another --out") from None
    count = 0
    with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as lines:
        for entry in h.audit.older_than(cutoff):
            lines.write(json.dumps(entry.as_dict()) + "\n")
            count += 1
    trimmed = h.audit.trim_before(cutoff)
    h.audit.record(
        Action.EXPORT, cli_actor(), detail=f"{count} entries before {before} to {path.name}"
    )
    click.echo(f"wrote {count} entries to {path}; trimmed {trimmed} from Redis")
