"""The report's charts, drawn on the server as SVG with pygal: no script, no font from elsewhere.

Each chart is inline SVG for a page whose Content-Security-Policy allows no script: pygal's
script links are turned off and its inline config script and comments are cut out. Counts
under 5 are not drawn (the table under the chart says "<5"), so a bar cannot give them away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pygal
from pygal.style import Style

from hotline.reports.figures import Report
from hotline.reports.formats import SMALL

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2327",
    foreground_strong="#1d2327",
    foreground_subtle="#5b6770",
    font_family="system-ui, sans-serif",
    colors=("#1f5f8b", "#b35900", "#1e6b3a", "#6b3fa0"),
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LEGEND_ID = re.compile(r' id="activate-serie-\d+"')  # for pygal's script; the same in every chart
BUCKET_NAMES = {
    "300": "5 min", "900": "15 min", "1800": "30 min", "3600": "1 h", "7200": "2 h",
    "14400": "4 h", "28800": "8 h", "86400": "1 day", "172800": "2 days", "259200": "3 days",
    "604800": "7 days", "inf": "longer",
}  # fmt: skip


def conversations_per_day(report: Report) -> str:
    """Conversations a day, by text, by phone and on WhatsApp, stacked."""
    chart = pygal.StackedBar(**_config("Conversations a day", "conversations"))
    days = [str(d["day"]) for d in report.by_day]
    chart.x_labels = [d[5:] for d in days]  # MM-DD
    if len(days) > 14:  # a label a week
        chart.x_labels_major_every = 7
        chart.show_minor_x_labels = False
    for channel, name in (("sms", "By text"), ("voice", "By phone"), ("whatsapp", "WhatsApp")):
        chart.add(name, [_drawn(int(d[channel])) for d in report.by_day])
    return _svg(chart, "Conversations a day, by text, by phone and on WhatsApp")


def funnel(report: Report, labels: Mapping[str, str]) -> str:
    """Each part of the fact sheet: how many opened it, how many read it to its end."""
    chart = pygal.HorizontalBar(**_config("Parts of the fact sheet", "people"))
    parts = list(report.parts_opened)
    chart.x_labels = [labels.get(p, p) for p in parts]
    chart.add("Opened", [_drawn(report.parts_opened[p]) for p in parts])
    chart.add("Read to the end", [_drawn(report.parts_finished.get(p, 0)) for p in parts])
    return _svg(chart, "Parts of the fact sheet opened and read to the end")


def waits(report: Report) -> str:
    """How long people waited for a first call, and to be reached, in buckets."""
    chart = pygal.Bar(**_config("Waiting for a call back", "requests"))
    chart.x_labels = [f"≤ {n}" if b != "inf" else n for b, n in BUCKET_NAMES.items()]
    for name, waited in (
        ("To the first call", report.wait_to_first_attempt.buckets),
        ("To being reached", report.wait_to_reached.buckets),
    ):
        chart.add(name, [_drawn(waited.get(b, 0)) for b in BUCKET_NAMES])
    return _svg(chart, "How long people waited for a call back")


def _config(title: str, unit: str) -> dict[str, object]:
    return {
        "title": title,
        "style": STYLE,
        "js": [],  # no script from elsewhere (pygal links its tooltips script by default)
        "disable_xml_declaration": True,
        "width": 720,
        "height": 360,
        "x_label_rotation": 30,
        "legend_at_bottom": True,
        "print_values": False,
        "no_data_text": f"No {unit} to show",
        "min_scale": 1,
        "y_labels_major_count": 5,
    }


def _drawn(n: int) -> int | None:
    """A count as a chart may draw it: None (no bar) under 5."""
    return n if n >= SMALL else None


def _svg(chart: pygal.Graph, label: str) -> str:
    """The chart as inline SVG, labelled for screen readers, without pygal's script, comments or
    the legend ids its script uses (the same in every chart: a page must not repeat an id)."""
    svg = chart.render(is_unicode=True)
    svg = _LEGEND_ID.sub("", _COMMENT.sub("", _SCRIPT.sub("", svg)))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
