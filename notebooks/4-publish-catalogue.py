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
# # 4 · Publish the 急需紧缺人才目录
#
# `publish_catalogue` (what `yuecai catalogue publish` runs) scores every city × industry ×
# occupation cell of a period, grades it 1–5★ by 紧缺指数, publishes the 3–5★ entries with
# their evidence as an immutable edition and writes the exports. Publishing the period again
# adds revision 2 and leaves revision 1 exactly as it was; the diff says what changed.
#
# **Demo-sized** (≈9k vacancies, 2022-01 … 2026-10, one quarter; under a minute). For the
# full data see `yuecai catalogue publish --period 2026Q3`.

# %% [markdown]
# ## A fresh workspace
# Database, registry and export folder in a temporary folder, set before any YueCai module
# reads its settings.

# %%
import shutil

from data.settings import use_scratch_workspace

WORKSPACE = use_scratch_workspace("yuecai-nb4-")
print("workspace:", WORKSPACE)

# %%
import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import IFrame, Image

from app.editions import export_edition
from app.publish import publish_catalogue
from data.fonts import configure_matplotlib
from data.generator import GeneratedData, GeneratorConfig, generate, write
from data.ingest import ingest_file
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.catalogue import diff_editions, read_entries_frame, verify_edition
from models.catalogue.charts import top_entries_figure
from models.catalogue.diff import CHANGE_LABELS, diff_summary

configure_matplotlib()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)
PERIOD = "2026Q3"

# %% [markdown]
# ## Demo data, with some postings arriving late
# To give the second revision something to say, a fifth of the quarter's vacancies are held
# back from the first load, as if employers had filed them late.

# %%
demo = generate(GeneratorConfig(seed=20240601, start="2022-01", end="2026-10", scale=160.0))
in_quarter = demo.vacancies["date_posted"].dt.to_period("Q") == pd.Period(PERIOD, "Q")
late = in_quarter & (np.random.default_rng(7).random(len(demo.vacancies)) < 0.2)
# The catalogue needs vacancies and candidates only; outcomes are written but not loaded.
on_time = GeneratedData(demo.vacancies[~late], demo.candidates, demo.outcomes)
late_only = GeneratedData(demo.vacancies[late], demo.candidates, demo.outcomes)

engine = make_engine()
upgrade_to_head(engine)
first_load = write(on_time, WORKSPACE / "on-time")
for kind in ("candidates", "vacancies"):
    assert ingest_file(engine, kind, first_load[kind], progress=False).ok
print(f"loaded {int((~late).sum()):,} vacancies now, {int(late.sum()):,} later")

# %% [markdown]
# ## Publish revision 1
# The registry of this workspace is empty, so the edition is built without the forecast
# component, and its meta says so.

# %%
first = publish_catalogue(PERIOD)
r1 = first.edition
print(f"edition {r1.edition_id}: {r1.period} r{r1.revision}, {r1.entry_count} entries")
print(f"sha256 {r1.content_sha256}")
print(first.forecast_note)
print(r1.meta["method"])

# %% [markdown]
# ## The top entries and their evidence
# Each entry carries the numbers behind its grade: demand and seekers in the quarter,
# 求人倍率 and its 12-month trend, demand growth on a year earlier, how long vacancies stay
# open against the occupation's norm, salary growth, the typical requirements, and the
# component scores that make up the 紧缺指数.

# %%
with session_scope(engine) as session:
    entries_r1 = read_entries_frame(session, r1.edition_id)
evidence = [
    "rank", "city_name", "industry_name", "occupation_name", "stars", "grade",
    "shortage_index", "demand", "supply", "ratio", "ratio_trend", "demand_growth_yoy",
    "vacancy_duration_days", "duration_vs_occupation", "education_mode", "skill_level_mode",
    "experience_median", "salary_p25", "salary_p75",
]  # fmt: skip
entries_r1[evidence].head(10).round(2)

# %%
scores = [column for column in entries_r1.columns if column.startswith("score_")]
entries_r1.set_index(["rank", "occupation_name"])[scores].head(10).round(2)

# %%
# The report's own chart (a bare matplotlib Figure, as the PDF/HTML renderers use it).
chart = io.BytesIO()
top_entries_figure(entries_r1, n=15).savefig(chart, format="png", dpi=90, bbox_inches="tight")
Image(chart.getvalue())

# %% [markdown]
# ## Late postings arrive: publish revision 2
# Revision 1 is immutable: the store only ever inserts, and database triggers reject updates
# and deletes. After republishing, revision 1 still holds the same rows and still hashes to
# its recorded `content_sha256`.

# %%
late_paths = write(late_only, WORKSPACE / "late")
assert ingest_file(engine, "vacancies", late_paths["vacancies"], progress=False).ok
second = publish_catalogue(PERIOD)
r2 = second.edition
print(f"edition {r2.edition_id}: {r2.period} r{r2.revision}, {r2.entry_count} entries")

with session_scope(engine) as session:
    entries_r1_after = read_entries_frame(session, r1.edition_id)
    verified = {e.edition_id: verify_edition(session, e.edition_id) for e in (r1, r2)}
    changes = diff_editions(session, r1.edition_id, r2.edition_id)
assert r2.revision == 2
pd.testing.assert_frame_equal(entries_r1_after, entries_r1)
assert all(verified.values())
print("revision 1 unchanged and verified:", verified)

# %% [markdown]
# ## What changed between the revisions

# %%
print("，".join(f"{CHANGE_LABELS[k]} {v}" for k, v in diff_summary(changes).items()))
changed = changes[changes["change"] != "unchanged"].copy()
changed["change"] = changed["change"].map(CHANGE_LABELS)
changed.head(15)

# %% [markdown]
# ## Exports
# `publish_catalogue` wrote every format to the export folder; `export_edition` renders a
# stored edition again on demand (what `yuecai catalogue export` and the API serve). The
# HTML report, inline:

# %%
for name, path in second.paths.items():
    print(f"{name:12} {path.relative_to(WORKSPACE)}  {path.stat().st_size:>9,} bytes")

# %%
rendered = {fmt: export_edition(r2.edition_id, fmt) for fmt in ("xlsx", "pdf", "html")}
assert rendered["pdf"].startswith(b"%PDF") and rendered["xlsx"].startswith(b"PK")
print({fmt: f"{len(payload):,} bytes" for fmt, payload in rendered.items()})
# In an iframe, so the report's own CSS cannot restyle the notebook around it.
report = base64.b64encode(rendered["html"]).decode("ascii")
IFrame(f"data:text/html;charset=utf-8;base64,{report}", width="100%", height=640)

# %% [markdown]
# ## Clean up

# %%
plt.close("all")
engine.dispose()
shutil.rmtree(WORKSPACE, ignore_errors=True)
