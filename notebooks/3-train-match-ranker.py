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
# # 3 · Train the match ranker
#
# `run_match_pipeline` (what `yuecai train match` runs) splits the funnel events by time,
# fits the `MatchEngine` — hard requirements → transparent linear scorer → learned pairwise
# re-ranker — on the earlier events and scores it on the later ones against three
# baselines. Then: one match explained term by term, a fairness check on the protected
# attributes, and the saved ranker loaded back from the registry.
#
# **Demo-sized** (≈4k vacancies, ≈6k candidates, 2024-01 … 2026-10, capped training and
# evaluation queries; under a minute). For the full data see `yuecai train match`.

# %% [markdown]
# ## A fresh workspace
# Database and registry in a temporary folder, set before any YueCai module reads its
# settings.

# %%
import shutil

from data.settings import use_scratch_workspace

WORKSPACE = use_scratch_workspace("yuecai-nb3-")
print("workspace:", WORKSPACE)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from app.match_training import load_frames, run_match_pipeline
from app.registry import Registry
from data.fonts import configure_matplotlib
from data.generator import GeneratorConfig, generate, to_records, write
from data.ingest import ingest_file
from data.records import (
    CANDIDATE_FEATURE_FIELDS,
    PROTECTED_FIELDS,
    Gender,
    ProtectedAttributes,
    keyed_record,
    record_key,
)
from data.store import make_engine, upgrade_to_head
from data.taxonomy import city_name, occupation_name
from models.match import MatchIndex

configure_matplotlib()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)

# %% [markdown]
# ## Demo data into the store, and back out as the CLI reads it

# %%
demo = generate(GeneratorConfig(seed=20240601, start="2024-01", end="2026-10", scale=120.0))
engine = make_engine()
upgrade_to_head(engine)
for kind, path in write(demo, WORKSPACE / "demo").items():
    assert ingest_file(engine, kind, path, progress=False).ok
engine.dispose()

candidates, vacancies, outcomes = load_frames()  # the store; no contact or protected data
print(f"{len(candidates):,} candidates, {len(vacancies):,} vacancies, {len(outcomes):,} events")
outcomes["event"].value_counts()

# %% [markdown]
# ## Fit, evaluate, save
# The last 20 % of events (by time) are held out. For every held-out query with at least
# one applied-or-better counterpart, each method ranks the same pool: its engaged
# counterparts plus 50 sampled eligible ones. Relevance is the funnel grade (NDCG gain
# 2^grade − 1); MAP and Recall@5 count "applied or better" as relevant.
#
# Methods: `learned` (the re-ranker), `scorer` (the transparent linear scorer it starts
# from), `rules` (rule features only) and `tfidf` (text similarity only).

# %%
result = run_match_pipeline(
    candidates,
    vacancies,
    outcomes,
    engine_params={"max_training_queries": 600},  # demo-sized; the CLI uses 3000
    max_eval_queries=150,
    save=True,  # into the workspace registry, as `yuecai train match` does
)
match_index = result.index  # the fitted engine serving the training records
print(f"held out events from {result.cutoff:%Y-%m-%d}; saved match {result.artifact_version}")
result.metrics.round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, (direction, rows) in zip(axes, result.metrics.groupby("direction"), strict=True):
    table = rows.set_index("method")[["ndcg@10", "map", "recall@5"]]
    positions = np.arange(len(table.columns))
    for offset, (method, values) in enumerate(table.iterrows()):
        ax.bar(positions + 0.2 * offset - 0.3, values.to_numpy(), width=0.2, label=method)
    ax.set_xticks(positions)
    ax.set_xticklabels(table.columns)
    ax.set_title(
        {"candidates_for_vacancy": "岗位 → 候选人", "vacancies_for_candidate": "候选人 → 岗位"}[
            direction
        ]
    )
axes[0].set_ylabel("held-out score")
axes[0].set_ylim(0, 1.18)  # headroom for the legend
axes[0].legend(ncol=4, fontsize=8, loc="upper left")
fig.tight_layout()

# %% [markdown]
# ## One explained match
# Every result carries `components` — the ranker's contribution of each feature (and
# interaction) — which add up to its score, plus matched and missing skills. This is what a
# caseworker sees as "why this candidate".

# %%
held_out = outcomes[pd.to_datetime(outcomes["occurred_at"], utc=True) >= result.cutoff]
vacancy_id = held_out.loc[held_out["event"] == "hired", "vacancy_id"].iloc[0]
vacancy = vacancies.set_index("vacancy_id").loc[vacancy_id]
print(
    f"{vacancy_id}: {vacancy['title']} · {occupation_name(vacancy['occupation_code'])} · "
    f"{city_name(vacancy['city_code'])}"
)
matches = match_index.candidates_for_vacancy(vacancy_id, k=5)
pd.DataFrame(
    [
        {"candidate": m.candidate_id, "score": m.score, "matched": "、".join(m.matched_skills)}
        for m in matches
    ]
).round(4)

# %%
best = matches[0]
components = pd.Series(best.components).sort_values(key=abs, ascending=False)
assert np.isclose(components.sum(), best.score)
print(f"{best.candidate_id}: score {best.score:.4f} = sum of components {components.sum():.4f}")
print("matched skills:", "、".join(best.matched_skills) or "—")
print("unmet soft requirements:", "；".join(best.unmet_soft_requirements) or "—")

fig, ax = plt.subplots(figsize=(8, 5))
shown = components[components.abs() > 1e-6].iloc[::-1]
ax.barh(shown.index, shown.to_numpy(), color=np.where(shown > 0, "tab:green", "tab:red"))
ax.axvline(0, color="black", linewidth=0.8)
ax.set_title(f"{best.candidate_id} → {vacancy_id}：得分 {best.score:.3f} 的构成")
fig.tight_layout()

# %% [markdown]
# Why not someone else? `why_not` lists the failed hard requirements in Chinese.

# %%
outsider = next(cid for cid in candidates["candidate_id"] if match_index.why_not(cid, vacancy_id))
print(outsider, match_index.why_not(outsider, vacancy_id))

# %% [markdown]
# ## Fairness: protected attributes change nothing
# The matcher reads only `CANDIDATE_FEATURE_FIELDS`; gender, age, ethnicity, marital status
# and 户籍 are stored only for audits. Check it end to end: take a real candidate record
# (with its protected attributes), rewrite those attributes in several ways, and compare
# every score and every component, in both directions.

# %%
print("features:", ", ".join(CANDIDATE_FEATURE_FIELDS))
print("protected:", ", ".join(sorted(PROTECTED_FIELDS)))
assert not PROTECTED_FIELDS & set(CANDIDATE_FEATURE_FIELDS)

# The index files records by tenant-qualified key (ids are unique per tenant only).
keys = [
    record_key(t, c) for t, c in zip(demo.candidates["tenant_id"], demo.candidates["candidate_id"])
]
row = demo.candidates.index[np.asarray(keys) == best.candidate_id]
person = keyed_record(to_records(demo.candidates.loc[row], "candidates")[0])
variants = {
    "as stored": person.protected,
    "female, 1970, 壮族, 已婚": ProtectedAttributes(
        gender=Gender.female, birth_year=1970, ethnicity="壮族", marital_status="已婚",
        hukou_city_code="4405",
    ),
    "male, 2002, 汉族, 未婚": ProtectedAttributes(
        gender=Gender.male, birth_year=2002, ethnicity="汉族", marital_status="未婚",
        hukou_city_code="4401",
    ),
    "none given": ProtectedAttributes(),
}  # fmt: skip


def vacancy_scores(record):  # the candidate's view: every vacancy it is matched to
    return [
        (m.vacancy_id, m.score, m.components)
        for m in match_index.vacancies_for_candidate(record, k=20)
    ]


def score_for_vacancy(record):  # the employer's view, with the record re-indexed
    match_index.upsert("candidates", [record])
    ranked = match_index.candidates_for_vacancy(vacancy_id, k=50)
    return [(m.candidate_id, m.score, m.components) for m in ranked]


reference_vacancies = vacancy_scores(person)
reference_ranking = score_for_vacancy(person)
checks = []
for label, protected in variants.items():
    changed = person.model_copy(update={"protected": protected})
    checks.append(
        {
            "protected attributes": label,
            "vacancies_for_candidate identical": vacancy_scores(changed) == reference_vacancies,
            "candidates_for_vacancy identical": score_for_vacancy(changed) == reference_ranking,
        }
    )
fairness = pd.DataFrame(checks)
assert fairness.drop(columns="protected attributes").all().all()
print(
    f"{len(reference_vacancies)} vacancies and {len(reference_ranking)} ranked candidates compared"
)
fairness

# %% [markdown]
# ## The saved ranker
# `run_match_pipeline(save=True)` stored the evaluated engine with its held-out metrics;
# loading it through the typed `app.registry.Registry`, as the service does, verifies the
# SHA-256 first and checks it is a fitted engine. The reloaded engine, indexing the same
# records, gives the same answers.

# %%
served = Registry.from_settings().load_match_engine()  # the newest that verifies and loads
saved, info = served.obj, served.info
assert info.version == result.artifact_version
assert saved.model_version_ == match_index.engine.model_version_
again = MatchIndex(saved, candidates, vacancies).candidates_for_vacancy(vacancy_id, k=5)
assert [(m.candidate_id, m.score) for m in again] == [(m.candidate_id, m.score) for m in matches]
first_event, last_event = info.data_range
print(f"match {info.version}: {saved.model_version_}, events {first_event} … {last_event}")
{name: value for name, value in info.metrics.items() if "learned" in name}

# %% [markdown]
# ## Clean up

# %%
plt.close("all")
shutil.rmtree(WORKSPACE, ignore_errors=True)
