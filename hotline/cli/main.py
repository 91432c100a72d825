"""The `hotline` command: its groups, each defined in a module of its own."""

from __future__ import annotations

import click

from hotline.cli.audit import audit
from hotline.cli.callbacks import callbacks
from hotline.cli.content import content
from hotline.cli.report import report
from hotline.cli.run import run
from hotline.cli.simulate import call, sms
from hotline.cli.staff import staff


@click.group()
def main() -> None:
    """The second-opinion hotline."""


for command in (run, sms, call, callbacks, staff, audit, content, report):
    main.add_command(command)
