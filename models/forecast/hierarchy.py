"""Hierarchical aggregation: the summing matrix S, every level's history, coherence.

The API follows Nixtla's ``hierarchicalforecast``: :func:`aggregate` turns a bottom-level
panel and a spec of aggregation levels into ``Y_df`` (every level's history, long format),
``S_df`` (the summing matrix, a sparse-backed DataFrame indexed by ``unique_id`` with one
column per bottom series) and ``tags`` (level name → its ``unique_id`` values);
:func:`coherence_error` measures how far forecasts are from adding up. The reconcilers that
make them add up are :mod:`models.forecast.reconcile`.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"top": "T", "leaf": ["a", "b"], "ds": pd.Timestamp("2026-01-01"),
...                    "y": [1.0, 2.0]})
>>> Y_df, S_df, tags = aggregate(df, [["top"], ["leaf"]])
>>> Y_df["y"].tolist()
[3.0, 1.0, 2.0]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "INTERVAL_COLUMN",
    "SummingMatrix",
    "aggregate",
    "coherence_error",
    "summing_matrix",
]

FloatArray = NDArray[np.float64]
INTERVAL_COLUMN = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")
_ID_COLUMNS = frozenset({"unique_id", "ds", "cutoff", "y"})


@dataclass(frozen=True)
class SummingMatrix:
    """S (``n_series × n_bottom``, CSR) with its row/column labels and level tags."""

    S: Any  # scipy.sparse.csr_matrix; scipy ships no type stubs
    series_ids: list[str]
    bottom_ids: list[str]
    tags: dict[str, NDArray[np.object_]]

    def to_frame(self) -> pd.DataFrame:
        """Nixtla-style ``S_df``: sparse columns, index ``unique_id``."""
        # pandas-stubs does not type the ``.sparse`` accessor
        frame: pd.DataFrame = cast(Any, pd.DataFrame).sparse.from_spmatrix(
            self.S.astype(np.float64), index=self.series_ids, columns=self.bottom_ids
        )
        frame.index.name = "unique_id"
        return frame

    @classmethod
    def from_frame(cls, S_df: pd.DataFrame) -> SummingMatrix:
        """Read back an ``S_df`` (sparse or dense columns)."""
        if all(isinstance(dtype, pd.SparseDtype) for dtype in S_df.dtypes):
            matrix = sp.csr_matrix(cast(Any, S_df).sparse.to_coo())
        else:
            matrix = sp.csr_matrix(S_df.to_numpy(dtype=np.float64))
        series = [str(i) for i in S_df.index]
        bottom = [str(c) for c in S_df.columns]
        return cls(S=matrix, series_ids=series, bottom_ids=bottom, tags={})


def _level_ids(frame: pd.DataFrame, level: Sequence[str]) -> pd.Series:
    """'/'-joined key values of one level; missing where any key is missing (no node)."""
    columns = list(level)
    ids = frame[columns[0]].astype(str)
    for column in columns[1:]:
        ids = ids + "/" + frame[column].astype(str)
    return ids.where(frame[columns].notna().all(axis=1))


def summing_matrix(bottom_keys: pd.DataFrame, spec: Sequence[Sequence[str]]) -> SummingMatrix:
    """Build S from one row per bottom series and a spec of levels (top first, bottom last).

    A level need not nest in the one above it (grouped structures), but every level's key
    must be a function of the bottom key. Rows whose key at some level is missing belong to
    no node of that level: this encodes partial groupings such as the 9-city GBA total.
    """
    if not spec:
        raise ValueError("spec must list at least the bottom level")
    bottom_level = list(spec[-1])
    columns = list(dict.fromkeys(c for level in spec for c in level))
    missing = [c for c in columns if c not in bottom_keys.columns]
    if missing:
        raise KeyError(f"spec columns {missing} not in frame")
    keys = bottom_keys[columns].drop_duplicates().reset_index(drop=True)
    bottom_ids = _level_ids(keys, bottom_level)
    if bottom_ids.isna().any():
        raise ValueError(f"bottom level {bottom_level} has missing keys")
    if bottom_ids.duplicated().any():
        dupe = bottom_ids[bottom_ids.duplicated()].iloc[0]
        raise ValueError(f"bottom series {dupe!r} maps to several ancestors; spec not a tree")
    order = np.argsort(bottom_ids.to_numpy(dtype=str), kind="stable")
    keys, bottom_ids = keys.iloc[order].reset_index(drop=True), bottom_ids.iloc[order]
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    series_ids: list[str] = []
    tags: dict[str, NDArray[np.object_]] = {}
    for level in spec:
        ids = _level_ids(keys, level)
        member = ids.notna().to_numpy()
        nodes, inverse = np.unique(ids[member].to_numpy(dtype=str), return_inverse=True)
        rows.append(len(series_ids) + inverse)
        cols.append(np.flatnonzero(member))
        tags["/".join(level)] = nodes.astype(object)
        series_ids.extend(nodes.tolist())
    if len(set(series_ids)) != len(series_ids):
        dupes = pd.Series(series_ids)[pd.Series(series_ids).duplicated()].unique()[:5]
        raise ValueError(f"unique_id collision between levels: {list(dupes)}")
    data = np.ones(sum(len(r) for r in rows))
    S = sp.csr_matrix(
        (data, (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(series_ids), len(bottom_ids)),
    )
    return SummingMatrix(S, series_ids, bottom_ids.tolist(), tags)


def aggregate(
    df: pd.DataFrame, spec: Sequence[Sequence[str]], *, sparse_s: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, NDArray[np.object_]]]:
    """Aggregate a bottom-level panel to every level of ``spec``.

    Parameters
    ----------
    df : DataFrame
        ``ds``, ``y`` and the spec columns (see ``data.panels.hierarchy_frame``). An absent
        (series, ds) row counts as 0 -- right for counts such as headcount; NaN ``y`` is an
        error rather than silently summed.
    spec : list of list of str
        Levels, top first; the last one is the bottom level and identifies a series.
    sparse_s : bool
        Return ``S_df`` with sparse columns (default) or dense ones.

    Returns
    -------
    Y_df : DataFrame ``unique_id, ds, y`` for all levels, in S's row order.
    S_df : DataFrame, index ``unique_id``, one column per bottom series.
    tags : dict level name ('/'-joined spec columns) → array of that level's unique_ids.
    """
    if df["y"].isna().any():
        raise ValueError("y has NaN values; fill or drop them before aggregating")
    structure = summing_matrix(df, spec)
    bottom_id = _level_ids(df, spec[-1])
    wide = (
        df.assign(unique_id=bottom_id)
        .pivot_table(index="unique_id", columns="ds", values="y", aggfunc="sum", fill_value=0.0)
        .reindex(structure.bottom_ids, fill_value=0.0)
    )
    values = structure.S @ wide.to_numpy(dtype=np.float64)
    Y_df = pd.DataFrame(
        {
            "unique_id": np.repeat(structure.series_ids, wide.shape[1]),
            "ds": np.tile(wide.columns.to_numpy(), len(structure.series_ids)),
            "y": values.ravel(),
        }
    )
    S_df = structure.to_frame()
    if not sparse_s:
        S_df = cast(Any, S_df).sparse.to_dense()
    return Y_df, S_df, structure.tags


def coherence_error(
    df: pd.DataFrame, S: pd.DataFrame, tags: dict[str, NDArray[np.object_]] | None = None
) -> float:
    """Largest |aggregate − sum of its bottoms| over the point columns of ``df``.

    ``df`` is long format (``unique_id, ds`` and point/interval columns, or ``y``); interval
    columns are ignored (they are not meant to add up). Series missing from ``df`` are
    skipped. ``tags``, when given, must cover exactly S's series.
    """
    structure = SummingMatrix.from_frame(S)
    if tags is not None:
        tagged = {str(uid) for ids in tags.values() for uid in ids}
        if tagged != set(structure.series_ids):
            raise ValueError("tags and S describe different series")
    columns = [c for c in df.columns if c not in {"unique_id", "ds", "cutoff"}]
    points = [c for c in columns if not INTERVAL_COLUMN.match(c)]
    wide = df.astype({"unique_id": str}).set_index(["unique_id", "ds"])[points].unstack("ds")
    position = {uid: i for i, uid in enumerate(structure.series_ids)}
    worst = 0.0
    for column in points:
        values = wide[column].reindex(structure.series_ids).to_numpy(dtype=np.float64)
        bottoms = values[[position[b] for b in structure.bottom_ids]]
        gap = np.abs(values - np.asarray(structure.S @ bottoms))
        if np.isfinite(gap).any():
            worst = max(worst, float(np.nanmax(gap)))
    return worst
