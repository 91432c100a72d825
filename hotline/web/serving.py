"""gunicorn's settings file for the hotline (`gunicorn -c python:hotline.web.serving`).

With PROMETHEUS_MULTIPROC_DIR set, each gunicorn worker writes its metrics to files there and
/metrics adds them up; the folder must start empty, or a restart would count twice.
"""

from __future__ import annotations

import os as _os  # gunicorn reads this module's public names as settings
import shutil as _shutil
from pathlib import Path as _Path
from typing import Any as _Any


def on_starting(server: _Any) -> None:
    """Before the first worker starts: an empty metrics folder (created owner-only if missing)."""
    folder = _os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = _Path(folder)
    if path.exists():
        _shutil.rmtree(path)
    path.mkdir(mode=0o700, parents=True)
