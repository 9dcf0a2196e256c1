"""``generate``: the seeded pipeline volumes → vacancies → candidates → outcomes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from data.generator.candidates import build_candidates
from data.generator.config import Context, GeneratedData, GeneratorConfig
from data.generator.outcomes import build_outcomes
from data.generator.vacancies import build_vacancies
from data.generator.volumes import expected_volumes
from data.records import Candidate, MatchOutcome, Vacancy

__all__ = ["generate"]

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
        debug={"utility": utility, "target_ratio": ratio},
    )
