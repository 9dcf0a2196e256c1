"""Each concept of :mod:`data.vocabulary` is one object everywhere, and its tables are complete.

The layers import the vocabulary instead of copying it; these checks fail if a copy creeps
back (an ``is`` check) or a label table misses a code its concept can produce.
"""

from __future__ import annotations

from typing import get_args

import pytest

from app import publish_guard
from data import taxonomy
from data.indicators import validate_period
from data.vocabulary import (
    changes,
    codes,
    formats,
    grades,
    periods,
    warning_rules,
    zones,
)
from data.vocabulary import indicators as indicator_vocabulary
from models import indicators
from models.catalogue import diff, grading, render
from models.catalogue.periods import period_window
from models.forecast import warning
from service.api.routes import catalogue as catalogue_routes
from service.schemas import catalogue as catalogue_schemas
from training.commands import catalogue as catalogue_command


def test_export_formats_are_one_list() -> None:
    assert catalogue_routes.ExportFormat is formats.ExportFormat
    assert render.EXPORT_FORMATS is formats.EXPORT_FORMATS
    assert formats.EXPORT_FORMATS == get_args(formats.ExportFormat)
    assert set(render.MEDIA_TYPES) == set(formats.EXPORT_FORMATS)
    assert catalogue_command._FORMATS_HELP == ", ".join(formats.EXPORT_FORMATS)


def test_api_literals_are_the_vocabulary() -> None:
    assert catalogue_schemas.Zone is zones.Zone
    assert catalogue_schemas.ChangeKind is changes.ChangeKind
    assert indicators.Status is indicator_vocabulary.Status
    assert indicators.Direction is indicator_vocabulary.Direction
    assert taxonomy.ZONES is zones.ZONES


def test_label_tables_cover_their_codes() -> None:
    assert tuple(grades.GRADE_LABELS) == grades.GRADES
    assert set(grades.GRADES) == {1, *grading.DEFAULT_THRESHOLDS}
    assert grading.GRADE_LABELS is grades.GRADE_LABELS
    assert tuple(changes.CHANGE_LABELS) == changes.CHANGES
    assert set(changes.CHANGE_KINDS) < set(changes.CHANGES)
    assert diff.CHANGE_LABELS is changes.CHANGE_LABELS
    assert tuple(warning_rules.RULE_LABELS) == warning_rules.WARNING_RULES
    assert tuple(indicator_vocabulary.STATUS_LABELS) == indicator_vocabulary.STATUSES
    assert tuple(zones.ZONE_NAMES) == zones.ZONES
    assert set(taxonomy.cities()["zone"]) == set(zones.ZONES)


def test_zone_long_names_are_what_warnings_show() -> None:
    assert warning.series_label("一区/C00") == "一区（北部生态发展区） · 制造业（其他大类）"


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (codes.CITY_CODE, ["4401", "4453"], ["440", "4501", "440305"]),
        (codes.OCCUPATION_CODE, ["2-02-10-09"], ["2-02", "2-02-10-9"]),
        (codes.OCCUPATION_PREFIX, ["2", "2-02", "2-02-10", "2-02-10-09"], ["2-0", "22"]),
        (codes.INDUSTRY_CODE, ["38", "383", "3831"], ["3", "38311", "C"]),
        (codes.CLUSTER_CODE, ["C01", "C20"], ["C00", "C21"]),
    ],
)
def test_code_patterns(pattern: object, good: list[str], bad: list[str]) -> None:
    assert all(pattern.fullmatch(code) for code in good)  # type: ignore[attr-defined]
    assert not any(pattern.fullmatch(code) for code in bad)  # type: ignore[attr-defined]


def test_every_vendored_code_has_the_shape_of_its_kind() -> None:
    assert taxonomy.cities()["city_code"].str.fullmatch(codes.CITY_CODE.pattern).all()
    occupations = taxonomy.occupations()
    assert occupations["code"].str.fullmatch(codes.OCCUPATION_PREFIX.pattern).all()
    full = occupations.loc[occupations["level"] == 4, "code"]
    assert full.str.fullmatch(codes.OCCUPATION_CODE.pattern).all()
    industries = taxonomy.industries()
    sections = industries.loc[industries["level"] == 1, "code"]
    assert sections.str.fullmatch(codes.INDUSTRY_SECTION.pattern).all()
    rest = industries.loc[industries["level"] > 1, "code"]
    assert rest.str.fullmatch(codes.INDUSTRY_CODE.pattern).all()
    assert taxonomy.clusters()["cluster_id"].str.fullmatch(codes.CLUSTER_CODE.pattern).all()
    assert not any(codes.is_pooled(code) for code in [*industries["code"], "C01", "4403"])


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026Q4", "2026-10-01", "2027-01-01"),
        ("2026-11", "2026-11-01", "2026-12-01"),
        ("2026", "2026-01-01", "2027-01-01"),
        ("2026Q1", "2026-01-01", "2026-04-01"),
    ],
)
def test_period_bounds_are_one_grammar(label: str, start: str, end: str) -> None:
    parsed = periods.match_period(label)
    assert parsed is not None
    assert (parsed.start.isoformat(), parsed.end.isoformat()) == (start, end)
    assert publish_guard.period_bounds(label) == (parsed.start, parsed.end)
    window = period_window(label)
    assert (window.start.date(), window.period_end.date()) == (parsed.start, parsed.end)


@pytest.mark.parametrize("label", ["2026Q5", "2026-13", "2026-00", "26Q1", "2026q1", ""])
def test_malformed_periods_are_refused_everywhere(label: str) -> None:
    assert periods.match_period(label) is None
    with pytest.raises(ValueError, match="must look like"):
        period_window(label)
    with pytest.raises(ValueError, match="must look like"):
        publish_guard.period_bounds(label)


def test_indicator_periods_are_years_and_quarters_only() -> None:
    assert validate_period(" 2024q2 ") == "2024Q2"
    with pytest.raises(ValueError, match="2023"):
        validate_period("2024-06")
    with pytest.raises(ValueError, match="2024Q2"):
        indicators.period_offset_years("2024-06")
