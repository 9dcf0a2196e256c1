"""Benchmark of the job-title normaliser (``models.occupation_coder``) on the dev titles.

Run: ``.venv/bin/python -m bench.title_coder [--quick]`` (``python -m bench`` calls
:func:`run`; writes ``bench/results/title_coder.json``). Prints throughput and a top-1/top-3
accuracy table at the 细类 and 小类 levels (plus 中类) for the coder and two baselines
measured in the same run: exact-name lookup and plain character TF-IDF over the 大典 names.

Protocol: the coder is built from the taxonomy only. Its hand-written lexicon and weights
were tuned while looking only at fold A (even rows of the dev file); fold B (odd rows) is
the held-out figure (the headline figures are fold B). Each case is scored only at the levels
its label specifies.
"""

from __future__ import annotations

import argparse
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

import data
from bench.common import Figure, format_table, write_results
from data import taxonomy
from models.occupation_coder import OccupationCoder, expected_level, ranked_accuracy

MODULE = "title_coder"
DEV_CSV = Path(data.__file__).parent / "title_testcases" / "title_testcases_dev.csv"
LEVELS = ((4, "细类"), (3, "小类"), (2, "中类"))
CODER, PLAIN = "OccupationCoder", "plain TF-IDF (names)"
FULL_TITLES, QUICK_TITLES = 10_000, 3_000


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


def throughput(coder: OccupationCoder, titles: list[str], n_titles: int) -> tuple[float, float]:
    """Titles per second of ``coder.predict`` and of the plain TF-IDF baseline."""
    many = (titles * (n_titles // len(titles) + 1))[:n_titles]
    start = time.perf_counter()
    coder.predict(many)
    coder_seconds = time.perf_counter() - start
    start = time.perf_counter()
    plain_tfidf_ranked(many)
    plain_seconds = time.perf_counter() - start
    return n_titles / coder_seconds, n_titles / plain_seconds


def headline(table: pd.DataFrame, rates: tuple[float, float], n_titles: int) -> list[Figure]:
    """Held-out fold B accuracy at 细类/小类 (coder vs plain TF-IDF) and throughput."""
    held = table[table["fold"] == "B"].set_index("method")
    coder, plain = held.loc[CODER], held.loc[PLAIN]
    figures = [
        Figure(
            f"{label} top-{k} accuracy (held-out fold B)",
            float(coder[f"{label} top{k}"]),
            "%",
            PLAIN,
            float(plain[f"{label} top{k}"]),
            better="higher",
            note=f"n={int(coder[f'n {label}'])} titles labelled at {label}",
        )
        for _level, label in LEVELS[:2]
        for k in (1, 3)
    ]
    figures.append(
        Figure(
            f"predict() throughput ({n_titles:,} titles)",
            rates[0],
            "titles/s",
            PLAIN,
            rates[1],
            better="higher",
            note="baseline does far less (one TF-IDF product, no lexicon/rules)",
        )
    )
    return figures


def measure(n_titles: int) -> tuple[list[Figure], dict[str, Any], OccupationCoder]:
    """Fit the coder, time it, score it and the baselines; figures, details, the coder."""
    dev = load_dev()
    titles = dev["job_name"].tolist()
    start = time.perf_counter()
    coder = OccupationCoder().fit()
    fit_seconds = time.perf_counter() - start
    rates = throughput(coder, titles, n_titles)
    ranked = [[c for c, _ in row] for row in coder.predict_top_k(titles, k=30)]
    table = pd.DataFrame(
        accuracy_rows("exact-name lookup", exact_name_ranked(titles), dev)
        + accuracy_rows(PLAIN, plain_tfidf_ranked(titles), dev)
        + accuracy_rows(CODER, ranked, dev)
    )
    levels = pd.Series([c.level for c in coder.predict(titles)]).value_counts().sort_index()
    details = {
        "dev_cases": len(dev),
        "label_levels": {int(k): int(v) for k, v in dev["level"].value_counts().items()},
        "fit_seconds": fit_seconds,
        "throughput_titles": n_titles,
        "coder_titles_per_second": rates[0],
        "plain_tfidf_titles_per_second": rates[1],
        "accuracy_table": table.to_dict(orient="records"),
        "predict_output_levels": {int(k): int(v) for k, v in levels.items()},
    }
    return headline(table, rates, n_titles), details, coder


def run(quick: bool = False) -> list[Figure]:
    """The bench protocol (quick: throughput on 3,000 titles, not 10,000); writes the JSON."""
    figures, details, _coder = measure(QUICK_TITLES if quick else FULL_TITLES)
    write_results(MODULE, figures, {**details, "quick": quick})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Throughput on 3,000 titles.")
    args = parser.parse_args()
    n_titles = QUICK_TITLES if args.quick else FULL_TITLES
    figures, details, coder = measure(n_titles)
    rates = details["coder_titles_per_second"], details["plain_tfidf_titles_per_second"]
    pd.set_option("display.width", 200)
    print(f"dev cases: {details['dev_cases']} (label level counts {details['label_levels']})")
    print(
        f"fit: {details['fit_seconds']:.2f}s; predict {n_titles:,} titles: "
        f"{rates[0]:,.0f} titles/s (plain TF-IDF baseline {rates[1]:,.0f} titles/s, "
        f"ratio {rates[0] / rates[1]:.2f})"
    )
    print(pd.DataFrame(details["accuracy_table"]).to_string(index=False))
    print("predict() output levels (4 细类 / 3 小类 / 2 中类 / 1 大类):", end=" ")
    print(details["predict_output_levels"])
    print("calibration on fold B (confidence bins):")
    print(calibration_table(coder, load_dev()).round(3).to_string())
    print(format_table([(MODULE, f) for f in figures]))
    write_results(MODULE, figures, {**details, "quick": args.quick})


if __name__ == "__main__":
    main()
