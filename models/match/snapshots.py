"""Durable index snapshots: the ``match-index`` registry artifact.

A worker that starts from the store re-reads and re-encodes every record (minutes at a
million candidates); one that starts from a snapshot loads the encoded rows, then replays
the change log from the snapshot's ``seq``. Snapshots are ordinary registry versions (atomic
rename on save, SHA-256 verified before unpickling), chosen by the model version recorded in
their params — rows encoded for one engine are useless to another. ``yuecai train match``
writes one after fitting, and the service refreshes it once it has applied many changes
(:func:`writer_lock` keeps that to one process at a time). Old snapshots are pruned: only
the newest :data:`SNAPSHOTS_KEPT` are kept.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from models.match.serving_index import IndexSnapshot, MatchIndex
from models.registry import (
    ArtifactInfo,
    list_versions,
    load_artifact,
    prune_versions,
    read_info,
    save_artifact,
)

if TYPE_CHECKING:
    from models.match.engine import MatchEngine

__all__ = [
    "SNAPSHOTS_KEPT",
    "SNAPSHOT_ARTIFACT",
    "load_snapshot",
    "newest_snapshot_info",
    "save_snapshot",
    "writer_lock",
]

logger = logging.getLogger(__name__)
SNAPSHOT_ARTIFACT = "match-index"
SNAPSHOTS_KEPT = 3


def save_snapshot(
    snapshot: IndexSnapshot, *, root: str | os.PathLike[str] | None, source: str
) -> ArtifactInfo:
    """Save ``snapshot`` (:meth:`MatchIndex.snapshot`) as the newest one; prune old ones."""
    info = save_artifact(
        snapshot,
        SNAPSHOT_ARTIFACT,
        data_range=(f"seq {snapshot.seq}", f"seq {snapshot.seq}"),
        metrics={
            "candidates": len(snapshot.candidates.ids),
            "vacancies": len(snapshot.vacancies.ids),
        },
        params={"model_version": snapshot.model_version, "seq": snapshot.seq, "source": source},
        root=root,
    )
    prune_versions(SNAPSHOT_ARTIFACT, SNAPSHOTS_KEPT, root=root)
    return info


def _matching(model_version: str, root: str | os.PathLike[str] | None) -> Iterator[ArtifactInfo]:
    """Snapshots of ``model_version``, newest first (metadata only, not yet verified)."""
    for version in reversed(list_versions(SNAPSHOT_ARTIFACT, root=root)):
        info = read_info(SNAPSHOT_ARTIFACT, version, root=root)
        if info is not None and info.params.get("model_version") == model_version:
            yield info


def newest_snapshot_info(
    model_version: str, *, root: str | os.PathLike[str] | None
) -> ArtifactInfo | None:
    """The newest snapshot's metadata for ``model_version`` (None when there is none)."""
    return next(_matching(model_version, root), None)


def load_snapshot(engine: MatchEngine, *, root: str | os.PathLike[str] | None) -> MatchIndex | None:
    """The newest snapshot of ``engine``'s model version that verifies and loads, or None.

    A corrupt, tampered or unloadable one is logged and skipped for the next older one.
    """
    for info in _matching(str(engine.model_version_), root):
        try:
            obj, _ = load_artifact(SNAPSHOT_ARTIFACT, info.version, root=root)
            if not isinstance(obj, IndexSnapshot):
                raise TypeError(f"holds a {type(obj).__name__}, not an IndexSnapshot")
            return MatchIndex.from_snapshot(engine, obj)
        except Exception as error:  # any failure means "not usable": try the next one
            logger.warning("skipping index snapshot %s: %s", info.version, error)
    return None


@contextmanager
def writer_lock(root: str | os.PathLike[str]) -> Iterator[bool]:
    """Try to become the one snapshot writer; yields False when another process is.

    An advisory ``flock`` on a file beside the snapshots: it is released when the holder
    exits or dies, so a crashed writer never blocks the others.
    """
    folder = Path(root) / SNAPSHOT_ARTIFACT
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".writer.lock").open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
