"""Edition diffs: which entries are new, removed, upgraded, downgraded or unchanged.

The comparison itself lives with the editions (:func:`data.store.catalogue.diff_entries`,
re-exported here) because the store, which must not import ``models``, serves it too; this
module adds a summary for reports and the CLI, and re-exports the Chinese labels of
:mod:`data.vocabulary.changes`.
"""

from __future__ import annotations

import pandas as pd

from data.store.catalogue import diff_entries
from data.vocabulary.changes import CHANGE_LABELS, CHANGES

__all__ = ["CHANGES", "CHANGE_LABELS", "diff_entries", "diff_summary"]


def diff_summary(diff: pd.DataFrame) -> dict[str, int]:
    """Count of entries per change, every change present (0 if none), in :data:`CHANGES` order.

    Examples
    --------
    >>> old = pd.DataFrame({"city_code": ["4401"], "industry_code": ["65"],
    ...                     "occupation_code": ["2-02-10-03"], "stars": [3]})
    >>> diff_summary(diff_entries(old, old.assign(stars=5)))["upgraded"]
    1
    """
    counts = diff["change"].value_counts()
    return {change: int(counts.get(change, 0)) for change in CHANGES}
