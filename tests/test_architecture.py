"""The `flows` package stays pure: no web framework, store, queue or Twilio SDK inside it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import flows

FORBIDDEN = ("flask", "redis", "rq", "twilio", "werkzeug")
PACKAGE = Path(flows.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


def imported_roots(path: Path) -> set[str]:
    """The top-level names of every module `path` imports (relative imports count as 'flows')."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add("flows" if node.level else (node.module or "").split(".")[0])
    return roots


def test_the_package_has_modules() -> None:
    assert {"engine.py", "model.py", "text.py", "sms.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_imports_nothing_forbidden(path: Path) -> None:
    assert imported_roots(path).isdisjoint(FORBIDDEN)


def test_the_check_sees_imports_in_any_form(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\nimport redis.client\nfrom flask import Flask\n"
        "def f():\n    import twilio.rest as t\n    from rq import Queue\nfrom . import model\n"
    )
    assert imported_roots(source) == {"os", "redis", "flask", "twilio", "rq", "flows"}


def test_importing_the_engine_loads_nothing_forbidden() -> None:
    program = (
        "import json, sys\n"
        "import flows.engine, flows.content, flows.validate, flows.text, flows.sms, flows.segments\n"
        "flows.content.load_flows()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
        timeout=60,
    )
    loaded = json.loads(result.stdout)
    assert "flows.engine" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN) == []
