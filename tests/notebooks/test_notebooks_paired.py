"""The notebooks are jupytext pairs: the ``.py`` (percent format) is the source of truth.

Every ``notebooks/*.ipynb`` must have its ``.py`` twin (and vice versa) with the same code
and markdown cells, carry no stored outputs (CI executes them; outputs in git are noise and
can leak data), and contain no absolute paths (they must run from any checkout, in a
temporary workspace). Executing them is ``pytest --nbmake notebooks/``'s job, not this file's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
IPYNB = sorted(NOTEBOOKS.glob("*.ipynb"))
PAIRED_PY = sorted(path for path in NOTEBOOKS.glob("*.py") if re.match(r"^\d+-", path.name))

# A path component run starting at a root ("/home/x/", "/tmp/y") or a drive ("C:\", "D:/"),
# or a home-relative path ("~/"). The look-behind keeps relative paths ("data/store/"),
# URLs ("https://…/") and Chinese slash lists ("一核/一带/") out.
ABSOLUTE_PATH = re.compile(
    r"(?<![\w\])}.:/~`-])/(?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]*"
    r"|\b[A-Za-z]:(?:\\{1,2}|/)[\w.-]"  # JSON escapes the backslash
    r"|(?<![\w.])~/"
)


def _cells(path: Path) -> list[tuple[str, str]]:
    """(cell type, source) of a notebook's code and markdown cells, via jupytext."""
    notebook = jupytext.read(path)
    return [
        (cell.cell_type, cell.source.strip())
        for cell in notebook.cells
        if cell.cell_type in ("code", "markdown")
    ]


def _raw(path: Path) -> dict[str, Any]:
    """The notebook's JSON exactly as stored (no nbformat normalisation)."""
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def test_the_four_notebooks_are_there() -> None:
    names = [path.stem for path in IPYNB]
    assert names == [
        "1-explore-demand",
        "2-train-forecast-and-backtest",
        "3-train-match-ranker",
        "4-publish-catalogue",
    ]


@pytest.mark.parametrize("script", PAIRED_PY, ids=lambda path: path.name)
def test_every_script_has_its_notebook(script: Path) -> None:
    assert script.with_suffix(".ipynb").is_file(), (
        f"{script.name} has no notebook: run `.venv/bin/jupytext --to ipynb {script.name}`"
    )


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda path: path.name)
def test_notebook_cells_equal_its_script(notebook: Path) -> None:
    script = notebook.with_suffix(".py")
    assert script.is_file(), f"{notebook.name} has no paired .py"
    in_notebook, in_script = _cells(notebook), _cells(script)
    code = [source for kind, source in in_script if kind == "code"]
    assert [source for kind, source in in_notebook if kind == "code"] == code, (
        f"{notebook.name} is stale: regenerate it with `.venv/bin/jupytext --to ipynb "
        f"{script.name}` (the .py is the source of truth)"
    )
    assert in_notebook == in_script


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda path: path.name)
def test_notebook_has_no_stored_outputs(notebook: Path) -> None:
    for number, cell in enumerate(_raw(notebook)["cells"], start=1):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {number} has stored outputs"
            assert cell.get("execution_count") is None, f"cell {number} was executed"


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda path: path.name)
def test_notebook_is_paired_and_runs_on_the_venv_kernel(notebook: Path) -> None:
    metadata = _raw(notebook)["metadata"]
    assert metadata["kernelspec"]["name"] == "python3"
    assert "py:percent" in metadata["jupytext"]["formats"]


@pytest.mark.parametrize("path", [*IPYNB, *PAIRED_PY], ids=lambda path: path.name)
def test_notebook_has_no_absolute_paths(path: Path) -> None:
    found = ABSOLUTE_PATH.findall(path.read_text(encoding="utf-8"))
    assert not found, f"absolute paths in {path.name}: {found[:5]}"


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ('"/home/someone/yuecai/var"', True),
        ("open('/tmp/x/y.csv')", True),
        (r"C:\Users\me", True),
        (r"D:\\data\\x.csv", True),  # as stored in .ipynb JSON
        ("~/data/demo.csv", True),
        ("data/store/frames.py", False),
        ("https://example.org/a/b", False),
        ("一核/一带/一区", False),
        ("`yuecai train forecast`", False),
        ("WORKSPACE / 'demo'", False),
        ("demand / supply", False),
    ],
)
def test_absolute_path_pattern(text: str, absolute: bool) -> None:
    assert bool(ABSOLUTE_PATH.search(text)) is absolute
