"""Coverage of the 80/95 % 求人倍率 intervals on the demo data, rolling origins.

For each origin T (:data:`ORIGINS`; the last leaves 12 months of data after it) the forecast
pipeline (:func:`app.forecasting.train_forecast`, sequential) is trained on the demo
records posted / registered up to T only; the 求人倍率 forecasts of its occupation hierarchy
(every node: province … city × 细类), T+1..T+h, are compared with the smoothed ratio
``(D + a) / (S + a)`` later observed for the same series (the hierarchy rebuilt on all the
data; :mod:`models.catalogue.ratio_coverage`). Coverage = share of (series, month) rows
inside the interval, overall, per horizon band and per hierarchy level.

Baseline, same run: the nominal level (80 / 95 %); ``closer`` to 1 is better. Also printed:
the pipeline's own in-sample figure, the leave-one-fold-out coverage of its calibration folds
(``bundle.metrics['occupation/ratio_coverage_L']``).

Run: ``.venv/bin/python -m bench.ratio_coverage [--quick]`` (quick: the demo at a fifth of
its volume, two origins).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from bench.common import Figure, format_table, write_results

MODULE = "ratio_coverage"
ORIGINS = ("2024-10", "2025-04", "2025-10")
QUICK_ORIGINS = ("2025-04", "2025-10")
LEVELS = (80, 95)
H = 12
BANDS = {"h=1-3": (1, 3), "h=4-6": (4, 6), "h=7-12": (7, 12)}


def demo_frames(quick: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo vacancies and candidates (quick: a fifth of the volume)."""
    from data.generator import GeneratorConfig, generate

    config = GeneratorConfig(scale=GeneratorConfig().scale / 5) if quick else GeneratorConfig()
    data = generate(config)
    return data.vacancies, data.candidates


def origin_hits(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    origin: str,
    observed: pd.DataFrame,
    observed_panels: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, float], float]:
    """Train at ``origin``; the hit rows of its occupation 求人倍率 forecasts, the pipeline's
    own calibration coverage, and the training seconds."""
    from app.forecasting import train_forecast
    from models.catalogue.ratio_coverage import ratio_hits, records_until

    known_v, known_c = records_until(vacancies, candidates, origin)
    began = time.perf_counter()
    bundle = train_forecast(known_v, known_c, h=H, backend="sequential", progress=False)
    seconds = time.perf_counter() - began
    ratio = bundle.forecasts["occupation"]["ratio"]
    hits = ratio_hits(ratio, observed, LEVELS, pd.Period(origin, "M").to_timestamp())
    # A series is checked against its later observations only where it means the same thing
    # in both panels: its demand and supply up to the origin are identical (pooled 细类 are
    # chosen by volume, so a pool's members can differ between the two).
    history = bundle.history["occupation"][["unique_id", "ds", "demand", "supply"]]
    later = history.merge(observed_panels, on=["unique_id", "ds"], how="left")
    same = (later["demand"] == later["y_d"]) & (later["supply"] == later["y_s"])
    consistent = same.groupby(later["unique_id"]).all()
    hits["same_series"] = hits["unique_id"].map(consistent).fillna(False).astype(bool)
    hits["level"] = hits["unique_id"].map(
        dict(zip(ratio["unique_id"], ratio["level"], strict=True))
    )
    own = {
        str(level): float(bundle.metrics.get(f"occupation/ratio_coverage_{level}", float("nan")))
        for level in LEVELS
    }
    return hits.assign(origin=origin), own, seconds


def run(quick: bool = False) -> list[Figure]:
    """Backtest every origin; coverage figures against the nominal levels; write the JSON."""
    from app.forecasting.hierarchies import build_hierarchy
    from models.catalogue.ratio_coverage import coverage_table, observed_ratio

    vacancies, candidates = demo_frames(quick)
    panels = build_hierarchy("occupation", vacancies, candidates, min_monthly_volume=20.0)
    observed = observed_ratio(panels.demand, panels.supply)
    observed_panels = panels.demand.rename(columns={"y": "y_d"}).assign(
        y_s=panels.supply["y"].to_numpy()
    )[["unique_id", "ds", "y_d", "y_s"]]
    frames, own, seconds = [], {}, {}
    for origin in QUICK_ORIGINS if quick else ORIGINS:
        hits, own[origin], seconds[origin] = origin_hits(
            vacancies, candidates, origin, observed, observed_panels
        )
        frames.append(hits)
        print(f"origin {origin}: {len(hits)} rows, {seconds[origin]:.0f} s", flush=True)
    hits = pd.concat(frames, ignore_index=True)
    hits = hits[hits["h"].between(1, H)]
    overall = coverage_table(hits, LEVELS).iloc[0]
    hits["band"] = pd.cut(hits["h"], [0, 3, 6, 12], labels=list(BANDS))
    by_band = coverage_table(hits, LEVELS, by="band")
    by_level = coverage_table(hits, LEVELS, by="level")
    by_origin = coverage_table(hits, LEVELS, by="origin")
    by_same = coverage_table(hits, LEVELS, by="same_series")
    figures = [
        Figure(
            f"求人倍率 {level}% interval coverage (demo, {len(frames)} origins, h=1..{H})",
            float(overall[f"coverage_{level}"]),
            "share",
            "nominal level",
            level / 100,
            better="closer",
            note=f"{int(overall['n'])} series-months",
        )
        for level in LEVELS
    ]
    details = {
        "quick": quick,
        "origins": list(seconds),
        "h": H,
        "train_seconds": seconds,
        "overall": overall.to_dict(),
        "by_band": by_band.to_dict(orient="records"),
        "by_level": by_level.to_dict(orient="records"),
        "by_origin": by_origin.to_dict(orient="records"),
        "by_same_series": by_same.to_dict(orient="records"),
        "pipeline_calibration_coverage": own,
    }
    write_results(MODULE, figures, details)
    tables = (("band", by_band), ("level", by_level), ("origin", by_origin), ("same", by_same))
    for title, table in tables:
        print(f"by {title}:\n{table.round(3).to_string(index=False)}")
    print(f"pipeline's own leave-one-fold-out coverage: {own}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    figures = run(args.quick)
    print(format_table([(MODULE, f) for f in figures]))


if __name__ == "__main__":
    main()
