"""`hotline content …`: what each message costs and says, checked before it goes live."""

from __future__ import annotations

from pathlib import Path

import click

from flows.content import CONTENT_DIR, load_flows
from flows.model import Flows
from flows.report import budget_lines, transcript
from flows.validate import ContentError

content_dir = click.option(
    "--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CONTENT_DIR, show_default=True, help="Folder of <lang>.toml content files.",
)  # fmt: skip


@click.group()
def content() -> None:
    """Check and review the hotline's content."""


@content.command()
@content_dir
def check(directory: Path) -> None:
    """Print every text's encoding, length and segments and every prompt's seconds; fail on a breach."""
    breaches = 0
    for line in budget_lines(_load(directory, check=False)):
        mark = click.style(f"  BREACH: {line.breach}", fg="red") if line.breach else ""
        click.echo(f"{line.lang}  {line.channel.value:<5}  {line.name:<28} {line.figures}{mark}")
        breaches += bool(line.breach)
    if breaches:
        raise click.ClickException(f"{breaches} text(s) over budget")
    _load(directory)  # the graph and the languages' shapes too
    click.echo("content check: every text within budget")


@content.command("transcript")
@content_dir
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: print)."
)
def write_transcript(directory: Path, out: Path | None) -> None:
    """Write the whole SMS and voice trees as plain text for review by a non-programmer."""
    text = transcript(_load(directory))
    if out is None:
        click.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


def _load(directory: Path, check: bool = True) -> Flows:
    try:
        return load_flows(directory, check)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
