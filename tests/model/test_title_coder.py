"""Tests of the calibrated title coder (models.occupation_coder.TitleCoder)."""

from __future__ import annotations

import numpy as np
import pytest

from data.title_testcases import labelled_titles
from models.occupation_coder import TitleCoder
from models.occupation_coder.hybrid import group_fold, near_duplicate_groups


@pytest.fixture(scope="module")
def coder() -> TitleCoder:
    frame = labelled_titles()
    return TitleCoder().fit(frame["job_name"].tolist(), frame["code"].tolist())


def test_near_duplicates_share_a_group_and_fold() -> None:
    titles = ["销售工程师", "销售工程师（十堰）", "高级销售工程师", "厨师"]
    groups = near_duplicate_groups(titles)
    assert groups[0] == groups[1] == groups[2] != groups[3]
    assert len({group_fold(g, 5) for g in groups[:3]}) == 1


def test_learns_labelling_conventions(coder: TitleCoder) -> None:
    (coded,) = coder.code(["销售主管（华东区）"])
    # the labels code sales managers as 市场营销专业人员 as often as 营销员
    assert "2-06-07-02" in [code for code, _, _ in coded.top[:2]]
    assert coder.lexicon_.predict_top_k(["销售主管（华东区）"], 1)[0][0][1] > 0


def test_confidence_is_calibrated_probability_and_flags_review(coder: TitleCoder) -> None:
    coded = coder.code(["Java开发工程师", "急招普工（包吃住）", "", "asdfgh", "保安"])
    for item in coded:
        assert 0.0 <= item.confidence <= 1.0
        assert item.needs_review == (item.confidence < coder.review_threshold)
        assert len(item.top) == 3 and item.top[0][0] == item.code
    assert coded[4].confidence > coded[3].confidence


def test_context_text_can_move_the_code(coder: TitleCoder) -> None:
    titles = ["助理"]
    bare = coder.predict_proba(titles)
    with_context = coder.predict_proba(titles, ["负责会计凭证 账务处理 纳税申报"])
    assert not np.allclose(bare, with_context)
    with pytest.raises(ValueError, match="as long as"):
        coder.predict_proba(titles, [])
