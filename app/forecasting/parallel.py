"""Where the fitting tasks run (joblib backend, optionally a Dask cluster) and progress.

The pipeline never talks to Dask directly: it only calls ``joblib.Parallel``. Switching to a
cluster is ``joblib.parallel_config(backend='dask')`` around the same code, with a
``dask.distributed.Client`` connected to the scheduler -- which :func:`parallel_backend`
opens (and closes again) when given an address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Literal, TypeVar

from joblib import parallel_config
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["Backend", "StageProgress", "parallel_backend"]

Backend = Literal["loky", "dask", "sequential"]
_T = TypeVar("_T")


@contextmanager
def parallel_backend(backend: Backend, scheduler: str | None, n_jobs: int) -> Iterator[int]:
    """Configure joblib for ``backend``; yield the ``n_jobs`` to pass to ``Parallel``.

    ``'dask'`` with ``scheduler`` connects a Client for the duration of the block; without
    one it uses the Client already running in this process (error if there is none).
    """
    if backend == "sequential":
        with parallel_config(backend="sequential"):
            yield 1
        return
    if backend == "loky":
        with parallel_config(backend="loky"):
            yield n_jobs
        return
    if backend != "dask":
        raise ValueError(f"backend must be 'loky', 'dask' or 'sequential'; got {backend!r}")
    from distributed import Client, get_client  # optional at import time: heavy

    if scheduler is None:
        try:
            get_client()
        except ValueError as error:
            raise ValueError(
                "backend='dask' needs scheduler='tcp://...' or a running Client"
            ) from error
        with parallel_config(backend="dask"):
            yield n_jobs
        return
    client_context = Client(scheduler, set_as_default=True)
    with client_context as client, parallel_config(backend="dask"):
        client.wait_for_workers(1, timeout=60)
        yield n_jobs


class StageProgress:
    """A Rich progress bar per stage, a callback, or nothing (``progress=False``)."""

    def __init__(self, progress: bool | Callable[[str, int, int], None]) -> None:
        self._callback = progress if callable(progress) else None
        self._bar = (
            Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            if progress is True
            else None
        )

    def __enter__(self) -> StageProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def counter(self, stage: str, total: int) -> Callable[[], None]:
        """A function to call once per finished task of ``stage``."""
        task = self._bar.add_task(stage, total=total) if self._bar is not None else None
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            if self._bar is not None and task is not None:
                self._bar.advance(task)
            if self._callback is not None:
                self._callback(stage, done, total)

        return advance

    def iterate(self, stage: str, items: Iterable[_T]) -> Iterator[_T]:
        """Yield ``items``, counting each as a finished task of ``stage``."""
        listed = list(items)
        advance = self.counter(stage, len(listed))
        for item in listed:
            yield item
            advance()
