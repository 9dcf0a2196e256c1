"""Shared test helpers live in ``tests/support/``: no test module or conftest imports another
test module or a conftest (checked on every import statement of the test tree)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _test_tree_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("." * node.level + (node.module or ""))  # relative: never allowed
    return {name for name in names if name.startswith(("tests", "."))}


def test_tests_import_shared_helpers_only_from_tests_support() -> None:
    offenders = {
        str(path.relative_to(TESTS)): sorted(
            name for name in _test_tree_imports(path) if not name.startswith("tests.support")
        )
        for path in sorted(TESTS.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
