"""The tests' own layout: every test folder a package, and no two test modules of one name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_folder_with_tests_is_a_package() -> None:
    """Else pytest puts that folder's parent on sys.path, and tests/flows would shadow flows."""
    folders = {p.parent for p in TESTS.rglob("test_*.py")}
    assert TESTS in folders and len(folders) > 1
    assert (
        sorted(str(f.relative_to(TESTS)) for f in folders if not (f / "__init__.py").exists()) == []
    )


def test_no_two_test_modules_share_a_name() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
