"""`hotline staff`: staff accounts (also on the dashboard, for supervisors).

The operator on the server may do anything (they hold the keys to Redis anyway), and is
recorded in the audit trail by their operating-system user; `--as USER` also names the staff
member acting, and limits the command to what that person's role may do.
"""

from __future__ import annotations

import dataclasses
import json

import click

from hotline import accounts
from hotline.cli.resources import cli_actor, require_staff, resources
from hotline.permissions import Permission
from hotline.stores.staff import Role, StaffError
from hotline.wiring import Hotline

ROLES = click.Choice([r.value for r in Role])
acting_as = click.option(
    "--as", "as_user", default="", help="Act as this supervisor or admin (checked, audited)."
)


@click.group()
def staff() -> None:
    """Staff accounts for the dashboard: social workers, supervisors, admins."""


def _acting(h: Hotline, as_user: str) -> Role | None:
    """The role acting: that of `--as`, or None for the operator on the server."""
    if not as_user:
        return None
    return require_staff(h, as_user, Permission.MANAGE_SOCIAL_WORKERS).role


def _new_password() -> str:
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@staff.command("add")
@click.argument("username")
@click.option(
    "--phone", required=True, help="Their own phone (E.164): it rings first on a call back."
)
@click.option("--name", default="", help="Their name as the dashboard shows it.")
@click.option("--role", default=Role.SOCIAL_WORKER.value, type=ROLES, show_default=True)
@acting_as
def add_staff(username: str, phone: str, name: str, role: str, as_user: str) -> None:
    """Add an account USERNAME; the password is asked for twice and never shown."""
    h = resources()
    acting = _acting(h, as_user)
    password = _new_password()
    try:
        member = accounts.add(
            h, cli_actor(as_user), acting, username, password, phone, name, Role(role)
        )
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {member.username} ({member.name}), {member.role}")


@staff.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_staff(as_json: bool) -> None:
    """Every staff account."""
    h = resources()
    members = h.staff.list()
    if as_json:
        rows = [
            {**dataclasses.asdict(m), "sessions": h.sessions.count(m.username)} for m in members
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not members:
        click.echo("No staff accounts yet: add one with `hotline staff add`.")
    for m in members:
        state = "enabled" if m.enabled else "DISABLED"
        factor = "2fa" if m.two_factor else "no-2fa"
        click.echo(
            f"{m.username:<20}  {m.phone:<16}  {m.role:<13}  {state:<8}  {factor:<6}  {m.name}"
        )


def _change(name: str, change: accounts.Change, done: str, help_text: str) -> None:
    """A command `hotline staff NAME USER [--as U]` that makes one change to one account."""

    @staff.command(name, help=help_text)
    @click.argument("username")
    @acting_as
    def command(username: str, as_user: str) -> None:
        h = resources()
        try:
            change(h, cli_actor(as_user), _acting(h, as_user), username)
        except StaffError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{username}: {done}")


_change(
    "disable",
    accounts.disable,
    "disabled; every session ended",
    "Switch USERNAME off and end their sessions.",
)
_change("enable", accounts.enable, "enabled", "Switch USERNAME back on.")
_change(
    "remove",
    accounts.remove,
    "removed; every session ended",
    "Delete USERNAME (their audit entries stay).",
)
_change("logout", accounts.log_out, "every session ended", "End every session of USERNAME at once.")
_change(
    "reset-2fa",
    accounts.reset_two_factor,
    "second factor forgotten; they set up an authenticator at their next log-in",
    "Forget USERNAME's authenticator and recovery codes (a lost phone).",
)


@staff.command("passwd")
@click.argument("username")
@acting_as
def passwd(username: str, as_user: str) -> None:
    """Give USERNAME a new password (asked for twice) and end their sessions."""
    h = resources()
    acting = _acting(h, as_user)
    try:
        accounts.set_password(h, cli_actor(as_user), acting, username, _new_password())
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username}: new password; every session ended")


@staff.command("role")
@click.argument("username")
@click.argument("role", type=ROLES)
@acting_as
def role(username: str, role: str, as_user: str) -> None:
    """Give USERNAME the role ROLE and end their sessions."""
    h = resources()
    try:
        accounts.set_role(h, cli_actor(as_user), _acting(h, as_user), username, Role(role))
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username}: now {role}; every session ended")


@staff.command("languages")
@click.argument("username")
@click.argument("languages", default="")
@acting_as
def languages(username: str, languages: str, as_user: str) -> None:
    """Record the LANGUAGES USERNAME speaks, as codes: en,es (none: an empty string)."""
    h = resources()
    try:
        member = accounts.set_languages(
            h, cli_actor(as_user), _acting(h, as_user), username, languages.split(",")
        )
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username}: speaks {', '.join(member.languages) or 'nothing said'}")
