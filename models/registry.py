"""File-system model registry: versioned, hash-verified joblib artifacts.

Layout: ``<registry_dir>/<name>/<version>/model.joblib`` + ``metadata.json``. A version is
written into a hidden temporary folder beside it and renamed into place in one
``os.replace``, so readers see either a complete version or none. Versions are
timestamp-based (``20261125T103000.123456Z-1a2b3c4d``): they sort chronologically as
strings and the random suffix keeps concurrent saves apart.

Unpickling runs code, so :func:`load_artifact` checks the artifact's SHA-256 against its
metadata *before* ``joblib.load``. This catches corruption, truncation and tampering with
the artifact alone; it is not a signature (whoever can rewrite both files can forge it), so
the registry folder itself must only be writable by the training job.

Examples
--------
>>> import tempfile
>>> root = tempfile.mkdtemp()
>>> info = save_artifact({"w": 1}, "demo", data_range=("2024-01", "2025-12"),
...                      metrics={"mase": 0.9}, root=root)
>>> load_artifact("demo", root=root)[0]
{'w': 1}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import platform
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib

from data.errors import DomainError, NotFoundError, UnavailableError
from data.jsonable import jsonable
from data.settings import get_settings

__all__ = [
    "ArtifactInfo",
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "RegistryError",
    "latest_good",
    "list_versions",
    "load_artifact",
    "load_latest_good",
    "prune_versions",
    "read_info",
    "save_artifact",
]

logger = logging.getLogger(__name__)

ARTIFACT_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_LIBRARIES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "sklearn": "scikit-learn",
    "statsmodels": "statsmodels",
    "joblib": "joblib",
}


class RegistryError(DomainError):
    """Base class of registry failures."""


class ArtifactNotFoundError(RegistryError, NotFoundError):
    """No such model name or version (or no usable version at all)."""


class ArtifactIntegrityError(RegistryError, UnavailableError):
    """An artifact's bytes or metadata cannot be trusted; it was not unpickled."""


@dataclass(frozen=True)
class ArtifactInfo:
    """What ``metadata.json`` says about one saved version."""

    name: str
    version: str
    created_at: str
    sha256: str
    path: Path
    data_range: tuple[str, str]
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    libraries: dict[str, str | None] = field(default_factory=dict)

    @property
    def artifact_path(self) -> Path:
        return self.path / ARTIFACT_FILE

    def to_metadata(self) -> dict[str, Any]:
        """JSON-ready metadata (``path`` is where it lives, so it is not stored)."""
        return {
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at,
            "sha256": self.sha256,
            "data_range": list(self.data_range),
            "metrics": self.metrics,
            "params": self.params,
            "libraries": self.libraries,
        }

    @classmethod
    def from_metadata(cls, payload: dict[str, Any], path: Path) -> ArtifactInfo:
        start, end = payload["data_range"]
        return cls(
            name=str(payload["name"]),
            version=str(payload["version"]),
            created_at=str(payload["created_at"]),
            sha256=str(payload["sha256"]),
            path=path,
            data_range=(str(start), str(end)),
            metrics=dict(payload.get("metrics", {})),
            params=dict(payload.get("params", {})),
            libraries=dict(payload.get("libraries", {})),
        )


def _root(root: str | os.PathLike[str] | None) -> Path:
    return Path(root) if root is not None else Path(get_settings().registry_dir)


def _checked(component: str, what: str) -> str:
    """Refuse names that could escape the registry folder or hide as temp folders."""
    if not _SAFE_COMPONENT.fullmatch(component):
        raise RegistryError(f"invalid {what} {component!r}: use letters, digits, '.', '_', '-'")
    return component


def _new_version(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S.%f')}Z-{secrets.token_hex(4)}"


def _library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for label, distribution in _LIBRARIES.items():
        try:
            versions[label] = importlib_metadata.version(distribution)
        except importlib_metadata.PackageNotFoundError:
            versions[label] = None
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def save_artifact(
    obj: Any,
    name: str,
    *,
    data_range: tuple[str, str],
    metrics: dict[str, Any],
    params: dict[str, Any] | None = None,
    version: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> ArtifactInfo:
    """Save ``obj`` as a new version of ``name``; atomic, never overwrites a version.

    Parameters
    ----------
    obj : any joblib-picklable object (typically a fitted estimator).
    name : model name, a single safe path component (e.g. ``'forecast-demand'``).
    data_range : (first, last) period of the training data, e.g. ``('2021-01', '2025-10')``.
    metrics : backtest metrics to keep beside the model (JSON-serialisable after unwrapping).
    params : hyper-parameters; defaults to ``obj.get_params()`` when available.
    version : explicit version; default is a fresh timestamp-based one.
    root : registry folder; default ``get_settings().registry_dir``.
    """
    model_dir = _root(root) / _checked(name, "model name")
    model_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    chosen = _checked(version, "version") if version is not None else _new_version(now)
    if params is None and hasattr(obj, "get_params"):
        params = obj.get_params(deep=False)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{chosen}-", dir=model_dir))
    try:
        artifact = staging / ARTIFACT_FILE
        joblib.dump(obj, artifact)
        _fsync(artifact)
        info = ArtifactInfo(
            name=name,
            version=chosen,
            created_at=now.isoformat(),
            sha256=_sha256(artifact),
            path=model_dir / chosen,
            data_range=(str(data_range[0]), str(data_range[1])),
            metrics=jsonable(metrics, default=str),
            params=jsonable(params or {}, default=str),
            libraries=_library_versions(),
        )
        meta_path = staging / METADATA_FILE
        meta_path.write_text(
            json.dumps(info.to_metadata(), ensure_ascii=False, indent=2, allow_nan=False),
            encoding="utf-8",
        )
        _fsync(meta_path)
        if info.path.exists():
            raise RegistryError(f"{name} version {chosen} already exists")
        # A directory rename is atomic; it fails rather than merge into an existing version.
        os.replace(staging, info.path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return info


def list_versions(name: str, *, root: str | os.PathLike[str] | None = None) -> list[str]:
    """Versions of ``name``, oldest first (hidden temporary folders excluded)."""
    model_dir = _root(root) / _checked(name, "model name")
    if not model_dir.is_dir():
        return []
    return sorted(
        entry.name
        for entry in model_dir.iterdir()
        if entry.is_dir() and not entry.name.startswith(".")
    )


def _resolve(name: str, version: str, root: str | os.PathLike[str] | None) -> Path:
    versions = list_versions(name, root=root)
    if version == "latest":
        if not versions:
            raise ArtifactNotFoundError(f"no saved versions of model {name!r}")
        version = versions[-1]
    elif version not in versions:
        raise ArtifactNotFoundError(f"model {name!r} has no version {version!r}")
    return _root(root) / name / version


def _verified_info(version_dir: Path) -> ArtifactInfo:
    """Read metadata and check the artifact hash; raise ArtifactIntegrityError otherwise."""
    where = f"{version_dir.parent.name}/{version_dir.name}"
    try:
        payload = json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))
        info = ArtifactInfo.from_metadata(payload, version_dir)
    except FileNotFoundError as error:
        raise ArtifactIntegrityError(f"{where}: {METADATA_FILE} is missing") from error
    except (ValueError, KeyError, TypeError) as error:
        raise ArtifactIntegrityError(f"{where}: {METADATA_FILE} is unreadable ({error})") from error
    if not info.artifact_path.is_file():
        raise ArtifactIntegrityError(f"{where}: {ARTIFACT_FILE} is missing")
    actual = _sha256(info.artifact_path)
    if not hmac.compare_digest(actual, info.sha256):
        raise ArtifactIntegrityError(
            f"{where}: {ARTIFACT_FILE} sha256 {actual[:12]}… does not match the recorded "
            f"{info.sha256[:12]}…; the file was modified or truncated, refusing to unpickle it"
        )
    return info


def load_artifact(
    name: str, version: str = "latest", *, root: str | os.PathLike[str] | None = None
) -> tuple[Any, ArtifactInfo]:
    """Load a version (default: the newest), verifying its SHA-256 before unpickling.

    Raises
    ------
    ArtifactNotFoundError
        Unknown name or version.
    ArtifactIntegrityError
        Missing/unreadable metadata, missing artifact, or hash mismatch.
    """
    info = _verified_info(_resolve(_checked(name, "model name"), version, root))
    return joblib.load(info.artifact_path), info  # hash verified just above


def latest_good(name: str, *, root: str | os.PathLike[str] | None = None) -> ArtifactInfo:
    """The newest version whose metadata and hash verify (tampered ones are skipped)."""
    for version in reversed(list_versions(name, root=root)):
        try:
            return _verified_info(_root(root) / name / version)
        except ArtifactIntegrityError as error:
            logger.warning("skipping untrusted artifact: %s", error)
    raise ArtifactNotFoundError(f"no verifiable version of model {name!r}")


def load_latest_good(
    name: str, *, root: str | os.PathLike[str] | None = None
) -> tuple[Any, ArtifactInfo]:
    """Load the newest version that verifies *and* unpickles; the service's fallback path.

    A version whose hash verifies may still fail to load (e.g. saved by an incompatible
    library version); that one is skipped too, with a warning.
    """
    for version in reversed(list_versions(name, root=root)):
        try:
            info = _verified_info(_root(root) / name / version)
        except ArtifactIntegrityError as error:
            logger.warning("skipping untrusted artifact: %s", error)
            continue
        try:
            return joblib.load(info.artifact_path), info  # hash verified above
        except Exception as error:  # any unpickling failure means "not usable"
            logger.warning("skipping %s/%s: cannot load (%s)", name, version, error)
    raise ArtifactNotFoundError(f"no loadable version of model {name!r}")


def read_info(
    name: str, version: str, *, root: str | os.PathLike[str] | None = None
) -> ArtifactInfo | None:
    """A version's metadata without verifying or loading the artifact; None if unreadable.

    For choosing among versions by their params (e.g. an index snapshot's model version)
    before paying for :func:`load_artifact`, which still verifies the hash.
    """
    version_dir = _root(root) / _checked(name, "model name") / _checked(version, "version")
    try:
        payload = json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))
        return ArtifactInfo.from_metadata(payload, version_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prune_versions(
    name: str, keep: int, *, root: str | os.PathLike[str] | None = None
) -> list[str]:
    """Delete all but the newest ``keep`` versions of ``name``; the versions deleted.

    For artifacts written often and superseded (index snapshots), not for models: a
    deleted model version cannot be rolled back to.
    """
    versions = list_versions(name, root=root)
    doomed = versions[: max(0, len(versions) - keep)]
    for version in doomed:
        shutil.rmtree(_root(root) / name / version, ignore_errors=True)
    return doomed
