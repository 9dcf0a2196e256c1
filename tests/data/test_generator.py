"""Tests of the synthetic demo data generator: schema, determinism and calibration."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from data import taxonomy
from data.generator import GeneratedData, GeneratorConfig, generate, to_records, write
from data.generator.families import FAMILIES
from data.generator.occupations import occupation_profiles
from data.generator.outcomes import qualification_tables
from data.generator.people import ID_WEIGHTS, id_check_digit
from data.generator.seasonality import spring_festival
from data.levels import Education, SkillLevel, TitleLevel, meets_education
from data.records import Candidate, MatchOutcome, Vacancy

#: MOHRSS quarterly top-10 "最缺工" occupations, 2019Q3–2022Q3 (vendored; SOURCE.txt beside it).
SHORTAGE_TOP10 = (
    Path(__file__).parent / "fixtures" / "mohrss_top10" / "top10_most_short_occupations.csv"
)
SMALL = GeneratorConfig(seed=7, start="2023-01", end="2024-06", scale=150)


@pytest.fixture(scope="module")
def demo() -> GeneratedData:
    return generate(GeneratorConfig())


@pytest.fixture(scope="module")
def small() -> GeneratedData:
    return generate(SMALL)


def _seekers_by(candidates: pd.DataFrame, keys: list[str]) -> pd.Series:
    primary = candidates.assign(occupation_code=candidates["desired_occupation_codes"].str[0])
    return primary.groupby(keys).size()


@pytest.mark.parametrize(
    ("table", "model"),
    [("vacancies", Vacancy), ("candidates", Candidate), ("outcomes", MatchOutcome)],
)
def test_columns_are_record_fields_and_rows_validate(small: GeneratedData, table, model) -> None:
    frame = getattr(small, table)
    assert list(frame.columns) == list(model.model_fields)
    sample = frame.sample(min(len(frame), 1500), random_state=0)
    records = to_records(sample, table)
    assert len(records) == len(sample)
    assert all(isinstance(r, model) for r in records)


def test_default_sizes(demo: GeneratedData) -> None:
    assert 50_000 <= len(demo.vacancies) <= 70_000
    assert 65_000 <= len(demo.candidates) <= 95_000
    assert 120_000 <= len(demo.outcomes) <= 180_000


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_same_config_writes_byte_identical_files(tmp_path: Path, small, fmt: str) -> None:
    first = write(small, tmp_path / "a", format=fmt)
    second = write(generate(SMALL), tmp_path / "b", format=fmt)
    for table, path in first.items():
        assert path.read_bytes() == second[table].read_bytes(), table


def test_other_seed_differs(small: GeneratedData) -> None:
    other = generate(SMALL.model_copy(update={"seed": 8}))
    assert not other.vacancies["title"].head(50).equals(small.vacancies["title"].head(50))


def test_csv_layout_flattens_lists_and_nested(tmp_path: Path, small: GeneratedData) -> None:
    path = write(small, tmp_path, format="csv")["candidates"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=200)
    assert {"contact.name", "contact.phone", "protected.gender"} <= set(frame.columns)
    assert "contact" not in frame.columns
    assert frame["education"].str.fullmatch(r"\d").all()
    assert frame["desired_occupation_codes"].str.contains(";").any()


def test_all_21_cities_present_and_sized_realistically(demo: GeneratedData) -> None:
    counts = demo.vacancies["city_code"].value_counts()
    assert set(counts.index) == set(taxonomy.cities()["city_code"])
    assert set(counts.index[:2]) == {"4401", "4403"}
    assert set(counts.index[2:4]) == {"4419", "4406"}
    assert set(counts.index[-4:]) & {"4453", "4415"}


def test_spring_festival_month_effect(demo: GeneratedData) -> None:
    monthly = demo.vacancies.groupby(demo.vacancies["date_posted"].dt.to_period("M")).size()
    lifts = []
    for year in range(2019, 2027):
        festival = pd.Period(spring_festival(year), "M")
        lifts.append(monthly[festival + 1] / monthly[festival])
    assert np.mean(lifts) > 1.2


def test_overall_ratio_in_band(demo: GeneratedData) -> None:
    ratio = demo.vacancies["headcount"].sum() / len(demo.candidates)
    assert 1.3 <= ratio <= 1.6


def test_national_top10_shortage_occupations_are_short(demo: GeneratedData) -> None:
    ratio = (
        demo.vacancies.groupby("occupation_code")["headcount"].sum()
        / _seekers_by(demo.candidates, ["occupation_code"])
    ).dropna()
    names = set(pd.read_csv(SHORTAGE_TOP10)["occupation"])
    codes = taxonomy.occupations(4).set_index("name")["code"]
    short = [codes[n] for n in names if n in codes.index and codes[n] in ratio.index]
    assert len(short) >= 8
    assert (ratio[short] > ratio.median()).all()
    assert ratio["3-01-01-01"] < 1  # 行政办事员: desk jobs in surplus


def test_city_occupation_ratios_stay_plausible(demo: GeneratedData) -> None:
    demand = demo.vacancies.groupby(["city_code", "occupation_code"])["headcount"].sum()
    supply = _seekers_by(demo.candidates, ["city_code", "occupation_code"])
    posted = demo.vacancies.groupby(["city_code", "occupation_code"]).size()
    ratio = (demand / supply).dropna()[lambda r: posted.reindex(r.index) >= 30]
    assert ratio.quantile(0.05) > 0.3
    assert ratio.quantile(0.95) < 6


def test_protected_attributes_independent_of_hiring(demo: GeneratedData) -> None:
    hired = set(demo.outcomes.loc[demo.outcomes["event"] == "hired", "candidate_id"])
    shown = demo.candidates[demo.candidates["candidate_id"].isin(demo.outcomes["candidate_id"])]
    protected = pd.DataFrame(list(shown["protected"]))
    protected["hired"] = shown["candidate_id"].isin(hired).to_numpy()
    # Age at registration: the generator draws it independently of everything else (an age
    # on a fixed date would mix in the registration year, and hire rates move with the
    # planted events over the years).
    age = shown["registered_on"].dt.year.to_numpy() - protected["birth_year"]
    protected["age_band"] = pd.cut(age, [0, 25, 35, 45, 100])
    for column in ("gender", "marital_status", "age_band"):
        table = pd.crosstab(protected[column], protected["hired"])
        table = table[table.sum(axis=1) >= 50]
        assert chi2_contingency(table).pvalue > 0.001, column


def test_id_numbers_and_phones_are_well_formed(demo: GeneratedData) -> None:
    contacts = pd.DataFrame(list(demo.candidates["contact"]))
    assert contacts["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    ids = contacts["id_number"]
    assert ids.str.fullmatch(r"\d{17}[\dX]").all()
    digits = np.array([list(map(int, x[:17])) for x in ids])
    assert (id_check_digit(digits) == ids.str[17].to_numpy()).all()
    assert (
        (digits @ ID_WEIGHTS + ids.str[17].map(lambda c: 10 if c == "X" else int(c))).mod(11) == 1
    ).all()


def test_id_check_digit_known_example() -> None:
    digits = np.array([list(map(int, "11010519491231002"))])
    assert id_check_digit(digits)[0] == "X"


def test_outcome_events_follow_posting_and_registration(demo: GeneratedData) -> None:
    merged = demo.outcomes.merge(demo.vacancies[["vacancy_id", "date_posted"]], on="vacancy_id")
    merged = merged.merge(demo.candidates[["candidate_id", "registered_on"]], on="candidate_id")
    assert (merged["occurred_at"] >= merged["date_posted"]).all()
    assert (merged["occurred_at"] >= merged["registered_on"]).all()
    counts = demo.outcomes["event"].value_counts()
    assert counts["viewed"] > counts["applied"] > counts["interviewed"] > counts["hired"] > 0


def test_hidden_utility_drives_hiring_with_noise(demo: GeneratedData) -> None:
    utility = demo.debug["utility"]
    hired = demo.outcomes[demo.outcomes["event"] == "hired"][["candidate_id", "vacancy_id"]]
    flag = utility.merge(hired.assign(h=1), how="left")["h"].fillna(0)
    top = utility["utility"] > utility["utility"].quantile(0.8)
    assert flag[top].mean() > 4 * flag[~top].mean()
    assert 0.05 < flag[top].mean() < 0.9
    assert "utility" not in demo.outcomes.columns


def test_curated_codes_exist_in_taxonomies() -> None:
    codes = set(taxonomy.occupations(4)["code"])
    assert {p.code for p in occupation_profiles()} <= codes
    industries = set(taxonomy.industries()["code"])
    for family in FAMILIES.values():
        assert {t.split(":")[0] for t in family.industries.split()} <= industries


def test_qualification_tables_mirror_levels() -> None:
    edu, _, _ = qualification_tables()
    for r, e, s in product(range(6), range(6), range(6)):
        assert edu[r + 1, e + 1, s] == meets_education(Education(r), Education(e), SkillLevel(s))
    _, skill, title = qualification_tables()
    assert skill[SkillLevel.technician + 1, 0, TitleLevel.intermediate]
    assert title[TitleLevel.intermediate + 1, 0, SkillLevel.technician]


def test_config_rejects_reversed_months() -> None:
    with pytest.raises(ValueError, match="end month must not precede"):
        GeneratorConfig(start="2024-01", end="2023-01")
