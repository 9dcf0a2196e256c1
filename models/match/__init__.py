"""Candidate–vacancy matching: hard requirements, transparent scorer, learned re-ranker.

Public API::

    engine = MatchEngine().fit(candidates, vacancies, outcomes)   # the model: immutable
    index = MatchIndex(engine, candidates, vacancies)              # the data it serves
    # (or both at once: index = MatchEngine().fit_index(candidates, vacancies, outcomes))
    index.upsert("candidates", records); index.remove("vacancies", vacancy_id)
    index.candidates_for_vacancy(vacancy_or_id, k=20, filters=MatchFilters(...))
    index.vacancies_for_candidate(candidate_or_id, k=20, exposure=ExposureTracker(10))
    index.why_not(candidate, vacancy)           # failed hard requirements, Chinese labels
"""

from data.certificates import certificate_group, satisfies_certificates
from models.match.allocation import ExposureTracker, allocate, coverage, exposure_gini
from models.match.engine import MatchEngine
from models.match.errors import UnknownRecord, UnscorableProfile
from models.match.hard import REASON_LABELS, HardReason, HardRules
from models.match.results import MatchFilters, MatchResult, Ranked
from models.match.serving_index import IndexSnapshot, MatchIndex

__all__ = [
    "REASON_LABELS",
    "ExposureTracker",
    "HardReason",
    "HardRules",
    "IndexSnapshot",
    "MatchEngine",
    "MatchFilters",
    "MatchIndex",
    "MatchResult",
    "Ranked",
    "UnknownRecord",
    "UnscorableProfile",
    "allocate",
    "certificate_group",
    "coverage",
    "exposure_gini",
    "satisfies_certificates",
]
