"""Summing matrix, aggregation and reconciliation: coherence properties and a real panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.panels import demand_panel, hierarchy_frame, hierarchy_spec
from data.taxonomy import cities
from models.forecast.hierarchy import aggregate, coherence_error, summing_matrix
from models.forecast.reconcile import BottomUp, MinTrace, shrunk_covariance

METHODS = ["ols", "wls_struct", "wls_var", "mint_shrink"]
DATES = pd.date_range("2026-01-01", periods=3, freq="MS")


def _tree(group_sizes: list[int], partial: bool) -> pd.DataFrame:
    """Bottoms b<i> under groups g<j> under a total, plus an optional partial grouping."""
    rows = []
    for g, size in enumerate(group_sizes):
        for b in range(size):
            member = f"p{g % 2}" if partial and (g + b) % 3 else None
            rows.append({"total": "T", "group": f"g{g}", "part": member, "leaf": f"b{g}_{b}"})
    return pd.DataFrame(rows)


def _spec(partial: bool) -> list[list[str]]:
    return [["total"], ["group"], *([["part"]] if partial else []), ["leaf"]]


def _base_forecasts(S_df: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    ids = np.repeat(S_df.index.to_numpy(), len(DATES))
    point = values.ravel()
    return pd.DataFrame(
        {
            "unique_id": ids,
            "ds": np.tile(DATES, len(S_df)),
            "m": point,
            "m-lo-80": point - 1.0,
            "m-hi-80": point + 2.0,
        }
    )


def _reconcilers(S_df: pd.DataFrame, rng: np.random.Generator) -> list:
    residuals = pd.DataFrame(rng.normal(size=(30, len(S_df))), columns=S_df.index)
    fitted = [BottomUp().fit(S_df)]
    fitted += [MinTrace(method).fit(S_df, residuals) for method in METHODS]
    return fitted


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    group_sizes=st.lists(st.integers(1, 6), min_size=1, max_size=6),
    partial=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_method_is_coherent(group_sizes: list[int], partial: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    structure = summing_matrix(_tree(group_sizes, partial), _spec(partial))
    S_df = structure.to_frame()
    base = _base_forecasts(S_df, rng.uniform(-1e3, 1e3, size=(len(S_df), len(DATES))))
    bottom_ids = set(structure.bottom_ids)
    for reconciler in _reconcilers(S_df, rng):
        out = reconciler.reconcile(base)
        assert coherence_error(out, S_df, structure.tags) <= 1e-6
        assert (out["m-lo-80"] <= out["m"]).all() and (out["m"] <= out["m-hi-80"]).all()
        if isinstance(reconciler, BottomUp):
            merged = out.merge(base, on=["unique_id", "ds"], suffixes=("", "_base"))
            bottoms = merged[merged["unique_id"].isin(bottom_ids)]
            np.testing.assert_array_equal(bottoms["m"], bottoms["m_base"])


@settings(max_examples=30, deadline=None)
@given(
    group_sizes=st.lists(st.integers(1, 5), min_size=1, max_size=5),
    partial=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_mintrace_keeps_coherent_forecasts(
    group_sizes: list[int], partial: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    structure = summing_matrix(_tree(group_sizes, partial), _spec(partial))
    S_df = structure.to_frame()
    bottoms = rng.uniform(0, 500, size=(len(structure.bottom_ids), len(DATES)))
    coherent = _base_forecasts(S_df, structure.S @ bottoms)
    for method in ["ols", "wls_struct"]:
        out = MinTrace(method).fit(S_df).reconcile(coherent)
        np.testing.assert_allclose(out["m"], coherent["m"], atol=1e-6)
        np.testing.assert_allclose(out["m-hi-80"], coherent["m-hi-80"], atol=1e-6)


@pytest.mark.parametrize("method", ["ols", "wls_struct"])
def test_solvers_agree_with_the_textbook_formula(method: str) -> None:
    rng = np.random.default_rng(0)
    structure = summing_matrix(_tree([3, 2, 4], partial=True), _spec(True))
    S_df, S = structure.to_frame(), structure.S.toarray()
    base = _base_forecasts(S_df, rng.normal(100, 30, size=(len(S_df), len(DATES))))
    W_inv = np.diag(1 / (S.sum(axis=1) if method == "wls_struct" else np.ones(len(S))))
    y_hat = base["m"].to_numpy().reshape(len(S), -1)
    expected = S @ np.linalg.solve(S.T @ W_inv @ S, S.T @ W_inv @ y_hat)
    for solver in ["bottom", "constraint"]:
        out = MinTrace(method, solver=solver).fit(S_df).reconcile(base)
        np.testing.assert_allclose(out["m"].to_numpy().reshape(len(S), -1), expected)


def test_shrinkage_matches_independent_and_correlated_limits() -> None:
    rng = np.random.default_rng(1)
    independent = rng.normal(size=(500, 4))
    _, lam_independent = shrunk_covariance(independent)
    common = rng.normal(size=(500, 1))
    correlated = common + 0.1 * rng.normal(size=(500, 4))
    W, lam_correlated = shrunk_covariance(correlated)
    assert lam_correlated < 0.05 < 0.3 < lam_independent
    assert np.all(np.linalg.eigvalsh(W) > 0)


@pytest.fixture(scope="module")
def guangdong_panel() -> pd.DataFrame:
    """A small real-structure panel: 21 cities × 2 occupations × 24 months of postings."""
    rng = np.random.default_rng(2026)
    dates = pd.date_range("2024-01-01", periods=24, freq="MS")
    codes = cities()["city_code"]
    vacancies = pd.DataFrame(
        [
            {
                "vacancy_id": f"v{i}",
                "city_code": city,
                "occupation_code": occ,
                "date_posted": ds,
                "headcount": int(rng.integers(1, 6)),
            }
            for i, (city, occ, ds) in enumerate(
                (c, o, d)
                for c in codes
                for o in ("2-02-11-01", "6-31-01-03")
                for d in dates
                for _ in range(int(rng.integers(0, 4)))
            )
        ]
    )
    return demand_panel(vacancies)


def test_real_guangdong_hierarchy(guangdong_panel: pd.DataFrame) -> None:
    tagged = hierarchy_frame(guangdong_panel, "geo_x_occupation")
    Y_df, S_df, tags = aggregate(tagged, hierarchy_spec("geo_x_occupation"))
    assert coherence_error(Y_df, S_df, tags) == 0.0
    assert set(tags["city_code/occupation_code"]) == set(guangdong_panel["unique_id"])
    assert len(tags["city_code"]) == 21 and set(tags["zone"]) == {"一核", "一带", "一区"}
    totals = Y_df.groupby("unique_id")["y"].sum()
    assert totals["广东省"] == guangdong_panel["y"].sum()
    gba_cities = cities().loc[cities()["gba"], "city_code"]
    assert totals["粤港澳大湾区"] == totals[list(gba_cities)].sum()
    assert totals["一核"] + totals["一带"] + totals["一区"] == totals["广东省"]
    assert totals["2"] + totals["6"] == totals["广东省"]
    # Base forecasts: a naive last value per series, then reconciled.
    last = Y_df[Y_df["ds"] == Y_df["ds"].max()].rename(columns={"y": "naive"})
    noisy = last.assign(naive=last["naive"] * np.linspace(0.9, 1.1, len(last)))
    noisy = noisy.assign(
        **{"naive-lo-95": noisy["naive"] * 0.7, "naive-hi-95": noisy["naive"] * 1.3}
    )
    residuals = Y_df.assign(residual=Y_df.groupby("unique_id")["y"].diff()).dropna()
    for reconciler in [BottomUp(), MinTrace("wls_struct"), MinTrace("mint_shrink")]:
        out = reconciler.fit(S_df, residuals[["unique_id", "ds", "residual"]]).reconcile(noisy)
        assert len(out) == len(S_df)
        assert coherence_error(out, S_df, tags) <= 1e-6
        assert (out["naive-lo-95"] <= out["naive"]).all()


def test_bottom_up_without_aggregate_forecasts_sums_bounds() -> None:
    structure = summing_matrix(_tree([2, 2], partial=False), _spec(False))
    S_df = structure.to_frame()
    base = _base_forecasts(S_df, np.full((len(S_df), len(DATES)), 10.0))
    only_bottoms = base[base["unique_id"].isin(structure.bottom_ids)]
    out = BottomUp().fit(S_df).reconcile(only_bottoms).set_index(["unique_id", "ds"])
    total = out.loc[("T", DATES[0])]
    assert (total["m"], total["m-lo-80"], total["m-hi-80"]) == (40.0, 36.0, 48.0)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda S: MinTrace("mint_shrink").fit(S), "needs residuals"),
        (lambda S: MinTrace("bogus").fit(S), "unknown method"),  # type: ignore[arg-type]
    ],
)
def test_invalid_fits_rejected(make, match: str) -> None:
    S_df = summing_matrix(_tree([2], partial=False), _spec(False)).to_frame()
    with pytest.raises(ValueError, match=match):
        make(S_df)


def test_mintrace_requires_every_base_forecast() -> None:
    structure = summing_matrix(_tree([2, 1], partial=False), _spec(False))
    S_df = structure.to_frame()
    base = _base_forecasts(S_df, np.ones((len(S_df), len(DATES))))
    with pytest.raises(ValueError, match="missing"):
        MinTrace().fit(S_df).reconcile(base[base["unique_id"] != "T"])


def test_aggregate_rejects_ambiguous_trees_and_id_collisions() -> None:
    frame = pd.DataFrame({"top": ["A", "B"], "leaf": ["x", "x"], "ds": DATES[0], "y": 1.0})
    with pytest.raises(ValueError, match="several ancestors"):
        aggregate(frame, [["top"], ["leaf"]])
    clash = pd.DataFrame({"top": ["x", "x"], "leaf": ["x", "y"], "ds": DATES[0], "y": 1.0})
    with pytest.raises(ValueError, match="collision"):
        aggregate(clash, [["top"], ["leaf"]])
