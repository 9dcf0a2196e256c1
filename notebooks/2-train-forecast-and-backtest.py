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
# # 2 · Train the forecasters and backtest them
#
# First on real data: a rolling-origin backtest of the forecasters against seasonal naive on
# a slice of Australia's Internet Vacancy Index (MASE ratio, interval coverage). Then the
# production pipeline on the demo data: `train_forecast` builds the occupation and industry
# hierarchies, picks a model per panel by backtest, reconciles the forecasts (MinTrace) and
# raises early warnings; the bundle is saved to the model registry and loaded back.
#
# **Demo-sized** (one state's professional and technician series, two backtest origins,
# small models; ≈9k demo vacancies; under a minute). For full runs see
# `yuecai train forecast` and `python -m bench.forecast_accuracy`.

# %% [markdown]
# ## A fresh workspace
# The database and the model registry live in a temporary folder, set before any YueCai
# module reads its settings: running this never touches your real store or registry.

# %%
import shutil

from data.settings import use_scratch_workspace

WORKSPACE = use_scratch_workspace("yuecai-nb2-")
print("workspace:", WORKSPACE)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from app.forecasting import train_forecast
from app.registry import FORECAST, Registry
from data.fonts import configure_matplotlib
from data.generator import GeneratorConfig, generate, write
from data.ingest import ingest_file
from data.loaders.au_ivi import load_au_ivi
from data.store import make_engine, read_candidates_frame, read_vacancies_frame, upgrade_to_head
from models.forecast import (
    Ensemble,
    GlobalGBM,
    SeasonalNaive,
    VectorizedETS,
    backtest,
    horizon_metrics,
)
from models.forecast.hierarchy import coherence_error
from models.registry import ArtifactIntegrityError

configure_matplotlib()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)

# %% [markdown]
# ## Backtest on the AU Internet Vacancy Index
# Tasmania's series in ANZSCO major groups 2 (professionals) and 3 (technicians and trades
# workers). Each model is refitted on two yearly origins, forecasts 12 months, and is scored
# beside seasonal naive on exactly the same folds. MASE is scaled by each series' in-sample
# seasonal-naive error; `mase_ratio < 1` means better than seasonal naive.

# %%
panel = load_au_ivi(states=["TAS"])
panel = panel[panel["occupation_code"].str[0].isin(["2", "3"])].reset_index(drop=True)
print(
    f"{panel['unique_id'].nunique()} series, {panel['ds'].min():%Y-%m} … {panel['ds'].max():%Y-%m}"
)

# Small global model so the demo stays quick; the production defaults are larger.
small_gbm = GlobalGBM(max_iter=60, max_train_rows=20_000, min_samples_leaf=50)
models = {
    "VectorizedETS": VectorizedETS(),
    "GlobalGBM": small_gbm,
    "Ensemble": Ensemble(members=[SeasonalNaive(), VectorizedETS(), small_gbm]),
}
overall_rows, fold_forecasts = [], {}
for alias, model in models.items():
    _, overall, forecasts = backtest(model, panel, h=12, n_windows=2)
    overall_rows.append(overall.loc[alias])
    fold_forecasts[alias] = forecasts
overall_rows.append(overall.loc["SeasonalNaive"])  # same folds for every model
summary = pd.DataFrame(overall_rows)
summary[["mase", "mase_ratio", "mase_h12_ratio", "smape", "coverage_80", "coverage_95"]].round(3)

# %% [markdown]
# ### Interval coverage by horizon
# The conformal intervals are calibrated on origins before each fold: the share of actual
# values inside the 80 % and 95 % intervals should sit near the nominal level at every
# horizon.

# %%
by_horizon = horizon_metrics(fold_forecasts["Ensemble"])
coverage = by_horizon.pivot(index="h", columns="model", values=["coverage_80", "coverage_95"])
coverage.round(3)

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for model_alias, style in (("Ensemble", "-"), ("SeasonalNaive", "--")):
    rows = by_horizon[by_horizon["model"] == model_alias]
    for level, colour in ((80, "tab:blue"), (95, "tab:orange")):
        left.plot(
            rows["h"], rows[f"coverage_{level}"], style, color=colour,
            label=f"{model_alias} {level}%",
        )  # fmt: skip
    right.plot(rows["h"], rows["mase"], style, color="black", label=model_alias)
for level in (0.8, 0.95):
    left.axhline(level, color="grey", linewidth=0.8, linestyle=":")
left.set_title("区间覆盖率（按预测步长）")
left.set_xlabel("预测步长 h（月）")
left.set_ylabel("覆盖率")
left.legend(fontsize=8)
right.set_title("MASE（按预测步长）")
right.set_xlabel("预测步长 h（月）")
right.legend()
fig.tight_layout()

# %% [markdown]
# ### One series, both folds
# The ensemble's forecasts from each origin with their 80 % intervals, against what happened.

# %%
folds = fold_forecasts["Ensemble"]
example_id = panel.groupby("unique_id")["y"].mean().sort_values().index[-1]  # the largest series
title = panel.loc[panel["unique_id"] == example_id, "occupation_title"].iloc[0]
history = panel[(panel["unique_id"] == example_id) & (panel["ds"] >= "2015-01-01")]
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(history["ds"], history["y"], color="black", label="actual")
for cutoff, fold in folds[
    (folds["unique_id"] == example_id) & (folds["model"] == "Ensemble")
].groupby("cutoff"):
    line = ax.plot(fold["ds"], fold["yhat"], label=f"forecast from {cutoff:%Y-%m}")[0]
    ax.fill_between(fold["ds"], fold["lo-80"], fold["hi-80"], color=line.get_color(), alpha=0.2)
ax.set_title(f"{example_id} · {title}")
ax.set_ylabel("job ads (3-month average)")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## The demo data, through the store
# Generated, written in the import format and ingested, then read back exactly as
# `yuecai train forecast` reads it.

# %%
demo = generate(GeneratorConfig(seed=20240601, start="2022-01", end="2026-10", scale=160.0))
engine = make_engine()
upgrade_to_head(engine)
for kind, path in write(demo, WORKSPACE / "demo").items():
    if kind != "outcomes":  # the forecaster needs vacancies and candidates only
        assert ingest_file(engine, kind, path, progress=False).ok
vacancies = read_vacancies_frame(engine)
candidates = read_candidates_frame(engine)
print(f"{len(vacancies):,} vacancies, {len(candidates):,} candidates")

# %% [markdown]
# ## `train_forecast`
# Hierarchies (occupation × geography and industry × geography; small 细类 are pooled), a
# backtest of the ensemble against seasonal naive on every panel, the chosen model refitted
# with conformal intervals, MinTrace reconciliation, 求人倍率 from the reconciled parts and
# early warnings. A 6-month horizon keeps the demo quick; the CLI's default is 12.

# %%
bundle = train_forecast(vacancies, candidates, h=6, backend="sequential", n_jobs=1, progress=False)
print(
    f"data {bundle.data_range[0]} … {bundle.data_range[1]}, {bundle.n_series:,} series per variable"
)
pd.Series(bundle.metrics).round(4)

# %%
bundle.selection[["panel", "model", "mase", "mase_naive", "mase_ratio", "coverage_80", "chosen"]]

# %% [markdown]
# ### Coherence check
# After reconciliation every aggregate equals the sum of its bottom series, for every
# forecast month: the province total is the sum of the cities, a zone the sum of its cities,
# and so on. `coherence_error` is the largest gap over all nodes of a panel; below we also
# check one relation by hand.

# %%
for name in bundle.forecasts:
    for variable in ("demand", "supply"):
        gap = coherence_error(
            bundle.forecasts[name][variable].drop(columns="level"), bundle.S[name]
        )
        print(f"{name}/{variable}: max |node − sum of its bottoms| = {gap:.2e}")

demand_forecast = bundle.forecasts["occupation"]["demand"]
tags = bundle.tags["occupation"]
province = demand_forecast[demand_forecast["unique_id"].isin(tags["province"])]
cities_sum = (
    demand_forecast[demand_forecast["unique_id"].isin(tags["city_code"])]
    .groupby("ds")["forecast"]
    .sum()
)
check = province.set_index("ds")[["forecast"]].assign(sum_of_21_cities=cities_sum)
assert np.allclose(check["forecast"], check["sum_of_21_cities"])
check.round(2)

# %% [markdown]
# ### Province demand: history and reconciled forecast

# %%
province_id = tags["province"][0]
past = bundle.history["occupation"].query("unique_id == @province_id")
ahead = demand_forecast[demand_forecast["unique_id"] == province_id]
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(past["ds"], past["demand"], color="black", label="历史需求人数")
ax.plot(ahead["ds"], ahead["forecast"], color="tab:blue", label="预测（已调和）")
for level, alpha in ((95, 0.15), (80, 0.3)):
    ax.fill_between(
        ahead["ds"], ahead[f"forecast-lo-{level}"], ahead[f"forecast-hi-{level}"],
        color="tab:blue", alpha=alpha, label=f"{level}% 预测区间",
    )  # fmt: skip
ax.set_title(f"{province_id} 月度需求人数预测")
ax.legend(loc="upper left")
fig.tight_layout()

# %% [markdown]
# ## Early warnings
# Most severe first: forecast 求人倍率 above the 预警线 (1.5), unusual demand surges, supply
# drops. Each row says why in Chinese and carries its evidence.

# %%
print(
    bundle.warnings["level"].value_counts().to_dict(),
    bundle.warnings["rule"].value_counts().to_dict(),
)
bundle.warnings[["hierarchy", "unique_id", "ds", "rule", "level", "severity", "message_zh"]].head(
    10
)

# %% [markdown]
# ## Save to the registry and load back
# `Registry.save_forecast_bundle` is what `yuecai train forecast` calls (through
# `app.forecasting.train_and_save_forecast`): a new version with the bundle's metrics and
# parameters, the artifact's SHA-256 in its metadata. The typed loader checks that hash
# *before* unpickling, and that what it unpickled is a `ForecastBundle`.

# %%
registry = Registry.from_settings()
info = registry.save_forecast_bundle(bundle)
reloaded = registry.load_forecast_bundle(info.version)
loaded, loaded_info = reloaded.obj, reloaded.info
assert loaded_info.sha256 == info.sha256
pd.testing.assert_frame_equal(
    loaded.forecasts["occupation"]["demand"], bundle.forecasts["occupation"]["demand"]
)
print(f"saved and reloaded forecast {info.version} (sha256 {info.sha256[:16]}…)")
print("metadata metrics:", {k: round(v, 4) for k, v in loaded_info.metrics.items()})

# %% [markdown]
# A tampered artifact is refused, and the loader without a version (what the service
# serves) skips it for the newest version that still verifies (it logs a warning saying so).

# %%
tampered = registry.save_forecast_bundle(bundle)
with tampered.artifact_path.open("ab") as handle:
    handle.write(b"\0")
try:
    registry.load_forecast_bundle(tampered.version)
except ArtifactIntegrityError as error:
    print("refused:", error)
fallback = registry.load_forecast_bundle()
print("versions:", registry.versions(FORECAST))
print("newest good →", fallback.version)
assert fallback.version == info.version

# %% [markdown]
# ## Clean up

# %%
plt.close("all")
engine.dispose()
shutil.rmtree(WORKSPACE, ignore_errors=True)
