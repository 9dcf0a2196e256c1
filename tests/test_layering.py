"""The design card's arrows: ``data`` ← ``models`` ← ``app`` ← ``training``/``service``.

``data`` imports none of the others, ``models`` imports only ``data``, ``app`` (the use
cases) imports ``data`` and ``models`` only, ``service`` never imports ``training``. Checked
on the source (every import statement, including those inside functions), so a lazy import
cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("data", "models", "app", "training", "service")
FORBIDDEN = {
    "data": {"models", "app", "training", "service"},
    "models": {"app", "training", "service"},
    "app": {"training", "service"},
    "service": {"training"},
    "training": {"service"},
}


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & set(LAYERS)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_one_way(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_layers(path) & FORBIDDEN[layer])
        for path in sorted((ROOT / layer).rglob("*.py"))
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}
