"""Build the forecast hierarchies (occupation and industry, each crossed with geography).

Why collapsing: the demo market posts ~1,300 people a month over 21 cities and ~250 细类, so
a city × 细类 bottom level would be ~5,000 series that are almost all zero. Instead every
occupation (industry) group is kept at the finest level whose *province-wide* mean monthly
demand and supply both reach ``min_monthly_volume``; the rest of a group's children are
pooled into a pseudo child "其他" coded with zeros (``2-02-10-00`` = 小类 2-02-10's other 细类;
``2-02-00-00`` = 中类 2-02's other 小类; industry ``C00`` = 门类 C's other 大类). Real 大典
and GB/T codes never end in ``00``, so pseudo codes cannot collide with real ones.

The decision is made province-wide, the same for every city, so every aggregate node keeps
its meaning: node ``4401/2-02-10`` is *all* of 广州's 2-02-10 demand, never a part of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from data.panels import demand_panel, hierarchy_frame, hierarchy_spec, supply_panel
from data.taxonomy import cities, industries, occupation_name
from data.vocabulary.codes import POOLED_INDUSTRY, POOLED_OCCUPATION
from models.forecast.hierarchy import aggregate
from models.forecast.warning import series_label

__all__ = [
    "HIERARCHIES",
    "HierarchyPanels",
    "build_hierarchy",
    "collapse_codes",
    "industry_spec",
    "is_pseudo_intermediate",
    "series_labels",
]

#: Occupation code prefix lengths, 大类 → 细类, and the zero-padding of each pseudo code.
_OCCUPATION_PREFIXES = (1, 4, 7, 10)
_OCCUPATION_PSEUDO = ("-00-00-00", "-00-00", "-00")
HIERARCHIES: tuple[str, ...] = ("occupation", "industry")


@dataclass
class HierarchyPanels:
    """One hierarchy's data: all-level histories, the summing matrix and level tags."""

    name: str
    demand: pd.DataFrame  # unique_id, ds, y (all levels, S order)
    supply: pd.DataFrame
    S_df: pd.DataFrame
    tags: dict[str, NDArray[np.object_]]
    level_of: dict[str, str]  # unique_id -> level name
    bottom_map: dict[str, str]  # original code -> bottom code used (collapsing)
    keys: pd.DataFrame = field(default_factory=pd.DataFrame)  # unique_id, level, key columns


def series_keys(bottoms: pd.DataFrame, spec: list[list[str]], ids: pd.Index) -> pd.DataFrame:
    """Typed keys of every node: ``unique_id, level`` and the spec columns that define it
    (``city_code``, ``zone``, ``occupation_code``, ``occ_minor`` …; None where a level does
    not split by a column), so consumers join forecasts by columns, never by parsing ids."""
    columns = sorted({column for level in spec for column in level})
    frames = []
    for level in spec:
        nodes = bottoms[level].dropna().drop_duplicates()
        if nodes.empty:
            continue
        nodes = nodes.astype(str)
        frame = nodes.assign(unique_id=nodes[level].agg("/".join, axis=1), level="/".join(level))
        frames.append(frame)
    keys = pd.concat(frames, ignore_index=True).reindex(columns=["unique_id", "level", *columns])
    keys = keys[keys["unique_id"].isin(ids)].drop_duplicates("unique_id", ignore_index=True)
    out: pd.DataFrame = keys.astype(object)
    return out.mask(out.isna(), None)


def _volume(demand: pd.DataFrame, supply: pd.DataFrame, key: str, n_months: int) -> pd.DataFrame:
    """Province-wide mean monthly demand and supply per value of ``key``."""
    totals = pd.concat(
        [demand.groupby(key)["y"].sum().rename("demand"), supply.groupby(key)["y"].sum()],
        axis=1,
    )
    return totals.rename(columns={"y": "supply"}).fillna(0.0) / max(n_months, 1)


def collapse_codes(
    codes: pd.Series,
    demand: pd.Series,
    supply: pd.Series,
    prefixes: Sequence[int],
    pseudo: Sequence[str],
    min_volume: float,
) -> dict[str, str]:
    """Map each finest-level code to the bottom code it is forecast under.

    Parameters
    ----------
    codes : Series of str
        Distinct finest-level codes (e.g. 大典 细类).
    demand, supply : Series
        Province-wide mean monthly volume per code (index: code).
    prefixes : sequence of int
        Code prefix length of each level, coarsest first; the last is the full code.
    pseudo : sequence of str
        Suffix that turns a level-``k`` prefix into a full-length "other" code (one per
        level but the finest).
    min_volume : float
        A group is kept separate when both its demand and supply reach this.

    Returns
    -------
    dict
        code → bottom code (the code itself, or a pseudo "other" code of an ancestor).
    """
    frame = pd.DataFrame({"code": codes.astype(str).unique()})
    frame["demand"] = frame["code"].map(demand).fillna(0.0)
    frame["supply"] = frame["code"].map(supply).fillna(0.0)
    frame["bottom"] = frame["code"].str.slice(0, prefixes[0]) + pseudo[0]
    qualified_parent = pd.Series(True, index=frame.index)
    for depth, length in enumerate(prefixes[1:], start=1):
        group = frame["code"].str.slice(0, length)
        volume = frame.groupby(group)[["demand", "supply"]].transform("sum")
        qualifies = qualified_parent & (volume.min(axis=1) >= min_volume)
        if depth < len(prefixes) - 1:
            frame.loc[qualifies, "bottom"] = group[qualifies] + pseudo[depth]
        else:
            frame.loc[qualifies, "bottom"] = group[qualifies]
        qualified_parent = qualifies
    return dict(zip(frame["code"], frame["bottom"], strict=True))


def industry_spec() -> list[list[str]]:
    """Geography (广东省, zone, GBA, city) crossed with industry 门类 and 大类 (bottom)."""
    geo: list[list[str]] = [["province"], ["zone"], ["gba"], ["city_code"]]
    industry = [["section"], ["industry_code"]]
    crossed = [g + i for i in industry for g in geo[1:]]
    return [*geo, *industry, *crossed]


def _level_of(tags: dict[str, NDArray[np.object_]]) -> dict[str, str]:
    return {str(uid): level for level, ids in tags.items() for uid in ids}


def _occupation_panels(
    vacancies: pd.DataFrame, candidates: pd.DataFrame, min_volume: float
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    demand = demand_panel(vacancies)
    supply = supply_panel(candidates, start=demand["ds"].min(), end=demand["ds"].max())
    n_months = demand["ds"].nunique()
    volume = _volume(demand, supply, "occupation_code", n_months)
    mapping = collapse_codes(
        pd.Series(volume.index),
        volume["demand"],
        volume["supply"],
        _OCCUPATION_PREFIXES,
        _OCCUPATION_PSEUDO,
        min_volume,
    )
    return demand, supply, mapping


def _industry_frames(
    vacancies: pd.DataFrame, candidates: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Frames with ``industry_code`` cut to its GB/T 大类 (2 digits); unknown ones dropped."""
    known = set(industries(level=2)["code"])

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        major = frame["industry_code"].astype("string").str.slice(0, 2)
        frame = frame.assign(industry_code=major.astype(object))
        return frame[frame["industry_code"].isin(known)]

    return cut(vacancies), cut(candidates)


def _industry_panels(
    vacancies: pd.DataFrame, candidates: pd.DataFrame, min_volume: float
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    by = ("city_code", "industry_code")
    vac, cand = _industry_frames(vacancies, candidates)
    demand = demand_panel(vac, by=by)
    supply = supply_panel(cand, by=by, start=demand["ds"].min(), end=demand["ds"].max())
    section = industries(level=2).set_index("code")["section"]
    volume = _volume(demand, supply, "industry_code", demand["ds"].nunique())
    codes = pd.Series(volume.index).map(lambda code: f"{section[code]}{code}")
    mapping = collapse_codes(
        codes,
        volume["demand"].rename(lambda code: f"{section[code]}{code}"),
        volume["supply"].rename(lambda code: f"{section[code]}{code}"),
        (1, 3),
        ("00",),
        min_volume,
    )
    # Bottom codes drop the section letter again unless they are a pseudo "other" code.
    mapping = {
        code[1:]: (bottom if bottom.endswith("00") else bottom[1:])
        for code, bottom in mapping.items()
    }
    return demand, supply, mapping


def _tagged(panel: pd.DataFrame, name: str, mapping: dict[str, str]) -> pd.DataFrame:
    """Bottom panel re-keyed to collapsed codes, summed, and tagged with its ancestors."""
    key = "occupation_code" if name == "occupation" else "industry_code"
    frame = panel.assign(**{key: panel[key].map(mapping)})
    frame = frame.groupby(["city_code", key, "ds"], as_index=False).agg({"y": "sum"})
    if name == "occupation":
        return hierarchy_frame(frame, "geo_x_occupation")
    frame = hierarchy_frame(frame, "geo")
    section = industries(level=2).set_index("code")["section"]
    frame["section"] = [
        code[0] if code.endswith("00") else section[code] for code in frame["industry_code"]
    ]
    return frame


def build_hierarchy(
    name: str, vacancies: pd.DataFrame, candidates: pd.DataFrame, *, min_monthly_volume: float
) -> HierarchyPanels:
    """Demand and supply of every node of hierarchy ``name`` ('occupation' or 'industry').

    Both variables share one bottom level (the union of series seen on either side,
    zero-filled), so one S serves both and the ratio is defined at every node.
    """
    if name == "occupation":
        demand, supply, mapping = _occupation_panels(vacancies, candidates, min_monthly_volume)
        spec = hierarchy_spec("geo_x_occupation")
    elif name == "industry":
        demand, supply, mapping = _industry_panels(vacancies, candidates, min_monthly_volume)
        spec = industry_spec()
    else:
        raise ValueError(f"unknown hierarchy {name!r}; expected one of {HIERARCHIES}")
    tagged_demand = _tagged(demand, name, mapping)
    tagged_supply = _tagged(supply, name, mapping)
    keys = [c for c in tagged_demand.columns if c not in ("ds", "y")]
    # Align: every bottom seen on either side gets both variables (absent rows count 0).
    union = pd.concat([tagged_demand[keys], tagged_supply[keys]]).drop_duplicates()
    months = pd.DataFrame({"ds": sorted(demand["ds"].unique())})
    grid = union.merge(months, how="cross")
    histories = {}
    for variable, tagged in (("demand", tagged_demand), ("supply", tagged_supply)):
        full = grid.merge(tagged[[*keys, "ds", "y"]], on=[*keys, "ds"], how="left")
        histories[variable] = full.fillna({"y": 0.0})
    demand_all, S_df, tags = aggregate(histories["demand"], spec)
    supply_all, _, _ = aggregate(histories["supply"], spec)
    keys_table = series_keys(union, spec, S_df.index)
    return HierarchyPanels(
        name, demand_all, supply_all, S_df, tags, _level_of(tags), mapping, keys_table
    )


def is_pseudo_intermediate(unique_id: str) -> bool:
    """True for ids with a pooled "other" part coarser than the bottom (``2-02-00``).

    Such a node has exactly one child (the full-length pseudo code), so it repeats it.
    """
    return any(
        POOLED_OCCUPATION.fullmatch(part) is not None and len(part) < 10
        for part in str(unique_id).split("/")
    )


def _pseudo_label(part: str) -> str | None:
    """Chinese name of a pseudo "other" code, or None for a real one."""
    occupation = POOLED_OCCUPATION.fullmatch(part)
    if occupation is not None:
        return f"{occupation_name(occupation['real'])}（其他）"
    industry = POOLED_INDUSTRY.fullmatch(part)
    if industry is not None:
        names = industries(level=1).set_index("code")["name"]
        return f"{names[industry['real']]}（其他大类）"
    return None


def series_labels(series_ids: Sequence[str], hierarchy: str) -> dict[str, str]:
    """Planner-facing Chinese names for ``unique_id`` values, including pseudo codes."""
    industry_names = industries().set_index("code")["name"].str.strip().to_dict()
    # City codes (4401…4453) are also GB/T 4754 小类 codes (4412 水力发电…): a geography part
    # must be read as a city first.
    city_codes = set(cities()["city_code"])
    labels = {}
    for uid in series_ids:
        parts = []
        for part in str(uid).split("/"):
            pseudo = _pseudo_label(part)
            if pseudo is not None:
                parts.append(pseudo)
            elif hierarchy == "industry" and part in industry_names and part not in city_codes:
                parts.append(industry_names[part])
            else:
                parts.append(series_label(part))
        labels[str(uid)] = " · ".join(parts)
    return labels
