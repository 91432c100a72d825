"""The house rules: a pure engine, no import cycle, and no web framework in the worker or the CLI."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "hotline", "workers")
FORBIDDEN_IN_FLOWS = ("flask", "redis", "rq", "twilio", "werkzeug")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def imports(path: Path, modules: dict[str, Path] = MODULES) -> set[str]:
    """Every module `path` imports, anywhere in it (function-local imports too).

    `from a import b` names module `a.b` when there is one, else `a`; relative imports are
    resolved against the importing module's package.
    """
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{a.name}" for a in node.names} & modules.keys()
            found |= submodules
            if len(submodules) < len(node.names):  # names defined in `base` itself
                found.add(base)
    return found


def first_party_graph(modules: dict[str, Path] = MODULES) -> dict[str, set[str]]:
    return {name: imports(path, modules) & modules.keys() for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle in `graph`, as the modules along it; [] when there is none."""
    state: dict[str, int] = {}  # 1 while on the current path, 2 once done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return []


def test_there_are_modules_to_check() -> None:
    assert {
        "flows.engine",
        "hotline.wiring",
        "hotline.web.app",
        "workers.rq_settings",
    } <= MODULES.keys()


def test_no_first_party_import_cycle() -> None:
    assert find_cycle(first_party_graph()) == []


def test_the_cycle_check_finds_a_hidden_cycle(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from .a import thing\n")
    modules = {"pkg": tmp_path / "pkg/__init__.py", "pkg.a": tmp_path / "pkg/a.py",
               "pkg.b": tmp_path / "pkg/b.py"}  # fmt: skip
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert find_cycle(first_party_graph(modules)) == ["pkg.a", "pkg.b", "pkg.a"]
    finally:
        ROOT = saved


def test_only_the_wsgi_entry_point_imports_the_app_factory() -> None:
    importers = {name for name, deps in first_party_graph().items() if "hotline.web.app" in deps}
    assert importers == set()


def test_only_the_composition_root_builds_connections() -> None:
    builders = {
        name
        for name, path in MODULES.items()
        if any(
            f"{call}(" in path.read_text()
            for call in (
                "Redis.from_url",
                "BlockingConnectionPool",
                "master_for",
                "RedisCluster.from_url",
            )
        )
    }
    assert builders - {"hotline.dev.redis_server"} == {"hotline.wiring"}  # dev: pings its own


FLOWS = {name: path for name, path in MODULES.items() if name.split(".")[0] == "flows"}


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_the_engine_imports_nothing_forbidden(name: str) -> None:
    roots = {m.split(".")[0] for m in imports(FLOWS[name])}
    assert roots.isdisjoint(FORBIDDEN_IN_FLOWS)


ENGINE_ENTRY_POINTS = {
    "flows.engine", "flows.model", "flows.content", "flows.validate", "flows.report",
    "flows.segments", "flows.text", "flows.voice.prompts", "flows.phones", "flows.catalogue",
    "flows.checkin", "flows.parts",
}  # fmt: skip


def test_the_edges_use_only_the_engines_entry_points() -> None:
    used = {
        dep
        for name, deps in first_party_graph().items()
        if not name.startswith("flows")
        for dep in deps
        if dep.startswith("flows.")
    }
    assert used <= ENGINE_ENTRY_POINTS


def loaded_by(program: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", program + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_the_engine_loads_nothing_forbidden() -> None:
    loaded = loaded_by("import flows.engine, flows.content\nflows.content.load_flows()")
    assert "flows.engine" in loaded
    assert [m for m in loaded if m.split(".")[0] in FORBIDDEN_IN_FLOWS] == []


@pytest.mark.parametrize(
    "program",
    [
        "import hotline.outbound.jobs, workers.rq_settings, workers.jobs",
        "import hotline.cli.main",
    ],
    ids=["worker", "cli"],
)
def test_the_worker_and_the_cli_do_not_load_flask(program: str) -> None:
    loaded = loaded_by(program)
    assert program.split()[1].rstrip(",") in loaded
    assert [m for m in loaded if m.split(".")[0] == "flask"] == []
