"""The model registry, typed: named artifacts, their loaders, and one cache per process.

:mod:`models.registry` keeps versions of any picklable object under a name. What those names
are and what each one holds is said here, once:

============================  =================================================  ==========
artifact                      holds                                              written by
============================  =================================================  ==========
:data:`FORECAST`              :class:`~models.forecast.bundle.ForecastBundle`    train forecast
:data:`MATCH`                 a fitted :class:`~models.match.engine.MatchEngine`  train match
:data:`MATCH_INDEX`           :class:`~models.match.snapshots.IndexSnapshot`      the match index
============================  =================================================  ==========

A :class:`Registry` is the handle a use case takes (the folder, from settings or given);
its ``load_*`` methods check the hash, unpickle and check the type, so a caller never gets
an ``Any``. :class:`ArtifactCache` keeps what was loaded until a new version appears: the
service holds one on ``app.state`` (:func:`artifact_cache`), a notebook may hold its own.

>>> import tempfile
>>> registry = Registry(tempfile.mkdtemp())
>>> registry.versions(FORECAST)
[]
>>> ArtifactCache().get(registry, FORECAST, registry.load_forecast_bundle) is None
True
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

from data.errors import UnavailableError
from data.settings import Settings, get_settings
from models.forecast.bundle import ForecastBundle
from models.match.engine import MatchEngine
from models.match.snapshots import SNAPSHOT_ARTIFACT
from models.registry import (
    ArtifactInfo,
    RegistryError,
    list_versions,
    load_artifact,
    load_latest_good,
    save_artifact,
)

__all__ = [
    "FORECAST",
    "MATCH",
    "MATCH_INDEX",
    "ArtifactCache",
    "ArtifactTypeError",
    "Loaded",
    "Registry",
]

logger = logging.getLogger("yuecai.app.registry")

FORECAST: Final = "forecast"
"""The demand/supply/ratio forecast bundle (``yuecai train forecast``)."""
MATCH: Final = "match"
"""The fitted match engine (``yuecai train match``)."""
MATCH_INDEX: Final = SNAPSHOT_ARTIFACT
"""Snapshots of the served match index (written by the index's one writer)."""

T = TypeVar("T")


class ArtifactTypeError(RegistryError, UnavailableError, TypeError):
    """An artifact that verifies and unpickles but does not hold what its name promises."""


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """An artifact's object and its registry metadata."""

    obj: T
    info: ArtifactInfo

    @property
    def version(self) -> str:
        return self.info.version


def _typed(obj: Any, kind: type[T], name: str) -> T:
    if not isinstance(obj, kind):
        raise ArtifactTypeError(
            f"artifact {name!r} holds a {type(obj).__name__}, not a {kind.__name__}"
        )
    return obj


@dataclass(frozen=True)
class Registry:
    """The artifact registry folder, with a typed loader per named artifact."""

    root: Path

    def __init__(self, root: str | os.PathLike[str]) -> None:
        object.__setattr__(self, "root", Path(root))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Registry:
        """The registry of ``settings`` (default: the environment's)."""
        return cls((settings or get_settings()).registry_dir)

    def versions(self, name: str) -> list[str]:
        """Versions of ``name``, oldest first."""
        return list_versions(name, root=self.root)

    def save(
        self,
        obj: Any,
        name: str,
        *,
        data_range: tuple[str, str],
        metrics: dict[str, Any],
        params: dict[str, Any] | None = None,
    ) -> ArtifactInfo:
        """Save ``obj`` as a new version of ``name`` (atomic, never overwrites)."""
        return save_artifact(
            obj, name, data_range=data_range, metrics=metrics, params=params, root=self.root
        )

    def save_forecast_bundle(self, bundle: ForecastBundle) -> ArtifactInfo:
        """A new :data:`FORECAST` version, with the bundle's data range, metrics and params."""
        return self.save(
            bundle,
            FORECAST,
            data_range=bundle.data_range,
            metrics=bundle.metrics,
            params=bundle.params,
        )

    def load_forecast_bundle(self, version: str | None = None) -> Loaded[ForecastBundle]:
        """``version`` of the forecast bundle; None: the newest that verifies and loads."""
        return self._load(FORECAST, ForecastBundle, version)

    def load_match_engine(self, version: str | None = None) -> Loaded[MatchEngine]:
        """``version`` of the match engine; None: the newest that verifies and loads.

        The engine is checked to be fitted (``model_version_`` set).
        """
        from sklearn.utils.validation import check_is_fitted

        loaded = self._load(MATCH, MatchEngine, version)
        check_is_fitted(loaded.obj, "model_version_")
        return loaded

    def _load(self, name: str, kind: type[T], version: str | None) -> Loaded[T]:
        if version is None:
            obj, info = load_latest_good(name, root=self.root)
        else:
            obj, info = load_artifact(name, version, root=self.root)
        return Loaded(_typed(obj, kind, name), info)


class ArtifactCache:
    """What was loaded per (registry, artifact), kept until the version list changes.

    A look-up costs a directory listing; a new version (training published) or a removed one
    loads again. A registry with no loadable version caches None, and says why once in the log.
    Thread-safe: request threads share one cache.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Path, str], tuple[tuple[str, ...], Any]] = {}

    def get(self, registry: Registry, name: str, load: Callable[[], Loaded[T]]) -> Loaded[T] | None:
        """The cached ``load()`` of ``name`` in ``registry``, or None when nothing loads."""
        try:
            versions = tuple(registry.versions(name))
        except RegistryError:
            versions = ()
        key = (registry.root, name)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None and cached[0] == versions:
                return cached[1]  # type: ignore[no-any-return]
        loaded: Loaded[T] | None = None
        if versions:
            try:
                loaded = load()
            except RegistryError as error:
                logger.warning("no usable %s artifact: %s", name, error)
        with self._lock:
            self._entries[key] = (versions, loaded)
        return loaded
