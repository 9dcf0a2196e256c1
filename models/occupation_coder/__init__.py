"""Job-title normaliser: free Chinese job title → 职业分类大典 2022 code with a confidence."""

from models.occupation_coder.cleaning import clean_title
from models.occupation_coder.coder import CodedTitle, OccupationCoder
from models.occupation_coder.evaluation import expected_level, ranked_accuracy
from models.occupation_coder.hybrid import CodedOccupation, TitleCoder

__all__ = [
    "CodedOccupation",
    "CodedTitle",
    "OccupationCoder",
    "TitleCoder",
    "clean_title",
    "expected_level",
    "ranked_accuracy",
]
