"""Forecast reconciliation: base forecasts of every level mapped to coherent ones.

Reconcilers (:class:`BottomUp`, :class:`MinTrace`) follow Nixtla's ``hierarchicalforecast``:
fitted on ``S_df`` (:func:`models.forecast.hierarchy.aggregate`), they map base forecasts of
all levels (columns ``<model>``, ``<model>-lo-80``, ...) to coherent ones.

Reconciled intervals: each interval is shifted by its own series' point adjustment,
``lo' = lo + (ỹ - ŷ)``, ``hi' = hi + (ỹ - ŷ)``. This keeps the base forecaster's width
and nesting (80 % inside 95 %) and guarantees ``lo ≤ point ≤ hi`` when the base intervals
were ordered (and we enforce it anyway). It is a pragmatic choice: the shifted intervals are
not themselves coherent and their coverage is that of the base forecasts.
"""

from __future__ import annotations

from typing import Literal, Self, cast

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from models.forecast.hierarchy import _ID_COLUMNS, INTERVAL_COLUMN, FloatArray, SummingMatrix

__all__ = ["BottomUp", "MinTrace", "shrunk_covariance"]


def shrunk_covariance(residuals: FloatArray) -> tuple[FloatArray, float]:
    """Schäfer–Strimmer shrinkage of the residual covariance towards its diagonal.

    As in Hyndman's ``hts`` (and ``hierarchicalforecast``): uncentred covariance (forecast
    errors should have mean 0), the optimal shrinkage intensity λ estimated from the
    variance of the standardised cross-products, clipped to [0, 1].

    Parameters
    ----------
    residuals : ndarray, shape (n_obs, n_series)

    Returns
    -------
    W : ndarray (n_series, n_series)
    lambda_ : float
    """
    n_obs = residuals.shape[0]
    if n_obs < 2:
        raise ValueError("shrinkage needs at least 2 residual rows")
    covariance = residuals.T @ residuals / n_obs
    scale = np.sqrt(np.diag(covariance))
    scale = np.where(scale > 0, scale, 1.0)
    standardised = residuals / scale
    correlation = covariance / np.outer(scale, scale)
    squared = standardised**2
    variance_of_corr = (squared.T @ squared - (standardised.T @ standardised) ** 2 / n_obs) / (
        n_obs * (n_obs - 1)
    )
    np.fill_diagonal(variance_of_corr, 0.0)
    off_diagonal = correlation**2
    np.fill_diagonal(off_diagonal, 0.0)
    denominator = float(off_diagonal.sum())
    lambda_ = (
        1.0 if denominator <= 0 else float(np.clip(variance_of_corr.sum() / denominator, 0, 1))
    )
    target = np.diag(np.diag(covariance))
    return lambda_ * target + (1 - lambda_) * covariance, lambda_


def _split_columns(frame: pd.DataFrame) -> tuple[list[str], dict[str, list[str]]]:
    """Point columns and, per point column, its interval columns."""
    candidates = [c for c in frame.columns if c not in _ID_COLUMNS]
    points = [c for c in candidates if not INTERVAL_COLUMN.match(c)]
    intervals: dict[str, list[str]] = {p: [] for p in points}
    for column in candidates:
        match = INTERVAL_COLUMN.match(column)
        if match and match["model"] in intervals:
            intervals[match["model"]].append(column)
    if not points:
        raise ValueError("no forecast columns besides unique_id and ds")
    return points, intervals


class _Reconciler(BaseEstimator):
    """Shared fit/reconcile plumbing; subclasses supply ``_reconcile_points``."""

    needs_all_levels = True

    def fit(self, S: pd.DataFrame, residuals: pd.DataFrame | None = None) -> Self:
        """Learn the structure from ``S_df`` (and, for some methods, residuals)."""
        structure = SummingMatrix.from_frame(S)
        position = {uid: i for i, uid in enumerate(structure.series_ids)}
        missing = [b for b in structure.bottom_ids if b not in position]
        if missing:
            raise ValueError(f"bottom series {missing[:5]} have no row in S")
        self.S_ = structure.S
        self.series_ids_ = structure.series_ids
        self.bottom_ids_ = structure.bottom_ids
        self.bottom_rows_ = np.array([position[b] for b in structure.bottom_ids], dtype=np.intp)
        self._fit_weights(residuals)
        return self

    def _fit_weights(self, residuals: pd.DataFrame | None) -> None:
        """Hook for methods that need more than S."""

    def _reconcile_points(self, base: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _wide(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        wide = cast(pd.DataFrame, frame.set_index(["unique_id", "ds"])[columns].unstack("ds"))
        return wide.reindex([str(i) for i in self.series_ids_])

    def reconcile(self, Y_hat_df: pd.DataFrame) -> pd.DataFrame:
        """Coherent forecasts for every series in S, same columns as ``Y_hat_df``.

        ``Y_hat_df`` holds base forecasts in long format (``unique_id, ds, <model>``,
        optional ``<model>-lo-<level>`` / ``-hi-<level>``), for all levels (MinTrace) or at
        least the bottom one (BottomUp).
        """
        check_is_fitted(self, "S_")
        points, intervals = _split_columns(Y_hat_df)
        all_columns = [*points, *(c for p in points for c in intervals[p])]
        wide = self._wide(Y_hat_df.astype({"unique_id": str}), all_columns)
        n_dates = wide[points[0]].shape[1]
        base = np.hstack([wide[p].to_numpy(dtype=np.float64) for p in points])
        self._check_complete(base)
        reconciled = self._reconcile_points(base)
        blocks: dict[str, FloatArray] = {}
        for k, point in enumerate(points):
            block = slice(k * n_dates, (k + 1) * n_dates)
            blocks[point] = reconciled[:, block]
            for column in intervals[point]:
                blocks[column] = self._shift_interval(
                    wide[column].to_numpy(dtype=np.float64),
                    base[:, block],
                    reconciled[:, block],
                    is_lower=INTERVAL_COLUMN.match(column)["side"] == "lo",  # type: ignore[index]
                )
        dates = wide[points[0]].columns
        out = pd.DataFrame(
            {
                "unique_id": np.repeat(np.asarray(self.series_ids_, dtype=object), n_dates),
                "ds": np.tile(dates.to_numpy(), len(self.series_ids_)),
            }
        )
        for column in all_columns:
            out[column] = blocks[column].ravel()
        return out

    def _check_complete(self, base: FloatArray) -> None:
        rows = np.arange(base.shape[0]) if self.needs_all_levels else self.bottom_rows_
        incomplete = np.isnan(base[rows]).any(axis=1)
        if incomplete.any():
            ids = [self.series_ids_[i] for i in rows[incomplete][:5]]
            raise ValueError(f"base forecasts missing (or NaN) for series {ids}")

    def _shift_interval(
        self, bound: FloatArray, base: FloatArray, reconciled: FloatArray, *, is_lower: bool
    ) -> FloatArray:
        """Shift a bound by the point adjustment; where no base exists, sum bottom bounds."""
        shifted = bound + (reconciled - base)
        # BottomUp may get no base forecast for an aggregate: the sum of its bottoms' bounds
        # is the (conservative) interval of perfectly correlated bottoms.
        summed_bottoms = np.asarray(self.S_ @ bound[self.bottom_rows_], dtype=np.float64)
        shifted = np.where(np.isnan(shifted), summed_bottoms, shifted)
        # Shifting keeps lo <= point <= hi when the base was ordered; enforce it regardless.
        shifted = np.minimum(shifted, reconciled) if is_lower else np.maximum(shifted, reconciled)
        return self._postprocess_bound(shifted, is_lower=is_lower)

    def _postprocess_bound(self, bound: FloatArray, *, is_lower: bool) -> FloatArray:
        return bound


class BottomUp(_Reconciler):
    """Aggregate the bottom-level forecasts up the hierarchy; bottoms are left unchanged."""

    needs_all_levels = False

    def _reconcile_points(self, base: FloatArray) -> FloatArray:
        return np.asarray(self.S_ @ base[self.bottom_rows_], dtype=np.float64)


def _residual_matrix(residuals: pd.DataFrame, series_ids: list[str]) -> FloatArray:
    """Residuals as (n_obs × n_series) in S's row order; rows with any NaN are dropped.

    Long input: ``unique_id``, time columns (``ds`` and optional ``cutoff`` for backtests)
    and ``residual`` (or a single other value column). Wide input: one column per series.
    """
    if "unique_id" in residuals.columns:
        time = [c for c in ("cutoff", "ds") if c in residuals.columns]
        values = [c for c in residuals.columns if c not in {"unique_id", *time}]
        value = "residual" if "residual" in values else (values[0] if len(values) == 1 else None)
        if value is None or not time:
            raise ValueError("long residuals need unique_id, ds and one 'residual' column")
        wide = residuals.set_index([*time, "unique_id"])[value].unstack("unique_id")
    else:
        wide = residuals
    wide.columns = [str(c) for c in wide.columns]
    missing = [uid for uid in series_ids if uid not in wide.columns]
    if missing:
        raise ValueError(f"residuals missing for series {missing[:5]}")
    matrix = wide[series_ids].dropna().to_numpy(dtype=np.float64)
    if matrix.shape[0] < 2:
        raise ValueError("need at least 2 complete residual rows (time points) across series")
    return matrix


def _cholesky(matrix: FloatArray) -> tuple[FloatArray, bool]:
    """Cholesky factor, adding a growing ridge if the matrix is numerically singular."""
    ridge = 0.0
    scale = float(np.trace(matrix)) / max(matrix.shape[0], 1) or 1.0
    for _ in range(8):
        try:
            factor: tuple[FloatArray, bool] = scipy.linalg.cho_factor(
                matrix + ridge * np.eye(matrix.shape[0]), check_finite=False
            )
            if np.all(np.diag(factor[0]) > 0):
                return factor
        except np.linalg.LinAlgError:
            pass
        ridge = scale * 1e-10 if ridge == 0 else ridge * 100
    raise np.linalg.LinAlgError("reconciliation system is singular even after regularising")


def _floored(variances: FloatArray) -> FloatArray:
    """Keep variances positive: a zero-variance series would make the system singular."""
    floor = 1e-6 * max(float(np.max(variances, initial=0.0)), 1e-12)
    return np.maximum(variances, floor)


class MinTrace(_Reconciler):
    """Minimum-trace (MinT) reconciliation (Wickramasuriya, Athanasopoulos & Hyndman 2019).

    ``ỹ = S (SᵀW⁻¹S)⁻¹ SᵀW⁻¹ ŷ``, computed either in that "bottom" form (a system the size
    of the bottom level) or in the equivalent "constraint" form
    ``ỹ = ŷ − W Cᵀ (C W Cᵀ)⁻¹ C ŷ`` with ``C = [I, −A]`` (the size of the aggregate levels,
    and never inverting W). ``solver='auto'`` picks the smaller system; only sparse S and
    the small system are ever materialised for diagonal W.

    Parameters
    ----------
    method : {'ols', 'wls_struct', 'wls_var', 'mint_shrink'}
        W = I; diag(number of bottoms under each series); diag(residual variances); or the
        Schäfer–Strimmer shrunk residual covariance (needs ``residuals`` in ``fit``).
    solver : {'auto', 'constraint', 'bottom'}
    nonnegative : bool
        Clip reconciled bottoms at 0 and re-aggregate (counts cannot be negative); lower
        bounds are clipped at 0 too. Coherence is kept, optimality is not.
    """

    def __init__(
        self,
        method: Literal["ols", "wls_struct", "wls_var", "mint_shrink"] = "ols",
        *,
        solver: Literal["auto", "constraint", "bottom"] = "auto",
        nonnegative: bool = False,
    ) -> None:
        self.method = method
        self.solver = solver
        self.nonnegative = nonnegative

    def _fit_weights(self, residuals: pd.DataFrame | None) -> None:
        if self.method not in ("ols", "wls_struct", "wls_var", "mint_shrink"):
            raise ValueError(f"unknown method {self.method!r}")
        if self.solver not in ("auto", "constraint", "bottom"):
            raise ValueError(f"unknown solver {self.solver!r}")
        needs_residuals = self.method in ("wls_var", "mint_shrink")
        if needs_residuals and residuals is None:
            raise ValueError(f"MinTrace(method={self.method!r}) needs residuals in fit")
        self.shrinkage_: float | None = None
        weights: FloatArray
        if self.method == "ols":
            weights = np.ones(len(self.series_ids_))
        elif self.method == "wls_struct":
            weights = np.asarray(self.S_.sum(axis=1), dtype=np.float64).ravel()
        else:
            matrix = _residual_matrix(residuals, self.series_ids_)  # type: ignore[arg-type]
            if self.method == "wls_var":
                weights = _floored(np.mean(matrix**2, axis=0))
            else:
                weights, self.shrinkage_ = shrunk_covariance(matrix)
                np.fill_diagonal(weights, _floored(np.diag(weights)))
        self.weights_ = weights
        n_aggregates = len(self.series_ids_) - len(self.bottom_ids_)
        dense_w = weights.ndim == 2
        if self.solver == "bottom" and dense_w:
            raise ValueError("solver='bottom' needs a diagonal W; use 'constraint'")
        small_constraint = n_aggregates <= len(self.bottom_ids_)
        use_constraint = self.solver == "constraint" or (
            self.solver == "auto" and (dense_w or small_constraint)
        )
        self.solver_ = "constraint" if use_constraint else "bottom"
        if use_constraint:
            self._prepare_constraint(weights)
        else:
            self._prepare_bottom(weights)

    def _prepare_constraint(self, weights: FloatArray) -> None:
        n_series = len(self.series_ids_)
        aggregate_rows = np.setdiff1d(np.arange(n_series), self.bottom_rows_)
        select_aggregates = sp.identity(n_series, format="csr")[aggregate_rows]
        select_bottoms = sp.identity(n_series, format="csr")[self.bottom_rows_]
        constraint = select_aggregates - self.S_[aggregate_rows] @ select_bottoms
        if weights.ndim == 2:
            w_ct = weights @ constraint.T.toarray()
        else:
            w_ct = sp.diags(weights) @ constraint.T
        product = constraint @ w_ct
        system = np.asarray(product.toarray() if sp.issparse(product) else product, np.float64)
        self.constraint_ = constraint
        self.w_ct_ = w_ct
        self.factor_ = _cholesky(np.atleast_2d(system)) if aggregate_rows.size else None

    def _prepare_bottom(self, weights: FloatArray) -> None:
        projector = self.S_.T @ sp.diags(1.0 / weights)
        self.projector_ = projector
        self.factor_ = _cholesky(np.asarray((projector @ self.S_).toarray(), dtype=np.float64))

    def _reconcile_points(self, base: FloatArray) -> FloatArray:
        if self.factor_ is None:  # no aggregates: nothing to reconcile
            bottoms = base[self.bottom_rows_]
        elif self.solver_ == "constraint":
            gap = np.asarray(self.constraint_ @ base, dtype=np.float64)
            solved = scipy.linalg.cho_solve(self.factor_, gap, check_finite=False)
            bottoms = (base - np.asarray(self.w_ct_ @ solved))[self.bottom_rows_]
        else:
            rhs = np.asarray(self.projector_ @ base, dtype=np.float64)
            bottoms = scipy.linalg.cho_solve(self.factor_, rhs, check_finite=False)
        if self.nonnegative:
            bottoms = np.maximum(bottoms, 0.0)
        # Re-aggregating the bottoms makes the result coherent to machine precision.
        return np.asarray(self.S_ @ bottoms, dtype=np.float64)

    def _postprocess_bound(self, bound: FloatArray, *, is_lower: bool) -> FloatArray:
        return np.maximum(bound, 0.0) if self.nonnegative and is_lower else bound
