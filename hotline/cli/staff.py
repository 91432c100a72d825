"""`hotline staff`: the social workers' accounts for the dashboard."""

from __future__ import annotations

import click

from hotline.cli.resources import resources
from hotline.stores.staff import StaffError


@click.group()
def staff() -> None:
    """Social workers' accounts for the dashboard."""


@staff.command("add")
@click.argument("username")
@click.option(
    "--phone", required=True, help="Their own phone (E.164): it rings first on a call back."
)
@click.option("--name", default="", help="Their name as the dashboard shows it.")
def add_staff(username: str, phone: str, name: str) -> None:
    """Add an account USERNAME; the password is asked for twice and never shown."""
    directory = resources().staff
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        member = directory.add(username, password, phone, name)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {member.username} ({member.name})")


@staff.command("list")
def list_staff() -> None:
    """Every staff account."""
    members = resources().staff.list()
    if not members:
        click.echo("No staff accounts yet: add one with `hotline staff add`.")
    for member in members:
        click.echo(f"{member.username:<20}  {member.phone:<16}  {member.name}")
