"""``generate``: the seeded pipeline volumes → vacancies → candidates → outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from data.generator.candidates import build_candidates
from data.generator.config import Context, GeneratedData, GeneratorConfig
from data.generator.outcomes import build_outcomes
from data.generator.truth import latent_intensity
from data.generator.vacancies import build_vacancies
from data.generator.volumes import expected_volumes
from data.records import Candidate, MatchOutcome, Vacancy

__all__ = ["generate", "generate_chunks", "latent_of"]


def latent_of(config: GeneratorConfig) -> pd.DataFrame:
    """The latent intensities (:func:`data.generator.truth.latent_intensity`) of the data
    ``generate(config)`` and ``generate_chunks(config)`` draw -- from the volumes alone, in a
    fraction of the time of drawing the records."""
    ctx = Context(config)
    rng = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(5)[0])
    return latent_intensity(ctx, expected_volumes(ctx, rng))


_LEVEL_COLUMNS = (
    "education_requirement",
    "skill_level_requirement",
    "title_level_requirement",
    "education",
    "skill_level",
    "title_level",
)
_INT_COLUMNS = (
    "headcount",
    "experience_years_min",
    "experience_years",
    "base_salary_min",
    "base_salary_max",
    "expected_salary_min",
    "expected_salary_max",
)


# generated vacancies carry their code (issue 13's provenance columns)
GENERATED_CODING = {
    "occupation_code_source": "given",
    "occupation_confidence": None,
    "occupation_needs_review": False,
}


def _finish(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Keep exactly the record's fields, in order, with nullable integer levels."""
    out = frame[columns].copy()
    out.attrs = {}  # the builders' side arrays stay internal
    for column in out.columns:
        if column in _LEVEL_COLUMNS or column in _INT_COLUMNS:
            out[column] = out[column].astype("Int64")
    return out.reset_index(drop=True)


def generate(
    config: GeneratorConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> GeneratedData:
    """Generate the synthetic demo data set.

    Parameters
    ----------
    config
        What to generate; defaults to :class:`GeneratorConfig` ().
    progress
        Called with a stage name as each stage starts (for a CLI progress display).

    Returns
    -------
    GeneratedData
        ``vacancies``, ``candidates``, ``outcomes`` whose columns are exactly the fields of
        ``Vacancy``, ``Candidate`` and ``MatchOutcome``, and ``debug`` with the hidden pair
        utility (``debug["utility"]``) and the target ratios (``debug["target_ratio"]``).
    """
    config = config or GeneratorConfig()
    notify = progress or (lambda stage: None)
    streams = np.random.SeedSequence(config.seed).spawn(5)
    rng_volumes, rng_vac, rng_cand, rng_private, rng_out = (
        np.random.default_rng(s) for s in streams
    )
    ctx = Context(config)
    notify("volumes")
    volumes = expected_volumes(ctx, rng_volumes)
    notify("vacancies")
    vacancies = build_vacancies(ctx, volumes, rng_vac)
    notify("candidates")
    candidates = build_candidates(ctx, volumes, rng_cand, rng_private)
    notify("outcomes")
    outcomes, utility = build_outcomes(ctx, vacancies, candidates, rng_out)
    ratio = pd.DataFrame(
        volumes.ratio, index=ctx.cities["city_code"], columns=ctx.occupations["code"]
    )
    return GeneratedData(
        vacancies=_finish(vacancies.assign(**GENERATED_CODING), list(Vacancy.model_fields)),
        candidates=_finish(candidates, list(Candidate.model_fields)),
        outcomes=_finish(outcomes, list(MatchOutcome.model_fields)),
        debug={
            "utility": utility,
            "target_ratio": ratio,
            "latent": latent_intensity(ctx, volumes),
        },
    )


def _renumber(frame: pd.DataFrame, column: str, prefix: str, offset: int) -> dict[str, str]:
    """Number ``frame[column]`` ``prefix{offset+1:07d}`` … in place; old → new id map."""
    new = [f"{prefix}{offset + i:07d}" for i in range(1, len(frame) + 1)]
    mapping = dict(zip(frame[column], new, strict=True))
    frame[column] = new
    return mapping


def generate_chunks(
    config: GeneratorConfig,
    progress: Callable[[str], None] | None = None,
) -> Iterator[GeneratedData]:
    """The data set of ``config`` in chunks of ``config.months_per_chunk`` months.

    Volumes (and so the latent truth) are drawn once for the whole range; each chunk draws
    its records from the months it covers with its own seeded streams, so memory holds one
    chunk at a time and the same config gives the same chunks. IDs run on across chunks.
    The first chunk's ``debug["latent"]`` carries the latent intensities of every month.
    """
    notify = progress or (lambda stage: None)
    ctx = Context(config)
    n_months = ctx.grid.n_months
    step = config.months_per_chunk or n_months
    starts = list(range(0, n_months, step))
    streams = np.random.SeedSequence(config.seed).spawn(5)
    volumes = expected_volumes(ctx, np.random.default_rng(streams[0]))
    per_chunk = [s.spawn(len(starts)) for s in streams[1:]]
    offsets = {"vacancies": 0, "candidates": 0}
    for k, first in enumerate(starts):
        notify(f"months {ctx.grid.months[first]}…")
        keep = np.zeros(n_months, bool)
        keep[first : first + step] = True
        chunk = replace(
            volumes,
            vacancies=volumes.vacancies * keep[None, None, :],
            seekers=volumes.seekers * keep[None, None, :],
        )
        rng_vac, rng_cand, rng_private, rng_out = (
            np.random.default_rng(seeds[k]) for seeds in per_chunk
        )
        vacancies = build_vacancies(ctx, chunk, rng_vac)
        candidates = build_candidates(ctx, chunk, rng_cand, rng_private)
        if config.pairs_per_candidate > 0:
            outcomes, _ = build_outcomes(ctx, vacancies, candidates, rng_out)
        else:  # the province preset: no match outcomes
            outcomes = pd.DataFrame(columns=list(MatchOutcome.model_fields))
        vac_ids = _renumber(vacancies, "vacancy_id", "V", offsets["vacancies"])
        cand_ids = _renumber(candidates, "candidate_id", "C", offsets["candidates"])
        candidates["contact"] = pd.Series(
            [
                {**c, "email": f"{cid}@example.com"} if c.get("email") else c
                for c, cid in zip(candidates["contact"], candidates["candidate_id"], strict=True)
            ],
            index=candidates.index,
            dtype=object,
        )
        if not outcomes.empty:
            outcomes["vacancy_id"] = outcomes["vacancy_id"].map(vac_ids)
            outcomes["candidate_id"] = outcomes["candidate_id"].map(cand_ids)
        offsets["vacancies"] += len(vacancies)
        offsets["candidates"] += len(candidates)
        yield GeneratedData(
            vacancies=_finish(vacancies.assign(**GENERATED_CODING), list(Vacancy.model_fields)),
            candidates=_finish(candidates, list(Candidate.model_fields)),
            outcomes=_finish(outcomes, list(MatchOutcome.model_fields)),
            debug={"latent": latent_intensity(ctx, volumes)} if k == 0 else {},
        )
