"""One JSON conversion for edition content, registry metadata, warnings and the talent stock."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pytest

from data.jsonable import jsonable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.int64(3), 3),
        (np.float32(0.5), 0.5),
        (np.bool_(True), True),
        (float("nan"), None),
        (-np.inf, None),
        (pd.NaT, None),
        (pd.NA, None),
        (pd.Timestamp("2026-11-01"), "2026-11-01T00:00:00"),
        (dt.date(2026, 1, 2), "2026-01-02"),
        ((1, np.int32(2)), [1, 2]),
        (np.array([1.0, np.nan]), [1.0, None]),
        ({1: {"a": np.float64(0.25)}}, {"1": {"a": 0.25}}),
        ("4403", "4403"),
        (None, None),
    ],
)
def test_plain_values(value: Any, expected: Any) -> None:
    assert jsonable(value) == expected
    json.dumps(jsonable(value), allow_nan=False)


def test_default_only_sees_what_json_cannot_write() -> None:
    seen: list[Any] = []

    def default(value: Any) -> str:
        seen.append(value)
        return str(value)

    path = PurePosixPath("a/b")
    assert jsonable({"p": path, "n": 1, "s": "x", "b": False}, default=default) == {
        "p": "a/b", "n": 1, "s": "x", "b": False,
    }  # fmt: skip
    assert seen == [path]
    assert jsonable(path) is path
