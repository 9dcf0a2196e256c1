"""Benchmark of the job-title normaliser (``models.occupation_coder``) on the dev titles.

Run: ``.venv/bin/python -m bench.title_coder``. Prints throughput and a top-1/top-3 accuracy
table at the 细类 and 小类 levels (plus 中类) for the coder and two baselines measured in the
same run: exact-name lookup and plain character TF-IDF over the 大典 names.

Protocol: the coder is built from the taxonomy only. Its hand-written lexicon and weights
were tuned while looking only at fold A (even rows of the dev file); fold B (odd rows) is
the held-out figure. Each case is scored only at the levels its label specifies.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

import data
from data import taxonomy
from models.occupation_coder import OccupationCoder, expected_level, ranked_accuracy

DEV_CSV = Path(data.__file__).parent / "title_testcases" / "title_testcases_dev.csv"
LEVELS = ((4, "细类"), (3, "小类"), (2, "中类"))


def load_dev() -> pd.DataFrame:
    """Dev titles with the code/level each label really specifies (blank labels dropped)."""
    frame = pd.read_csv(DEV_CSV, dtype=str, keep_default_na=False)
    known = set(taxonomy.occupations()["code"])
    specified = [expected_level(code, known) for code in frame["expected_code"]]
    frame["code"] = [code for code, _ in specified]
    frame["level"] = [level for _, level in specified]
    frame["fold"] = np.where(np.arange(len(frame)) % 2 == 0, "A", "B")
    return frame[frame["level"] > 0].reset_index(drop=True)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def exact_name_ranked(titles: Sequence[str]) -> list[list[str]]:
    """Baseline 1: a title codes only when it equals a 细类 name or alias."""
    frame = taxonomy.occupations(level=4)
    lookup: dict[str, str] = {}
    for code, name, aliases in zip(frame["code"], frame["name"], frame["aliases"], strict=True):
        for phrase in (name, *aliases):
            lookup.setdefault(_norm(phrase), code)
    return [[lookup[_norm(t)]] if _norm(t) in lookup else [] for t in titles]


def plain_tfidf_ranked(titles: Sequence[str], depth: int = 30) -> list[list[str]]:
    """Baseline 2: char 1-3-gram TF-IDF cosine between raw titles and 细类 names only."""
    frame = taxonomy.occupations(level=4)
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    names = vectorizer.fit_transform([_norm(n) for n in frame["name"]])
    sims = (vectorizer.transform([_norm(t) for t in titles]) @ names.T).toarray()
    order = np.argsort(-sims, axis=1, kind="stable")[:, :depth]
    codes = frame["code"].to_numpy()
    return [list(codes[row]) for row in order]


def accuracy_rows(name: str, ranked: list[list[str]], dev: pd.DataFrame) -> list[dict[str, object]]:
    """One table row per fold with top-1/top-3 accuracy at every level."""
    rows = []
    for fold in ("all", "A", "B"):
        mask = np.ones(len(dev), bool) if fold == "all" else (dev["fold"] == fold).to_numpy()
        sub = dev[mask]
        picked = [r for r, m in zip(ranked, mask, strict=True) if m]
        row: dict[str, object] = {"method": name, "fold": fold}
        for level, label in LEVELS:
            for k in (1, 3):
                acc, n = ranked_accuracy(
                    picked, sub["code"].tolist(), sub["level"].tolist(), level, k
                )
                row[f"{label} top{k}"] = round(100 * acc, 1)
            row[f"n {label}"] = n
        rows.append(row)
    return rows


def calibration_table(coder: OccupationCoder, dev: pd.DataFrame) -> pd.DataFrame:
    """Reliability of ``predict`` confidences on fold B, at the level each prediction uses."""
    held = dev[dev["fold"] == "B"]
    coded = coder.predict(held["job_name"].tolist())
    records = []
    for item, truth, truth_level in zip(coded, held["code"], held["level"], strict=True):
        if truth_level >= item.level:
            records.append((item.level, item.confidence, truth.startswith(item.code)))
    frame = pd.DataFrame(records, columns=["level", "confidence", "correct"])
    frame["bin"] = pd.cut(frame["confidence"], [0, 0.2, 0.4, 0.6, 0.8, 1.0], include_lowest=True)
    return frame.groupby("bin", observed=True).agg(
        n=("correct", "size"), mean_confidence=("confidence", "mean"), accuracy=("correct", "mean")
    )


def main() -> None:
    dev = load_dev()
    titles = dev["job_name"].tolist()
    start = time.perf_counter()
    coder = OccupationCoder().fit()
    fit_seconds = time.perf_counter() - start

    many = (titles * (10_000 // len(titles) + 1))[:10_000]
    start = time.perf_counter()
    coder.predict(many)
    coder_seconds = time.perf_counter() - start
    start = time.perf_counter()
    plain_tfidf_ranked(many)
    plain_seconds = time.perf_counter() - start

    ranked = [[c for c, _ in row] for row in coder.predict_top_k(titles, k=30)]
    table = pd.DataFrame(
        accuracy_rows("exact-name lookup", exact_name_ranked(titles), dev)
        + accuracy_rows("plain TF-IDF (names)", plain_tfidf_ranked(titles), dev)
        + accuracy_rows("OccupationCoder", ranked, dev)
    )
    pd.set_option("display.width", 200)
    print(f"dev cases: {len(dev)} (label level counts {dev['level'].value_counts().to_dict()})")
    print(
        f"fit: {fit_seconds:.2f}s; predict 10,000 titles: {coder_seconds:.2f}s "
        f"= {10_000 / coder_seconds:,.0f} titles/s "
        f"(plain TF-IDF baseline {10_000 / plain_seconds:,.0f} titles/s, "
        f"ratio {plain_seconds / coder_seconds:.2f})"
    )
    print(table.to_string(index=False))
    levels = pd.Series([c.level for c in coder.predict(titles)]).value_counts().sort_index()
    print("predict() output levels (4 细类 / 3 小类 / 2 中类 / 1 大类):", levels.to_dict())
    print("calibration on fold B (confidence bins):")
    print(calibration_table(coder, dev).round(3).to_string())


if __name__ == "__main__":
    main()
