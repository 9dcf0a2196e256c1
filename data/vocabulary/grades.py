"""The five grades (★) of the 急需紧缺人才目录 and their Chinese names.

The catalogue's grading writes the names into each entry and the dashboard shows them in its
legend; one table keeps both the same.

>>> GRADES
(5, 4, 3, 2, 1)
>>> GRADE_LABELS[5]
'特别紧缺'
"""

from __future__ import annotations

__all__ = ["GRADES", "GRADE_LABELS"]

GRADE_LABELS: dict[int, str] = {
    5: "特别紧缺",
    4: "比较紧缺",
    3: "一般紧缺",
    2: "基本平衡",
    1: "供过于求",
}
GRADES: tuple[int, ...] = tuple(GRADE_LABELS)
