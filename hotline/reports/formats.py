"""The report as rows, CSV and plain text; small counts shown as "<5" wherever people may look.

Counts from 1 to 4 can point at someone ("the one Spanish caller on Tuesday"), so the page and
the CSV show them as "<5", and percentiles or shares resting on fewer than 5 as blank. Only
`hotline report` on the server (text or --json) prints them exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from hotline.reports.figures import Report, Wait

SMALL = 5  # counts below this are shown as "<5"
CSV_HEADER = ("figure", "breakdown", "value")


def shown(n: float) -> str:
    """A count as people may see it: '<5' from 1 to 4, else the number."""
    if 0 < n < SMALL:
        return f"<{SMALL}"
    return f"{n:g}" if isinstance(n, float) else str(n)


def rows(report: Report, careful: bool = True) -> Iterator[tuple[str, str, float | None]]:
    """Every figure as (figure, breakdown, exact value); a percentile or share may be None, as
    it is when `careful` and it rests on fewer than 5."""
    yield "conversations", "all", report.conversations
    yield "people", "all", report.people
    for kind, by in (("channel", report.by_channel), ("language", report.by_language)):
        for name, figures in by.items():
            for figure, n in figures.items():
                yield figure, f"{kind} {name}", n
    for day in report.by_day:
        for name, value in day.items():
            if not isinstance(value, str):
                yield "per_day", f"{day['day']} {name}", value
    yield from _each("entry_keywords", report.entry_keywords)
    yield from _each("parts_opened", report.parts_opened)
    yield from _each("parts_finished", report.parts_finished)
    yield from _each("parts_left_unfinished", report.parts_left_unfinished)
    for part, pages in report.pages_read.items():
        yield from _each("pages_read", {f"{part} page {p}": n for p, n in pages.items()})
    for name in ("press_nine_texts", "safety_answers", "urgent_requests", "texts_sent"):
        yield name, "all", getattr(report, name)
    yield from _each("sms_segments", report.sms_segments)
    yield "voice_minutes", "estimated", report.voice_minutes
    yield "callbacks_requested", "all", report.callbacks_requested
    yield "callbacks_requested", "urgent", report.callbacks_requested_urgent
    yield from _each("callback_attempts", report.callback_attempts)
    for name in (
        "callbacks_reached", "callbacks_wrong_number", "callbacks_closed_after_three_tries",
        "callbacks_closed_without_call", "reached_within_business_day",
    ):  # fmt: skip
        yield name, "all", getattr(report, name)
    share = report.reached_within_business_day_share
    yield (
        "reached_within_business_day_share",
        "of closed requests",
        (None if careful and _closed(report) < SMALL else share),
    )
    yield from _wait("wait_to_first_attempt", report.wait_to_first_attempt, careful)
    yield from _wait("wait_to_reached", report.wait_to_reached, careful)
    yield from _each("twilio_errors", report.twilio_errors)
    yield from _each("texts_held_back", report.texts_held_back)


def to_csv(report: Report) -> str:
    """The report as CSV (figure, breakdown, value), small counts as "<5"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for figure, breakdown, value in rows(report):
        exact = figure.endswith(("_share", "_minutes")) and figure != "voice_minutes"
        writer.writerow(
            (figure, breakdown, "" if value is None else value if exact else shown(value))
        )
    return out.getvalue()


def to_text(report: Report) -> str:
    """The report for a terminal, exact: one figure a line."""
    lines = [f"Report {report.since} to {report.until} (exact counts: keep them on the server)"]
    for figure, breakdown, value in rows(report, careful=False):
        where = "" if breakdown == "all" else f" ({breakdown})"
        lines.append(f"  {figure}{where}: {'-' if value is None else f'{value:g}'}")
    return "\n".join(lines) + "\n"


def _each(figure: str, counts: dict[str, int]) -> Iterator[tuple[str, str, float | None]]:
    for name, n in counts.items():
        yield figure, name, n


def _wait(figure: str, waited: Wait, careful: bool) -> Iterator[tuple[str, str, float | None]]:
    enough = waited.count >= SMALL or not careful
    yield f"{figure}_count", "all", waited.count
    yield f"{figure}_p50_minutes", "at most", waited.p50_minutes if enough else None
    yield f"{figure}_p90_minutes", "at most", waited.p90_minutes if enough else None


def _closed(report: Report) -> int:
    """Requests closed in the range: what the share reached within a business day is of."""
    closed = report.callbacks_reached + report.callbacks_wrong_number
    return closed + report.callbacks_closed_after_three_tries + report.callbacks_closed_without_call
