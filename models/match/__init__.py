"""Candidate–vacancy matching: hard requirements, transparent scorer, learned re-ranker.

Public API::

    engine = MatchEngine().fit(candidates, vacancies, outcomes)
    engine.candidates_for_vacancy(vacancy_or_id, k=20, filters=MatchFilters(...))
    engine.vacancies_for_candidate(candidate_or_id, k=20, exposure=ExposureTracker(10))
    engine.why_not(candidate, vacancy)           # failed hard requirements, Chinese labels
"""

from data.certificates import certificate_group, satisfies_certificates
from models.match.allocation import ExposureTracker, allocate, coverage, exposure_gini
from models.match.engine import MatchEngine
from models.match.errors import InsufficientData, UnknownRecord
from models.match.hard import REASON_LABELS, HardReason, HardRules
from models.match.results import MatchFilters, MatchResult, Ranked

__all__ = [
    "REASON_LABELS",
    "ExposureTracker",
    "HardReason",
    "HardRules",
    "InsufficientData",
    "MatchEngine",
    "MatchFilters",
    "MatchResult",
    "Ranked",
    "UnknownRecord",
    "allocate",
    "certificate_group",
    "coverage",
    "exposure_gini",
    "satisfies_certificates",
]
