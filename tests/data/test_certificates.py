"""The one certificate-recognition table serves the generator and the matcher alike, and
names are compared in one normal form (width, script, brackets, spacing, case)."""

from __future__ import annotations

import pytest

from data.certificates import (
    CERTIFICATE_EQUIVALENCES,
    certificate_group,
    normalise_certificate,
    satisfies_certificates,
)
from data.generator.families import CERTIFICATE_EQUIVALENTS
from models.match import MatchEngine
from tests.support.match_records import candidate, frame, vacancy


@pytest.mark.parametrize(("hong_kong_or_macau", "mainland"), CERTIFICATE_EQUIVALENTS.items())
def test_generator_pairs_are_recognised_by_the_matcher(
    hong_kong_or_macau: str, mainland: str
) -> None:
    assert certificate_group(hong_kong_or_macau) == certificate_group(mainland)
    assert satisfies_certificates([hong_kong_or_macau], [mainland])


@pytest.mark.parametrize(
    ("held", "required", "expected"),
    [
        (["澳门电工执照"], ["电工证"], True),
        (["香港电工牌照"], ["特种作业操作证（低压电工）"], True),
        (["焊工证"], ["电工证"], False),
        (["电工证", "焊工证"], ["香港焊工证", "低压电工作业证"], True),
        ([], ["导游证"], False),
        (["导游证"], [], True),
        ([" 电工证 "], ["电工证"], True),
    ],
)
def test_mutual_recognition(held: list[str], required: list[str], expected: bool) -> None:
    assert satisfies_certificates(held, required) is expected


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("特种作业操作证(低压电工)", "特种作业操作证（低压电工）"),  # ASCII vs Chinese parentheses
        ("特种作业操作证【低压电工】", "特种作业操作证（低压电工）"),
        ("香港電工牌照", "香港电工牌照"),  # traditional script
        ("澳門電工執照", "澳门电工执照"),
        ("香港註冊護士證書", "香港注册护士证书"),
        ("香港 电工 牌照", "香港电工牌照"),  # spacing
        ("\u3000电工证\u3000", "电工证"),  # full-width spaces
        ("注册会计师（ＣＰＡ）", "注册会计师（CPA）"),  # full-width letters
        ("注册会计师(cpa)", "注册会计师（CPA）"),  # case
    ],
)
def test_cosmetic_variants_are_the_same_certificate(variant: str, canonical: str) -> None:
    assert normalise_certificate(variant) == normalise_certificate(canonical)
    assert certificate_group(variant) == certificate_group(canonical)
    assert certificate_group(variant).startswith("group:")
    assert satisfies_certificates([variant], [canonical])
    assert satisfies_certificates([canonical], [variant])


@pytest.mark.parametrize(
    ("one", "other"),
    [("焊工证", "电工证"), ("香港焊工證", "香港電工牌照"), ("高压电工作业证", "低压电工作业证")],
)
def test_normalising_does_not_merge_different_certificates(one: str, other: str) -> None:
    assert certificate_group(one) != certificate_group(other)


def test_every_table_name_is_in_normal_form_once() -> None:
    normal = [normalise_certificate(name) for _group, name, _region in CERTIFICATE_EQUIVALENCES]
    assert len(normal) == len(set(normal))
    for _group, name, _region in CERTIFICATE_EQUIVALENCES:
        assert normalise_certificate(normalise_certificate(name)) == normalise_certificate(name)


def test_the_matcher_uses_the_normal_form() -> None:
    held = candidate(certificates=("香港電工牌照",))
    posting = vacancy(required_certificates=("特种作业操作证(低压电工)",))
    engine = MatchEngine().fit_index(frame([held]), frame([posting]))
    assert engine.why_not(held, posting) == []
    welder = candidate(candidate_id="c-welder", certificates=("焊工證",))
    engine = MatchEngine().fit_index(frame([welder]), frame([posting]))
    assert [code for code, _label in engine.why_not(welder, posting)] == ["certificate"]
