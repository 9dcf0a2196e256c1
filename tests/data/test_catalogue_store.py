"""Catalogue editions on SQLite and PostgreSQL: revisions, immutability, paging, diffs."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from data.store import session_scope
from data.store.catalogue import (
    CatalogueEntryRow,
    ImmutableEditionError,
    diff_editions,
    get_edition,
    list_editions,
    list_entries,
    previous_edition,
    publish_edition,
    read_entries_frame,
    verify_edition,
)

META = {"method": "方法说明\n测试", "forecast_used": False}


def _entries(rows: list[tuple[str, str, str, str, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=[
            "city_code",
            "zone",
            "industry_code",
            "occupation_code",
            "stars",
            "shortage_index",
        ],
    )
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame["city_name"] = frame["city_code"].map({"4401": "广州市", "4403": "深圳市"})
    frame["ratio_trend"] = [[1.0, 1.5, 2.25]] * len(frame)
    return frame


FIRST = _entries(
    [("4403", "一核", "65", "2-02-10-03", 5, 91.5), ("4401", "一核", "38", "2-02-11-01", 4, 70.0),
     ("4401", "一核", "65", "2-02-10-03", 3, 56.0)]
)  # fmt: skip
SECOND = _entries(
    [("4403", "一核", "65", "2-02-10-03", 4, 72.0), ("4401", "一核", "65", "2-02-10-03", 5, 80.0),
     ("4406", "一核", "38", "2-02-11-01", 3, 55.5)]
)  # fmt: skip


def test_republishing_adds_a_revision_and_leaves_the_first_untouched(engine):
    with session_scope(engine) as session:
        first = publish_edition(session, "2026Q4", FIRST, META)
    with session_scope(engine) as session:
        second = publish_edition(session, "2026Q4", SECOND, META)
    assert (first.period, first.revision, second.revision) == ("2026Q4", 1, 2)
    assert first.content_sha256 != second.content_sha256
    with session_scope(engine) as session:
        again = get_edition(session, first.edition_id)
        assert again is not None and again.content_sha256 == first.content_sha256
        assert verify_edition(session, first.edition_id)
        assert verify_edition(session, second.edition_id)
        stored = read_entries_frame(session, first.edition_id)
    pd.testing.assert_frame_equal(stored, FIRST, check_dtype=False)


def test_equal_content_hashes_equal_across_revisions(engine):
    with session_scope(engine) as session:
        first = publish_edition(session, "2026-11", FIRST, META)
        second = publish_edition(session, "2026-11", FIRST, META)
    assert second.revision == first.revision + 1
    assert second.content_sha256 == first.content_sha256


def test_orm_and_sql_changes_are_refused(engine):
    with session_scope(engine) as session:
        info = publish_edition(session, "2026Q4", FIRST, META)
    with pytest.raises(ImmutableEditionError, match="immutable"), session_scope(engine) as session:
        row = session.get(CatalogueEntryRow, 1)
        assert row is not None
        row.stars = 1
    with pytest.raises(ImmutableEditionError, match="immutable"), session_scope(engine) as session:
        session.execute(update(CatalogueEntryRow).values(stars=1))
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as connection:
        connection.execute(text("UPDATE catalogue_entries SET stars = 1"))
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as connection:
        connection.execute(text("DELETE FROM catalogue_editions"))
    with session_scope(engine) as session:
        assert verify_edition(session, info.edition_id)


def test_list_entries_filters_and_pages(engine):
    with session_scope(engine) as session:
        info = publish_edition(session, "2026Q4", FIRST, META)
        rows, total = list_entries(session, info.edition_id, limit=2)
        assert total == 3 and [row["rank"] for row in rows] == [1, 2]
        rows, total = list_entries(session, info.edition_id, offset=2, limit=2)
        assert total == 3 and [row["rank"] for row in rows] == [3]
        rows, total = list_entries(session, info.edition_id, city_code="4401", grade_min=4)
        assert total == 1 and rows[0]["occupation_code"] == "2-02-11-01"
        assert rows[0]["city_name"] == "广州市" and rows[0]["ratio_trend"] == [1.0, 1.5, 2.25]
        _, total = list_entries(session, info.edition_id, zone="一核", industry_code="65")
        assert total == 2
        with pytest.raises(ValueError, match="limit"):
            list_entries(session, info.edition_id, limit=0)


def test_previous_edition_and_diff(engine):
    with session_scope(engine) as session:
        q3 = publish_edition(session, "2026Q3", FIRST, META)
        q4_r1 = publish_edition(session, "2026Q4", SECOND, META)
        q4_r2 = publish_edition(session, "2026Q4", SECOND.head(1), META)
        assert previous_edition(session, q3.edition_id) is None
        assert previous_edition(session, q4_r1.edition_id).edition_id == q3.edition_id
        assert previous_edition(session, q4_r2.edition_id).edition_id == q4_r1.edition_id
        assert [info.edition_id for info in list_editions(session)] == [
            q4_r2.edition_id, q4_r1.edition_id, q3.edition_id
        ]  # fmt: skip
        changes = diff_editions(session, q3.edition_id, q4_r1.edition_id).set_index("key")
    assert changes.loc["4403|65|2-02-10-03", "change"] == "downgraded"
    assert changes.loc["4401|65|2-02-10-03", "change"] == "upgraded"
    assert changes.loc["4401|38|2-02-11-01", "change"] == "removed"
    assert changes.loc["4406|38|2-02-11-01", "change"] == "new"


@pytest.mark.parametrize(
    ("period", "entries", "message"),
    [
        ("Q4", FIRST, "period"),
        ("2026Q4", FIRST.drop(columns=["stars"]), "missing columns"),
        ("2026Q4", pd.concat([FIRST, FIRST.tail(1)]), "repeat"),
    ],
)
def test_publish_rejects_bad_input(engine, period, entries, message):
    with pytest.raises(ValueError, match=message), session_scope(engine) as session:
        publish_edition(session, period, entries, META)
