"""Index writes cost O(change), structurally (no timings): nothing but the new rows is copied.

Over N single-record upserts the column buffers are reallocated O(log N) times (capacity
doubles), a write that fits the spare capacity leaves every existing buffer where it was
(same memory: the other rows' arrays were not copied), and the partitions' main run is
rewritten only once per MERGE_AT filed pairs. The index written that way still ranks exactly
like one built fresh from the final records.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from models.match import MatchEngine, MatchIndex
from models.match.columns import MIN_CAPACITY
from models.match.index import MERGE_AT, Partitions
from tests.support.match_records import candidate, frame, vacancy

SKILL_POOL = ["电气安装", "PLC", "变频器", "焊接", "CAD", "仪表调试", "高压操作", "布线"]


def _address(array: Any) -> int:
    return int(array.__array_interface__["data"][0])


def _fitted() -> MatchIndex:
    people = [candidate(f"seed{i}") for i in range(20)]
    return MatchEngine(use_ranker=False).fit_index(frame(people), frame([vacancy("v1")]))


def test_appends_reallocate_logarithmically_and_leave_other_rows_in_place() -> None:
    index = _fitted()
    columns = index.candidates.columns
    n_buffers = len(columns.nbytes)  # fields (text counts its three buffers as one)
    start = columns.reallocations
    writes = 1200
    moves = 0
    for i in range(writes):
        before = index.candidates.arrays
        reallocated = columns.reallocations
        index.upsert("candidates", [candidate(f"new{i}", skills=(SKILL_POOL[i % 8],))])
        after = index.candidates.arrays
        if columns.reallocations == reallocated:  # fitted in the spare capacity
            for name in ("city", "active", "occupations", "skill_keys", "ids"):
                assert _address(getattr(after, name)) == _address(getattr(before, name))
            assert _address(after.text.data) == _address(before.text.data)
        else:
            moves += 1
    # every buffer doubles from MIN_CAPACITY: at most log2(N / MIN_CAPACITY) + 2 moves each
    per_buffer = math.ceil(math.log2((writes + 20) / MIN_CAPACITY)) + 2
    assert columns.reallocations - start <= (n_buffers + 2) * per_buffer
    assert moves <= (n_buffers + 2) * per_buffer
    assert len(index.candidates) == 20 + writes


def test_partitions_merge_once_per_merge_at_pairs_and_find_every_row() -> None:
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 500, size=2000).astype(np.int64)
    parts = Partitions(keys, np.arange(keys.size, dtype=np.int64))
    written = []
    for row in range(keys.size, keys.size + 3 * MERGE_AT):
        main, merges = parts.keys, parts.merges
        key = np.asarray([int(rng.integers(0, 500))], dtype=np.int64)
        parts.extend(key, np.asarray([row], dtype=np.int64))
        written.append(int(key[0]))
        if parts.merges == merges:
            assert parts.keys is main  # the main run was not rewritten
            assert parts.pending_keys.size < MERGE_AT
    assert parts.merges == 3
    everything = np.concatenate([keys, np.asarray(written, dtype=np.int64)])
    for low in (0, 17, 499):
        found = parts.lookup(np.asarray([low]), np.asarray([low + 1]))
        assert found.tolist() == np.flatnonzero(everything == low).tolist()


def test_rewritten_index_ranks_like_a_fresh_one() -> None:
    index = _fitted()
    final: dict[str, Any] = {f"seed{i}": candidate(f"seed{i}") for i in range(20)}
    rng = np.random.default_rng(0)
    for step in range(600):
        candidate_id = f"pool{int(rng.integers(0, 40))}"
        record = candidate(candidate_id, skills=tuple(SKILL_POOL[: 1 + step % 5]))
        index.upsert("candidates", [record])
        final[candidate_id] = record
        if step % 97 == 0:
            gone = f"pool{int(rng.integers(0, 40))}"
            index.remove("candidates", gone, missing_ok=True)
            final.pop(gone, None)
    fresh = MatchIndex(index.engine, frame(list(final.values())), frame([vacancy("v1")]))
    got = [(r.candidate_id, r.score) for r in index.candidates_for_vacancy("v1", k=100)]
    want = [(r.candidate_id, r.score) for r in fresh.candidates_for_vacancy("v1", k=100)]
    assert got == want and got
    assert len(index.candidates) == len(final)
