"""The Procfile's commands, as `hotline run` and the benchmark start them on one machine."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def command(kind: str, procfile: Path = PROCFILE) -> list[str]:
    """The Procfile's line for `kind`, split as a shell would (variables left as they are)."""
    for line in procfile.read_text().splitlines():
        name, _, rest = line.partition(":")
        if not line.startswith("#") and name.strip() == kind:
            return shlex.split(rest.strip())
    raise ValueError(f"no {kind!r} line in {procfile}")


def web(bind: str, app_spec: str | None = None, procfile: Path = PROCFILE) -> list[str]:
    """The `web` line (gunicorn) with this interpreter, bound to `bind`, optionally serving another app."""
    argv = command("web", procfile)
    if argv[0] != "gunicorn":
        raise ValueError(f"the Procfile's web line does not start gunicorn: {argv}")
    out = [sys.executable, "-m", "gunicorn"]
    for arg in argv[1:]:
        out.append(bind if "${PORT" in arg or arg.startswith("0.0.0.0:") else arg)
    if app_spec is not None:
        out[-1] = app_spec  # the last argument is the app
    return out


def worker(procfile: Path = PROCFILE) -> list[str]:
    """The `worker` line (an RQ worker) with this interpreter; it finds Redis in its environment."""
    argv = command("worker", procfile)
    if argv[0] != "rq":
        raise ValueError(f"the Procfile's worker line does not start rq: {argv}")
    return [sys.executable, "-m", "rq.cli", *argv[1:]]
