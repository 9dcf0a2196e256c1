"""The discriminatory-requirement detector does not fire on the taxonomies' own text.

Generated and real vacancies quote district names (连南瑶族自治县) and the 大典's
definitions (妇产科医师: "孕期、围产期保健"; 婚姻家庭咨询师: "离婚或再婚者的咨询"): a refusal
there would reject lawful postings — the demo import once refused 17 rows this way.
"""

from __future__ import annotations

import pytest

from data.compliance import discriminatory_requirements
from data.taxonomy import districts, occupations


def test_no_district_name_is_a_requirement() -> None:
    names = districts()["name"].tolist()
    flagged = {name: discriminatory_requirements(name) for name in names}
    assert {name: found for name, found in flagged.items() if found} == {}
    assert "连山壮族瑶族自治县" in names


def test_no_occupation_definition_or_task_is_a_requirement() -> None:
    table = occupations()
    texts = [
        f"{row.name}。{row.definition}{row.tasks}"
        for row in table.itertuples()
        if isinstance(row.definition, str)
    ]
    flagged = [(text[:30], found) for text in texts if (found := discriminatory_requirements(text))]
    assert flagged == []


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("不招孕妇", "不招孕妇"),
        ("近期无生育计划", "近期无生育计划"),
        ("已婚已育优先", "已婚已育"),
        ("离婚者勿扰", "离婚者勿扰"),
        ("限汉族", "汉族"),
    ],
)
def test_requirements_around_the_topic_words_are_still_found(text: str, phrase: str) -> None:
    assert phrase in [finding.phrase for finding in discriminatory_requirements(text)]
