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


def test_probabilities_live_on_the_candidates(coder: TitleCoder) -> None:
    proba = coder.predict_proba(["货车司机", "瑜伽教练", "", "asdfgh"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert ((proba > 0).sum(axis=1) <= coder.n_candidates).all()
    assert coder.codes_[int(proba[0].argmax())] == "4-02-02-02"  # 道路货运汽车驾驶员


def test_calibration_is_monotone_and_bounded(coder: TitleCoder) -> None:
    raw = np.linspace(0.0, 1.0, 21)
    calibrated = coder.calibrate(raw)
    assert ((calibrated >= 0) & (calibrated <= 1)).all()
    assert (np.diff(calibrated) >= -1e-12).all()
    assert calibrated[-1] > calibrated[0]


def test_build_is_deterministic_and_batch_equals_single() -> None:
    frame = labelled_titles().iloc[::4]
    titles, codes = frame["job_name"].tolist(), frame["code"].tolist()
    first = TitleCoder().fit(titles, codes)
    second = TitleCoder().fit(titles, codes)
    probe = ["仓库管理员", "急招普工（包吃住）", "电商运营", "保安"]
    np.testing.assert_array_equal(first.predict_proba(probe), second.predict_proba(probe))
    single = np.vstack([first.predict_proba([t]) for t in probe])
    np.testing.assert_allclose(single, first.predict_proba(probe), rtol=1e-5, atol=1e-7)


def test_fit_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        TitleCoder().fit(["a"], [])
    with pytest.raises(ValueError, match="two"):
        TitleCoder().fit(["保安", "保安员"], ["4-07-05-01", "4-07-05-01"])
    with pytest.raises(ValueError, match="n_candidates"):
        TitleCoder(n_candidates=1).fit(["保安", "厨师"], ["4-07-05-01", "4-03-02-01"])
