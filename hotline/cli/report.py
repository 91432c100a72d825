"""`hotline report`: the report's exact figures, for operators on the server."""

from __future__ import annotations

import json
from datetime import date, datetime

import click

from hotline.cli.resources import resources
from hotline.reports import figures, formats
from hotline.wiring import Hotline


@click.command("report")
@click.option("--since", required=True, help="First day, YYYY-MM-DD (the office's time zone).")
@click.option("--until", default="", help="Last day, YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON, exactly.")
@click.option("--csv", "as_csv", is_flag=True, help='Print CSV as the dashboard exports it ("<5").')
def report(since: str, until: str, as_json: bool, as_csv: bool) -> None:
    """What the hotline did from --since to --until: counts, never people."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    h = resources()
    first, last = date_range(h, since, until)
    built = build(h, first, last)
    if as_json:
        click.echo(json.dumps(built.as_json(), indent=2))
    elif as_csv:
        click.echo(formats.to_csv(built), nl=False)
    else:
        click.echo(formats.to_text(built), nl=False)


def build(h: Hotline, first: date, last: date) -> figures.Report:
    """The report of the days from `first` to `last` (both included)."""
    langs = tuple(h.flows)
    return figures.build(h.reports.read(first, last, langs), first, last, langs)


def date_range(h: Hotline, since: str, until: str) -> tuple[date, date]:
    """The days asked for, checked: real dates, in order, within the REPORT_DAYS kept."""
    today = datetime.now(h.reports.zone).date()
    first, last = _day(since, "--since"), _day(until, "--until") if until else today
    if last < first:
        raise click.BadParameter("must not be before --since", param_hint="--until")
    if (last - first).days >= h.settings.report_days:
        raise click.BadParameter(
            f"counts are kept {h.settings.report_days} days (REPORT_DAYS)", param_hint="--since"
        )
    return first, last


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date like 2026-12-01", param_hint=option
        ) from None
