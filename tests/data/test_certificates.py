"""The one certificate-recognition table serves the generator and the matcher alike."""

from __future__ import annotations

import pytest

from data.certificates import certificate_group, satisfies_certificates
from data.generator.families import CERTIFICATE_EQUIVALENTS


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
