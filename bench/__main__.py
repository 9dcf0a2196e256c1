"""``python -m bench`` (what ``make bench`` runs): every bench module, one summary table.

Each module ``bench/<name>.py`` is run in turn, in a subprocess of its own (so one module's
memory, threads or crash cannot touch the next one's figures):

* a module with ``run(quick: bool) -> list[Figure]`` (the protocol of :mod:`bench.common`)
  is called through it; it also writes ``bench/results/<name>.json`` itself;
* a module without ``run()`` has its ``main()`` run as ``python -m bench.<name>`` (with the
  smaller arguments of :data:`LEGACY_QUICK_ARGS` under ``--quick``); figures are taken from
  ``bench/results/<name>.json`` if it wrote one in the :class:`~bench.common.Figure` layout,
  else the module's printed output is kept in its JSON and its figures are marked missing.

At the end: one table (each figure, its same-run baseline and the ratio) and
``bench/results/summary.json``, stamped with the git commit and time for comparison across
commits. ``--quick`` for a smoke-size run, ``--only NAME`` (repeatable) for some modules.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, RESULTS_DIR, Figure, format_table, stamp

SKIPPED = {"__main__", "__init__", "common"}
LEGACY_QUICK_ARGS: dict[str, list[str]] = {}
"""Arguments for modules without ``run()`` under ``--quick`` (their ``main`` reads argv).

Empty now that every module follows the protocol; kept for a new module that does not yet."""
MODULE_TIMEOUT_SECONDS = {False: 3 * 3600, True: 900}
CHILD = """
import json, sys
from bench.{name} import run
figures = run(quick={quick})
print("BENCHJSON " + json.dumps([f.to_dict() for f in figures], default=str))
"""


def discover() -> list[str]:
    """Bench module names, alphabetical."""
    folder = Path(__file__).parent
    return sorted(p.stem for p in folder.glob("*.py") if p.stem not in SKIPPED)


def has_run(name: str) -> bool:
    """Whether ``bench.<name>`` follows the protocol (defines ``run``)."""
    module = importlib.import_module(f"bench.{name}")
    return callable(getattr(module, "run", None))


def _subprocess(command: list[str], timeout: float) -> tuple[int, str, float]:
    began = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
        )
        code, out = done.returncode, done.stdout + done.stderr[-4000:]
    except subprocess.TimeoutExpired as error:
        partial = error.stdout.decode() if isinstance(error.stdout, bytes) else error.stdout
        code, out = -1, f"timed out after {timeout:.0f}s\n{partial or ''}"
    return code, out, time.perf_counter() - began


def run_module(name: str, quick: bool) -> tuple[list[Figure], dict[str, Any]]:
    """Run one module; its figures (or a missing marker) and what happened."""
    timeout = MODULE_TIMEOUT_SECONDS[quick]
    try:
        protocol = has_run(name)
    except Exception as error:  # an import failure is a result to report, not a crash
        return [Figure.missing(name, f"import failed: {error}")], {"status": "import error"}
    if protocol:
        code = CHILD.format(name=name, quick=quick)
        status, out, seconds = _subprocess([sys.executable, "-c", code], timeout)
        line = next((x for x in out.splitlines() if x.startswith("BENCHJSON ")), None)
        if status == 0 and line is not None:
            figures = [Figure.from_dict(f) for f in json.loads(line.removeprefix("BENCHJSON "))]
            return figures, {"status": "ok", "protocol": "run()", "seconds": seconds}
        return [Figure.missing(name, f"run() failed (exit {status})")], {
            "status": "failed",
            "seconds": seconds,
            "output_tail": out[-4000:],
        }
    return _run_legacy(name, quick, timeout)


def _run_legacy(name: str, quick: bool, timeout: float) -> tuple[list[Figure], dict[str, Any]]:
    """``python -m bench.<name>``; figures from its own JSON if it writes the protocol's."""
    own_json = RESULTS_DIR / f"{name}.json"
    before = own_json.stat().st_mtime if own_json.exists() else None
    args = LEGACY_QUICK_ARGS.get(name, []) if quick else []
    status, out, seconds = _subprocess([sys.executable, "-m", f"bench.{name}", *args], timeout)
    info: dict[str, Any] = {"protocol": "main() (no run())", "seconds": seconds, "exit": status}
    written = own_json.exists() and own_json.stat().st_mtime != before
    if written:
        payload = json.loads(own_json.read_text())
        if isinstance(payload, dict) and isinstance(payload.get("figures"), list):
            info["status"] = "ok" if status == 0 else "failed"
            return [Figure.from_dict(f) for f in payload["figures"]], info
    info["status"] = "ok, output not machine-readable" if status == 0 else "failed"
    own_json.parent.mkdir(parents=True, exist_ok=True)
    own_json.write_text(
        json.dumps({**stamp(), "module": name, "figures": [], "stdout": out}, ensure_ascii=False)
    )
    note = "no run(); printed output kept in its JSON" if status == 0 else f"exit {status}"
    return [Figure.missing(name, note)], info


def main(argv: list[str] | None = None) -> int:
    """Run the modules, print the table, write the summary; exit 1 if any module failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Smoke-size run of every module.")
    parser.add_argument("--only", action="append", metavar="NAME", help="Run just this module.")
    args = parser.parse_args(argv)
    names = discover()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown module(s) {unknown}; known: {', '.join(names)}")
        names = [n for n in names if n in args.only]
    rows: list[tuple[str, Figure]] = []
    modules: dict[str, Any] = {}
    for name in names:
        print(f"== bench.{name} {'(quick)' if args.quick else ''}", flush=True)
        figures, info = run_module(name, args.quick)
        modules[name] = {**info, "figures": [f.to_dict() for f in figures]}
        rows += [(name, f) for f in figures]
        print(f"   {info['status']} in {info.get('seconds', 0):.0f}s", flush=True)
    print()
    print(format_table(rows))
    needs_run = [n for n, m in modules.items() if str(m.get("protocol", "")).startswith("main")]
    if needs_run:
        print(f"\nmodules without run() (figures missing): {', '.join(needs_run)}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    summary = {**stamp(), "quick": args.quick, "modules": modules}
    path = RESULTS_DIR / "summary.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"\nwritten {path.relative_to(REPO_ROOT)}")
    failed = [n for n, m in modules.items() if str(m["status"]).startswith(("failed", "import"))]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
