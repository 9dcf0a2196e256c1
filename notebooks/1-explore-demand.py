# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1 · Explore demand: 需求、供给与求人倍率
#
# Generate the synthetic demo data, load it into a throw-away SQLite store through the same
# ingest API as `yuecai ingest`, build the monthly demand / supply / 求人倍率 panels and look
# at them: seasonality by zone (一核/一带/一区) with the 春节 dip, the tightest occupations,
# a city × occupation heatmap, and the real Australian Internet Vacancy Index the
# forecasters are tested on.
#
# **Demo-sized** (≈9k vacancies, 2023-01 … 2026-10; runs in well under a minute). For the
# full data set use `yuecai generate demo` and `yuecai ingest …`.

# %% [markdown]
# ## A fresh workspace
# Everything this notebook writes goes to a temporary folder: the database and the model
# registry are pointed there *before* any YueCai module reads its settings, so running it
# never touches your real store.

# %%
import shutil

from data.settings import use_scratch_workspace

WORKSPACE = use_scratch_workspace("yuecai-nb1-")
print("workspace:", WORKSPACE)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from data import taxonomy
from data.fonts import configure_matplotlib
from data.generator import GeneratorConfig, generate, write
from data.ingest import ingest_file
from data.loaders.au_ivi import load_au_ivi
from data.panels import demand_panel, hierarchy_frame, ratio_panel, supply_panel
from data.store import (
    make_engine,
    read_candidates_frame,
    read_outcomes_frame,
    read_vacancies_frame,
    upgrade_to_head,
)
from models.forecast.features import spring_festival_month

print("CJK font:", configure_matplotlib())
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

# %% [markdown]
# ## Generate and ingest the demo data
# `generate` is seeded: the same config always gives the same tables. `write` produces the
# import format (`vacancies.csv`, `candidates.csv`, `outcomes.csv`), and `ingest_file`
# validates every row against the records and taxonomies before storing it.

# %%
config = GeneratorConfig(seed=20240601, start="2023-01", end="2026-10", scale=200.0)
demo = generate(config)
paths = write(demo, WORKSPACE / "demo", format="csv")

engine = make_engine()  # YUECAI_DATABASE_URL, i.e. the workspace's SQLite file
upgrade_to_head(engine)
reports = {kind: ingest_file(engine, kind, path, progress=False) for kind, path in paths.items()}
pd.DataFrame(
    [
        {"table": kind, "rows": r.rows, "inserted": r.inserted, "bad": r.bad, "ok": r.ok}
        for kind, r in reports.items()
    ]
)

# %%
vacancies = read_vacancies_frame(engine)
candidates = read_candidates_frame(engine)
outcomes = read_outcomes_frame(engine)
print(f"{len(vacancies):,} vacancies, {len(candidates):,} candidates, {len(outcomes):,} outcomes")
vacancies.head(3)

# %% [markdown]
# ## Demand, supply and 求人倍率 panels
# Demand (需求人数) is the headcount of vacancies posted in a month; supply (求职人数) counts
# job seekers registering that month (1/k in each of k desired occupations). Both are
# zero-filled over the same month range, so the ratio panel lines up.

# %%
first_month = vacancies["date_posted"].min().to_period("M").to_timestamp()
last_month = vacancies["date_posted"].max().to_period("M").to_timestamp()
demand = demand_panel(vacancies, start=first_month, end=last_month)
supply = supply_panel(candidates, start=first_month, end=last_month)
ratio = ratio_panel(demand, supply, min_supply=1.0)
print(
    f"{demand['unique_id'].nunique():,} city × occupation series, {demand['ds'].nunique()} months"
)
ratio.dropna().head()

# %% [markdown]
# The bottom series are sparse (a few postings per city × 细类 × month), so the views below
# sum them up the hierarchy first. `hierarchy_frame` tags every row with its ancestors:
# zone (一核 = the Pearl River Delta core, 一带 = the coastal belt, 一区 = the northern
# ecological zone) and the occupation's 大类/中类/小类. 求人倍率 is not additive: it is always
# recomputed from summed demand and supply.

# %%
tagged = hierarchy_frame(ratio, "geo_x_occupation")
last_year = tagged[tagged["ds"] > last_month - pd.DateOffset(months=12)]
tagged[["unique_id", "ds", "demand", "supply", "zone", "occ_middle", "occ_minor"]].head()

# %% [markdown]
# ## Monthly demand by zone, and the 春节 dip
# Shaded months hold 春节, which moves between January and February: hiring stops before
# it and recovers after.

# %%
by_zone = tagged.groupby(["ds", "zone"])["demand"].sum().unstack("zone")[list(taxonomy.ZONES)]

fig, ax = plt.subplots(figsize=(10, 4))
# matplotlib directly: pandas' .plot() of a date index warns under matplotlib 3.11
for zone in by_zone.columns:
    ax.plot(by_zone.index, by_zone[zone], linewidth=1.8, label=zone)
for year in range(first_month.year, last_month.year + 1):
    festival = pd.Timestamp(year=year, month=spring_festival_month(year), day=1)
    if first_month <= festival <= last_month:
        ax.axvspan(festival - pd.Timedelta(days=14), festival + pd.Timedelta(days=14), alpha=0.15)
ax.set_title("各区域月度需求人数（阴影为春节所在月）")
ax.set_xlabel("月份")
ax.set_ylabel("需求人数")
ax.legend(title="区域")
fig.tight_layout()

# %% [markdown]
# ## The tightest occupations (last 12 months)
# 求人倍率 per 小类 over the last 12 months, province-wide. Occupations with few seekers
# would give meaningless ratios, so at least 30 seekers are required.

# %%
tightest = (
    last_year.groupby("occ_minor")[["demand", "supply"]]
    .sum()
    .query("supply >= 30")
    .assign(ratio=lambda frame: frame["demand"] / frame["supply"])
    .nlargest(15, "ratio")
)
tightest.insert(0, "name", tightest.index.map(taxonomy.occupation_name))

fig, ax = plt.subplots(figsize=(8, 5.5))
ax.barh(tightest["name"].iloc[::-1], tightest["ratio"].iloc[::-1], color="tab:red")
ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
ax.set_title("求人倍率最高的 15 个职业小类（近 12 个月，全省）")
ax.set_xlabel("求人倍率（需求人数 ÷ 求职人数）")
fig.tight_layout()
tightest.round(2)

# %% [markdown]
# ## City × occupation heatmap
# 求人倍率 over the last 12 months for the 12 小类 with the most demand, in every city
# (grouped by zone). Blank cells have fewer than 5 seekers; the colour scale is logarithmic
# around 1 (balanced).

# %%
cells = last_year.groupby(["city_code", "occ_minor"])[["demand", "supply"]].sum()
top_minor = cells.groupby("occ_minor")["demand"].sum().nlargest(12).index.tolist()
city_table = taxonomy.cities().set_index("city_code")
city_order = city_table.sort_values(["zone", "city_code"]).index
grid = (
    (cells["demand"] / cells["supply"].where(cells["supply"] >= 5))
    .unstack("occ_minor")
    .reindex(index=city_order, columns=top_minor)
)

fig, ax = plt.subplots(figsize=(11, 7.5))
# Clipped to [1/8, 8]: a cell with seekers but no demand has ratio 0 (log2 = -inf).
shown = np.log2(grid.clip(lower=1 / 8, upper=8).to_numpy(dtype=float))
image = ax.imshow(shown, cmap="RdBu_r", vmin=-3, vmax=3, aspect="auto")
ax.set_xticks(range(len(top_minor)))
ax.set_xticklabels([taxonomy.occupation_name(c) for c in top_minor], rotation=60, ha="right")
ax.set_yticks(range(len(city_order)))
ax.set_yticklabels(
    [f"{city_table.loc[c, 'short_name']}（{city_table.loc[c, 'zone']}）" for c in city_order]
)
colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
colorbar.set_ticks([-3, -2, -1, 0, 1, 2, 3])
colorbar.set_ticklabels(["1/8", "1/4", "1/2", "1", "2", "4", "8"])
colorbar.set_label("求人倍率")
ax.set_title("城市 × 职业小类 求人倍率（近 12 个月）")
fig.tight_layout()

# %% [markdown]
# ## The real series: Australia's Internet Vacancy Index
# Guangdong has no open monthly vacancy panel at this granularity, so the forecasters are
# proven on the AU IVI (online job ads per month, 3-month average; Jobs and Skills
# Australia, CC BY 4.0). Below: the national all-occupation total and the states'.

# %%
national = load_au_ivi("anzsco4_national", drop_totals=False)
states = load_au_ivi("anzsco4_state", drop_totals=False)
total_code = "0"

fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
series = national[national["occupation_code"] == total_code].set_index("ds")["y"]
top.plot(series.index, series.to_numpy() / 1000, color="black")
top.set_title("Australia: Internet Vacancy Index, all occupations")
top.set_ylabel("ads (thousands)")
state_totals = states[states["occupation_code"] == total_code].pivot(
    index="ds", columns="state", values="y"
)
for state in state_totals.columns:
    bottom.plot(state_totals.index, state_totals[state] / 1000, linewidth=1.2, label=state)
bottom.set_ylabel("ads (thousands)")
bottom.set_xlabel("month")
bottom.legend(ncol=4, fontsize=8)
fig.tight_layout()
print(
    f"{national['unique_id'].nunique() - 1} national occupation series, "
    f"{series.index.min():%Y-%m} … {series.index.max():%Y-%m}"
)

# %% [markdown]
# ## Clean up
# The workspace is temporary: close the database and remove it.

# %%
plt.close("all")
engine.dispose()
shutil.rmtree(WORKSPACE, ignore_errors=True)
