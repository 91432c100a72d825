"""The Reports page, for supervisors and admins: a date range's figures as charts and tables, and a CSV.

Counts from 1 to 4 are shown as "<5" here and in the CSV (see `hotline.reports.formats`);
`hotline report` on the server prints them exactly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Response, abort, render_template, request
from markupsafe import Markup

from hotline.permissions import Permission
from hotline.reports import charts, figures, formats
from hotline.reports.charts import BUCKET_NAMES
from hotline.web.dashboard.blueprint import bp
from hotline.web.dashboard.labels import topic
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

DEFAULT_DAYS = 30  # the range shown when none is asked for: the last 30 days


@bp.get("/reports")
@needs(Permission.REPORTS)
def reports() -> tuple[str, int]:
    """The figures of a date range (the last 30 days by default), charts over tables."""
    since, until, errors = _range()
    if errors:
        return render_template("reports.html", since=since, until=until, errors=errors), 400
    report = _report(since, until)
    labels = {part: topic(hotline().flows, part) for part in report.pages_read}
    drawn = {
        "per_day": charts.conversations_per_day(report),
        "funnel": charts.funnel(report, labels),
        "waits": charts.waits(report),
    }
    return render_template(
        "reports.html",
        since=since,
        until=until,
        errors={},
        report=report,
        charts={name: Markup(svg) for name, svg in drawn.items()},  # noqa: S704 - our own SVG
        labels=labels,
        buckets=BUCKET_NAMES,
        waited={
            "the first call": _percentiles(report.wait_to_first_attempt),
            "being reached": _percentiles(report.wait_to_reached),
        },
        share=_share(report),
    ), 200


@bp.get("/reports.csv")
@needs(Permission.REPORTS)
def reports_csv() -> Response:
    """The same figures as CSV, small counts as "<5"."""
    since, until, errors = _range()
    if errors:
        abort(400, " ".join(errors.values()))
    body = formats.to_csv(_report(since, until))
    name = f"hotline-report-{since}-{until}.csv"
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


bp.add_app_template_filter(formats.shown, "shown")


def _percentiles(waited: figures.Wait) -> tuple[str, str]:
    """p50 and p90 in words: minutes, unless too few waited to say (fewer than 5)."""
    if waited.count < formats.SMALL:
        return "too few to say", "too few to say"
    p50, p90 = (
        "over 7 days" if m is None else f"{m:g}" for m in (waited.p50_minutes, waited.p90_minutes)
    )
    return p50, p90


def _share(report: figures.Report) -> str:
    share = next(v for f, _, v in formats.rows(report) if f == "reached_within_business_day_share")
    return "too few to say" if share is None else f"{share:.0%}"


def _report(since: str, until: str) -> figures.Report:
    h = hotline()
    first, last, langs = date.fromisoformat(since), date.fromisoformat(until), tuple(h.flows)
    return figures.build(h.reports.read(first, last, langs), first, last, langs)


def _range() -> tuple[str, str, dict[str, str]]:
    """The range asked for, as typed, and what is wrong with it, by field."""
    h = hotline()
    today = datetime.now(h.reports.zone).date()
    since = request.args.get("since") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    until = request.args.get("until") or today.isoformat()
    errors: dict[str, str] = {}
    days = {}
    for name, typed in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(typed)
        except ValueError:
            errors[name] = (
                f"Enter the {'first' if name == 'since' else 'last'} day as a date, like {today}."
            )
    if not errors and days["until"] < days["since"]:
        errors["until"] = "The last day must not be before the first day."
    elif not errors and (days["until"] - days["since"]).days >= h.settings.report_days:
        errors["since"] = (
            f"Counts are kept for {h.settings.report_days} days: choose a shorter range."
        )
    return since, until, errors
