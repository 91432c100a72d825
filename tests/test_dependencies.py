"""Every package the code imports is one the project declares (or Python's own)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"flows", "hotline", "workers", "bench", "tests"}
# Import names that differ from their distribution's name.
DISTRIBUTIONS = {"yaml": "pyyaml"}


def declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return {normal(re.split(r"[<>=\[;~! ]", spec, maxsplit=1)[0]) for spec in specs}


def normal(name: str) -> str:
    """A distribution's name as PyPI compares them: prometheus_client is prometheus-client."""
    return re.sub(r"[-_.]+", "-", name).lower()


def imported(folders: tuple[str, ...]) -> set[str]:
    roots = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    roots |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    roots.add(node.module.split(".")[0])
    third_party = roots - set(sys.stdlib_module_names) - FIRST_PARTY - {"conftest", "support"}
    return {normal(DISTRIBUTIONS.get(name, name)) for name in third_party}


def test_the_running_code_imports_only_declared_packages() -> None:
    assert imported(("flows", "hotline", "workers")) - declared() == set()


def test_the_tests_import_only_declared_packages() -> None:
    assert imported(("tests", "bench")) - declared("test") == set()
