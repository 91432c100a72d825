"""The Reports page and its CSV: for supervisors, charts without script, small counts as "<5"."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask

from hotline.cli.main import main
from hotline.reports.tally import Tally
from hotline.settings import Settings
from hotline.web.resources import resources_of
from tests.hotline.web.conftest import Staffer
from tests.support import AUTH_TOKEN, worker_env


@pytest.fixture
def app(staff_app: Flask) -> Flask:
    """The app with alice and bob (social workers), sam (supervisor) and ada (admin)."""
    return staff_app


@pytest.fixture
def sam(person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]) -> Staffer:
    """The supervisor, logged in with password and code."""
    return person("sam", totp=totps["sam"])


def count(app: Flask, counts: dict[str, int], days_ago: int = 0, person: str = "") -> None:
    """Counts as the hotline records them, `days_ago` in the office's days."""
    h = resources_of(app)
    day = office_today(app) - timedelta(days=days_ago)
    when = datetime.combine(day, time(12), h.reports.zone)
    who = ("sms", "en", person) if person else None
    h.reports.record(Tally(Counter(counts), who), at=when.timestamp())


def office_today(app: Flask) -> date:
    return date.fromisoformat(resources_of(app).reports.day())


def test_the_page_is_for_logged_in_staff(app: Flask) -> None:
    response = app.test_client().get("/dashboard/reports")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/login")


def test_a_social_worker_is_refused(person: Callable[..., Staffer], sam: Staffer) -> None:
    alice = person("alice")
    assert alice.get("/dashboard/reports").status_code == 403
    assert "may not see the reports" in alice.last
    assert alice.get("/dashboard/reports.csv").status_code == 403
    alice.get("/dashboard/")
    assert "Reports</a>" not in alice.last
    sam.get("/dashboard/")
    assert "Reports</a>" in sam.last


def test_the_page_shows_charts_and_tables_and_hides_small_counts(app: Flask, sam: Staffer) -> None:
    count(app, {"conversations:sms:en": 3, "conversations:voice:es": 12, "opened:sms:en:find": 7,
                "finished:sms:en:find": 6, "page:sms:en:find:1": 7, "safety:sms:en": 1}, days_ago=1)  # fmt: skip
    count(app, {"conversations:sms:en": 40}, person="a-tag")
    response = sam.get("/dashboard/reports")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.count('<svg role="img"') == 3
    assert "<script" not in page and "@import" not in page and "url(" not in page
    assert not re.search(r'(href|src)="(https?:)?//', page)
    assert "Reports</a>" in page  # the header offers it
    rows = dict(
        re.findall(r'<th scope="row"[^>]*>([^<]+)</th>\s*<td class="n"[^>]*>([^<]*)</td>', page)
    )
    assert rows["Conversations"] == "55"
    assert rows["Safety answers given"] == "&lt;5"
    assert rows["People (distinct)"] == "&lt;5"
    yesterday = (office_today(app) - timedelta(days=1)).isoformat()
    assert re.search(
        rf"{yesterday}</th><td[^>]*>&lt;5</td><td[^>]*>12</td><td[^>]*>0</td><td[^>]*>0</td>", page
    )
    assert "Find a doctor" in page  # parts by their menu label


def test_the_csv_hides_small_counts_and_the_cli_does_not(
    app: Flask, sam: Staffer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count(
        app, {"conversations:sms:en": 3, "conversations:voice:en": 9, "callback_closed:reached": 2}
    )
    today = office_today(app).isoformat()
    response = sam.get(f"/dashboard/reports.csv?since={today}&until={today}")
    assert response.mimetype == "text/csv"
    assert (
        f'filename="hotline-report-{today}-{today}.csv"' in response.headers["Content-Disposition"]
    )
    table = {
        (r["figure"], r["breakdown"]): r["value"]
        for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    }
    assert table[("conversations", "all")] == "12"
    assert table[("conversations", "channel sms")] == "<5"
    assert table[("callbacks_reached", "all")] == "<5"
    assert table[("reached_within_business_day_share", "of closed requests")] == ""
    assert table[("wait_to_reached_p50_minutes", "at most")] == ""

    monkeypatch.chdir(tmp_path)
    env = {**worker_env(settings), "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    result = CliRunner(env=env).invoke(main, ["report", "--since", today, "--json"])
    exact = json.loads(result.output)
    assert exact["by_channel"]["sms"]["conversations"] == 3 and exact["callbacks_reached"] == 2
    result = CliRunner(env=env).invoke(main, ["report", "--since", today, "--csv"])
    assert "conversations,channel sms,<5" in result.output
    result = CliRunner(env=env).invoke(main, ["report", "--since", today])
    assert "conversations (channel sms): 3" in result.output


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=2026-13-01", "since", "Enter the first day as a date"),
        ("since=2026-12-05&until=2026-12-01", "until", "must not be before"),
        ("since=2020-01-01&until=2026-12-01", "since", "kept for 400 days"),
    ],
)
def test_a_bad_range_is_explained_at_the_top_and_by_the_field(
    sam: Staffer, query: str, field: str, message: str
) -> None:
    response = sam.get(f"/dashboard/reports?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<a href="#{field}">' in page and message in page
    assert f'id="{field}-error"' in page and "<svg" not in page


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--since", "yesterday"], "is not a date"),
        (["--since", "2026-12-05", "--until", "2026-12-01"], "must not be before"),
        (["--since", "2026-12-01", "--json", "--csv"], "choose one"),
    ],
)
def test_the_cli_refuses_a_bad_range(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], error: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env=worker_env(settings)).invoke(main, ["report", *args])
    assert result.exit_code == 2 and error in result.output
