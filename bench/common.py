"""Shared pieces of the bench modules: the figure protocol, result files, a real server.

Protocol (what ``python -m bench`` collects): a bench module exposes ::

    def run(quick: bool = False) -> list[Figure]: ...

each :class:`Figure` pairing a measured value with a baseline measured *in the same run*
(so the ratio, not the absolute number, is what compares across machines). A module without
``run()`` may instead write ``bench/results/<module>.json`` holding ``{"figures": [...]}``
(the :meth:`Figure.to_dict` layout); see :mod:`bench.__main__`.

Also here, because the API benches and the service tests share them: :func:`seed_store`
(generated demo data + API keys in a store), :func:`train_match_model` (a small real match
engine in a registry) and :class:`ServerProcess` (``uvicorn service.main:create_app
--factory`` as a subprocess on loopback, with its PID for RSS sampling).
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
LOOPBACK = "127.0.0.1"
Better = Literal["lower", "higher", "closer"]
"""Which way a figure is good: ``closer`` means the ideal ratio is 1 (e.g. interval coverage
against its nominal level)."""

__all__ = [
    "LOOPBACK",
    "RESULTS_DIR",
    "Figure",
    "SeededStore",
    "ServerProcess",
    "cpu_ticks",
    "format_table",
    "git_commit",
    "latency_summary",
    "read_rss_mb",
    "scaled_timeout",
    "seed_store",
    "stamp",
    "timeout_scale",
    "train_match_model",
    "wait_until_ready",
    "write_results",
]


@dataclass(frozen=True)
class Figure:
    """One measured figure and its same-run baseline.

    ``ratio`` is ``value / baseline_value``; whether a high ratio is good depends on
    ``better`` (for a time, ``lower``; for a coverage against its nominal level, ``closer``
    to 1). A figure whose value could not be measured has
    ``value=None`` and says why in ``note``.
    """

    name: str
    value: float | None
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    better: Better = "lower"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """``value / baseline_value`` (None when either is missing or the baseline is 0)."""
        if self.value is None or not self.baseline_value:
            return None
        return self.value / self.baseline_value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the ratio included."""
        return {**asdict(self), "ratio": self.ratio}

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Figure:
        """Inverse of :meth:`to_dict` (extra keys such as ``ratio`` are ignored)."""
        known = {name: payload[name] for name in cls.__dataclass_fields__ if name in payload}
        return cls(**known)

    @classmethod
    def missing(cls, name: str, note: str) -> Figure:
        """A placeholder for a figure a module did not report."""
        return cls(name=name, value=None, unit="", note=note)


def git_commit() -> str:
    """The checked-out commit (``+dirty`` if the tree has changes), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def stamp() -> dict[str, Any]:
    """Where and when results were measured: commit, UTC time, host CPU count, Python."""
    return {
        "commit": git_commit(),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def write_results(
    module: str, figures: Sequence[Figure], extra: dict[str, Any] | None = None
) -> Path:
    """Write ``bench/results/<module>.json``: stamp, figures and any module details."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{module}.json"
    payload = {
        **stamp(),
        "module": module,
        "figures": [f.to_dict() for f in figures],
        "details": extra or {},
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    return path


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4g}"


BETTER_LABELS: dict[str, str] = {"lower": "lower", "higher": "higher", "closer": "ratio → 1"}


def format_table(figures: Sequence[tuple[str, Figure]]) -> str:
    """A Markdown table of ``(module, figure)`` rows: value, baseline, ratio, which is better."""
    lines = [
        "| module | figure | value | unit | baseline (same run) | baseline | ratio | better |",
        "|---|---|---:|---|---|---:|---:|---|",
    ]
    for module, f in figures:
        value = _number(f.value) if f.value is not None else f"missing ({f.note})"
        ratio = "—" if f.ratio is None else f"{f.ratio:.3g}×"
        lines.append(
            f"| {module} | {f.name} | {value} | {f.unit} | {f.baseline_name or '—'} | "
            f"{_number(f.baseline_value)} | {ratio} | {BETTER_LABELS.get(f.better, f.better)} |"
        )
    return "\n".join(lines)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of request latencies, in milliseconds (NaN when empty)."""
    if not seconds:
        return {"p50_ms": math.nan, "p95_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan}
    ms = np.asarray(seconds) * 1e3
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99), "max_ms": ms.max()}


def read_rss_mb(pid: int) -> float:
    """Resident set size of process ``pid`` in MiB, from ``/proc/<pid>/status`` (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# --------------------------------------------------------------------------- store and model
@dataclass
class SeededStore:
    """A store filled with generated demo data, and one API key per role."""

    database_url: str
    vacancy_ids: list[str]
    candidate_ids: list[str]
    keys: dict[str, str] = field(default_factory=dict)
    vacancies: Any = None  # the generated frames, for training a model on the same data
    candidates: Any = None
    outcomes: Any = None

    def headers(self, role: str = "admin") -> dict[str, str]:
        """``Authorization: Bearer <key>`` for the key of ``role``."""
        return {"Authorization": f"Bearer {self.keys[role]}"}


def seed_store(
    database_url: str, *, start: str = "2024-01", end: str = "2024-06", scale: float = 150.0
) -> SeededStore:
    """Migrate ``database_url``, load generated vacancies/candidates/outcomes, issue keys.

    Keys: ``admin``, ``planner`` and ``platform`` (tenant ``public``, the generator's tenant).
    """
    from data.generator import GeneratorConfig, generate, to_records
    from data.store import (
        insert_outcomes,
        make_engine,
        session_scope,
        upgrade_to_head,
        upsert_candidates,
        upsert_vacancies,
    )
    from data.store.keys import issue_key

    data = generate(GeneratorConfig(start=start, end=end, scale=scale))
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            upsert_vacancies(session, to_records(data.vacancies, "vacancies"))  # type: ignore[arg-type]
            upsert_candidates(session, to_records(data.candidates, "candidates"))  # type: ignore[arg-type]
            insert_outcomes(session, to_records(data.outcomes, "outcomes"))  # type: ignore[arg-type]
            keys = {
                "admin": issue_key(session, "admin", name="bench")[1],
                "planner": issue_key(session, "planner", name="bench")[1],
                "platform": issue_key(session, "platform", tenant_id="public", name="bench")[1],
            }
    finally:
        engine.dispose()
    return SeededStore(
        database_url=database_url,
        vacancy_ids=[str(v) for v in data.vacancies["vacancy_id"]],
        candidate_ids=[str(c) for c in data.candidates["candidate_id"]],
        keys=keys,
        vacancies=data.vacancies,
        candidates=data.candidates,
        outcomes=data.outcomes,
    )


def train_match_model(store: SeededStore, registry_dir: Path, **engine_params: Any) -> str:
    """Fit a real :class:`models.match.MatchEngine` on ``store``'s data, save it; its version.

    Kept small (few ranker queries) so benches and tests spend their time serving, not fitting.
    """
    from models.match import MatchEngine
    from models.registry import save_artifact

    params = {"max_training_queries": 300, "negatives_per_query": 5, **engine_params}
    engine = MatchEngine(**params).fit(store.candidates, store.vacancies, store.outcomes)
    save_artifact(
        engine,
        "match",
        data_range=("2024-01", "2024-12"),
        metrics={},
        params={**engine.get_params(), "model_version": engine.model_version_},
        root=registry_dir,
    )
    return str(engine.model_version_)


# --------------------------------------------------------------------------- the real server
def free_port() -> int:
    """A TCP port free on loopback right now (the server binds it a moment later)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A running ``uvicorn service.main:create_app --factory`` subprocess on loopback."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        """PID of the uvicorn process (the master when ``workers > 1``)."""
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """PIDs of the worker processes (children of the master; itself when single)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            return [self.pid]
        # the master may also run multiprocessing's resource tracker: keep spawned workers only
        workers = [p for p in pids if b"spawn_main" in _cmdline(p)]
        return workers or [self.pid]

    def cpu_ticks(self) -> int:
        """CPU time (clock ticks, user + system) used so far by the master and its workers:
        a start-up that keeps using CPU is slow, not stuck."""
        return sum(cpu_ticks(pid) for pid in {self.pid, *self.worker_pids()})

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's combined stdout/stderr (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def cpu_ticks(pid: int) -> int:
    """CPU time (clock ticks, user + system) process ``pid`` has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@contextmanager
def serve_subprocess(
    database_url: str,
    registry_dir: Path,
    var_dir: Path,
    *,
    workers: int = 1,
    startup_timeout: float = 60.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """Run the real app under uvicorn in a subprocess on a free loopback port.

    Settings reach it the production way, through ``YUECAI_*`` environment variables. Waits
    until ``/ready`` answers 200 (:func:`wait_until_ready`: ``startup_timeout`` scaled to the
    machine, and longer while the server keeps using CPU), yields, then SIGTERMs the server
    (SIGKILL after 15 s).
    """
    port = free_port()
    var_dir.mkdir(parents=True, exist_ok=True)
    log_path = var_dir / f"uvicorn-{port}.log"
    env = {
        **os.environ,
        "YUECAI_DATABASE_URL": database_url,
        "YUECAI_REGISTRY_DIR": str(registry_dir),
        "YUECAI_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "service.main:create_app",
        "--factory",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--ws",
        "none",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = ServerProcess(process, f"http://{LOOPBACK}:{port}", log_path)
    try:
        wait_until_ready(server, startup_timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


TIMEOUT_SCALE_ENV = "YUECAI_TIMEOUT_SCALE"
"""Environment variable multiplying every scaled wait (default 1; e.g. 4 on a slow runner)."""
STALL_SECONDS = 30.0
"""A starting server that has used no CPU for this long, past its deadline, is stuck."""


def timeout_scale() -> float:
    """How many times longer than on a quiet machine a wait may take: the 1-minute load per
    core (at least 1) times ``YUECAI_TIMEOUT_SCALE`` (default 1)."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    try:
        factor = float(os.environ.get(TIMEOUT_SCALE_ENV, "1"))
    except ValueError:
        raise ValueError(
            f"{TIMEOUT_SCALE_ENV} must be a number, not {os.environ[TIMEOUT_SCALE_ENV]!r}"
        ) from None
    return max(1.0, load) * max(factor, 1.0)


def scaled_timeout(seconds: float) -> float:
    """``seconds`` stretched by :func:`timeout_scale`: a wait that is ample on a quiet machine
    must not fail a test on a busy one."""
    return seconds * timeout_scale()


def wait_until_ready(server: ServerProcess, timeout: float = 60.0) -> None:
    """Until ``/ready`` answers 200 on ``server``.

    While the server does not answer at all it is importing and starting: the wait fails only
    once :func:`scaled_timeout` of ``timeout`` has passed *and* the server has used no CPU for
    :data:`STALL_SECONDS` (a loaded machine makes start-up slow, not stuck). Once it answers
    ``/ready`` with another status, it has that scaled timeout to become ready (its own CPU no
    longer tells progress: answering the polls uses CPU). Ten times the scaled timeout at most.
    """
    scaled = scaled_timeout(timeout)
    started = last_progress = time.monotonic()
    last_ticks, answered_at, answer = -1, None, ""
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"uvicorn exited during startup:\n{server.log_tail()}")
        try:
            response = httpx.get(f"{server.base_url}/ready", timeout=5.0)
        except httpx.HTTPError:
            response = None
        now = time.monotonic()
        if response is not None:
            if response.status_code == 200:
                return
            answered_at = answered_at or now
            answer = f"/ready answers {response.status_code}: {response.text[:300]}"
        ticks = server.cpu_ticks()
        if ticks != last_ticks:
            last_ticks, last_progress = ticks, now
        if answered_at is not None:
            failed = now - answered_at > scaled
        else:
            failed = now - started > scaled and now - last_progress > STALL_SECONDS
        if failed or now - started > 10 * scaled:
            raise RuntimeError(
                f"uvicorn was not ready after {now - started:.0f}s (deadline {scaled:.0f}s, "
                f"last CPU use {now - last_progress:.0f}s ago) {answer}\n{server.log_tail()}"
            )
        time.sleep(0.1)
