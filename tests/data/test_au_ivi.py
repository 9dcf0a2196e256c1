"""Data contract of the vendored AU Internet Vacancy Index panel."""

import pandas as pd
import pytest

from data.loaders import load_au_ivi
from data.loaders.au_ivi import DATA_PATH, STATES


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return load_au_ivi()


def test_attribution_is_vendored_beside_the_data() -> None:
    source = (DATA_PATH.parent / "SOURCE.txt").read_text()
    assert "Jobs and Skills Australia, Internet Vacancy Index, CC BY 4.0" in source


def test_columns_types_and_order(panel: pd.DataFrame) -> None:
    assert list(panel.columns[:5]) == ["unique_id", "ds", "y", "state", "occupation_code"]
    assert pd.api.types.is_datetime64_any_dtype(panel["ds"])
    assert panel["y"].dtype == "float64"
    assert panel.equals(panel.sort_values(["unique_id", "ds"], ignore_index=True))


def test_keys_unique_and_months_regular(panel: pd.DataFrame) -> None:
    assert not panel.duplicated(["unique_id", "ds"]).any()
    assert (panel["ds"] == panel["ds"].dt.to_period("M").dt.to_timestamp()).all()
    steps = panel.groupby("unique_id")["ds"].diff().dropna().dt.days
    assert steps.between(28, 31).all()


def test_expected_counts_and_ranges(panel: pd.DataFrame) -> None:
    assert panel["unique_id"].nunique() == 351 * 8
    assert set(panel["state"]) == set(STATES)
    assert panel.groupby("unique_id").size().eq(163).all()
    assert panel["ds"].min() == pd.Timestamp("2006-03-01")
    assert panel["ds"].max() == pd.Timestamp("2019-09-01")
    assert (panel["y"] >= 0).all() and panel["y"].max() < 20_000
    assert panel["occupation_code"].str.fullmatch(r"\d{4}").all()


@pytest.mark.parametrize(
    ("kwargs", "n_series"),
    [
        ({"states": ["TAS"]}, 351),
        ({"states": ["NSW", "VIC"]}, 702),
        ({"level": "anzsco4_national"}, 351),
        ({"level": "anzsco4_national", "drop_totals": False}, 352),
        ({"states": ["ACT"], "drop_totals": False}, 352),
    ],
)
def test_levels_and_filters(kwargs: dict[str, object], n_series: int) -> None:
    assert load_au_ivi(**kwargs)["unique_id"].nunique() == n_series  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"states": ["XX"]}, "unknown state codes"),
        ({"level": "anzsco4_national", "states": ["NSW"]}, "only applies"),
        ({"level": "anzsco9"}, "unknown level"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_au_ivi(**kwargs)  # type: ignore[arg-type]
