"""Job-site exports → vacancy rows: the way Chinese job sites and public portals publish.

``yuecai ingest vacancies FILE --format jobsite`` reads a CSV/JSON/Parquet file whose columns
are the portals' Chinese headers, rewrites every row into :class:`data.records.Vacancy`
columns, and hands it to the normal importer (validation, row-level error report, one
transaction, idempotent re-import). A cell the adapter cannot read is a row error naming the
file's column; a title without a code is coded by the occupation coder.

Column mapping (first header found wins; unknown headers are reported, not fatal)

=====================  ==========================  =========================================
vacancy field          headers                     values
=====================  ==========================  =========================================
vacancy_id             职位ID, 岗位编号, 职位编号       as is; absent → ``js-`` + 16 hex of SHA-256
                                                   of company|title|location|date (stable, so
                                                   re-importing the file changes nothing)
title                  职位名称, 岗位名称, 职位           as is
employer_id            公司名称, 企业名称, 招聘单位       ``emp-`` + 16 hex of SHA-256 of the name
description            职位描述, 岗位职责, 任职要求       joined
city_code/district     工作地点, 工作地址, 地点          ``深圳·龙岗区·坂田``, ``广东省肇庆市…``:
                                                   the first Guangdong city named; a district
                                                   of that city if one is named (else none);
                                                   no Guangdong city → error
base_salary_min/max    薪资, 薪资待遇, 月薪             monthly yuan: ``5千-8千``, ``5-8K``,
                                                   ``1.5-2万·13薪`` (the 13 薪 is a yearly
                                                   bonus, not base pay: ignored), ``200元/天``
                                                   (× 21.75 working days), ``30元/时`` (× 8 ×
                                                   21.75), ``10-15万/年`` (÷ 12), ``8000以上``
                                                   (min only), ``面议`` → none
education_requirement  学历要求, 学历                  初中/中专/中技/高中/技工学校/技校/职高 →
                                                   初中 0 or 高中级 1; 大专/大学专科 2;
                                                   本科/大学本科 3; 硕士 4; 博士 5; 学历不限 → none
experience_years_min   经验要求, 工作经验, 经验          ``3-5年`` → 3; ``1年以上`` → 1;
                                                   经验不限/应届生/无经验/在校生 → 0
headcount              招聘人数, 人数                  ``招3人``/``3人``/``3`` → 3; 若干 → 1
date_posted            发布日期, 发布时间, 更新日期       ``2026-11-20``, ``2026/11/20``,
                                                   ``2026年11月20日`` (time part dropped)
skills                 技能标签, 职位标签               split on , ，、/ |
occupation_code        职业编码                        as is, else coded from title + text
=====================  ==========================  =========================================
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from typing import Any

from data import taxonomy
from data.errors import InvalidDataError
from data.ingest.readers import RawRow, RowError, SourceFile

__all__ = [
    "jobsite_source",
    "parse_education",
    "parse_experience",
    "parse_headcount",
    "parse_location",
    "parse_salary",
]

WORKING_DAYS_PER_MONTH = 21.75
HOURS_PER_DAY = 8

_HEADERS: dict[str, tuple[str, ...]] = {
    "vacancy_id": ("职位ID", "岗位编号", "职位编号", "职位id"),
    "title": ("职位名称", "岗位名称", "职位"),
    "employer_id": ("公司名称", "企业名称", "招聘单位"),
    "description": ("职位描述", "岗位职责", "任职要求"),
    "location": ("工作地点", "工作地址", "地点"),
    "salary": ("薪资", "薪资待遇", "月薪"),
    "education": ("学历要求", "学历"),
    "experience": ("经验要求", "工作经验", "经验"),
    "headcount": ("招聘人数", "人数"),
    "date_posted": ("发布日期", "发布时间", "更新日期"),
    "skills": ("技能标签", "职位标签"),
    "occupation_code": ("职业编码",),
}
_KNOWN = {header for headers in _HEADERS.values() for header in headers}


class CellError(InvalidDataError):
    """A job-site cell that cannot be read."""


# ----------------------------------------------------------------- salary
_UNIT = {"": 1.0, "元": 1.0, "k": 1000.0, "千": 1000.0, "w": 10000.0, "万": 10000.0}
_SALARY = re.compile(
    r"^(?P<low>\d+(?:\.\d+)?)\s*(?P<low_unit>[k千w万元]?)"
    r"(?:\s*[-~至到]\s*(?P<high>\d+(?:\.\d+)?)\s*(?P<high_unit>[k千w万元]?))?"
    r"\s*(?P<plus>以上|起)?\s*(?:元)?\s*(?:/|每)?\s*(?P<period>月|天|日|时|小时|年)?$"
)


def parse_salary(text: str) -> tuple[int | None, int | None]:
    """Monthly base salary range in yuan from a job-site salary string.

    Examples
    --------
    >>> parse_salary("5千-8千"), parse_salary("1.5-2万·13薪"), parse_salary("200元/天")
    ((5000, 8000), (15000, 20000), (4350, 4350))
    >>> parse_salary("面议"), parse_salary("8K以上"), parse_salary("10-15万/年")
    ((None, None), (8000, None), (8333, 12500))
    """
    cleaned = text.strip().lower().replace(" ", "").replace("／", "/")
    cleaned = re.sub(r"[·•,，]\d+薪$", "", cleaned)
    if cleaned in {"", "面议", "薪资面议", "待遇面议", "-"}:
        return None, None
    match = _SALARY.match(cleaned)
    if match is None:
        raise CellError(f"cannot read salary {text!r} (like 5千-8千, 1.5-2万·13薪, 200元/天, 面议)")
    high_unit = match["high_unit"] or ""
    low_unit = match["low_unit"] or high_unit  # "5-8千": the unit is written once
    low = float(match["low"]) * _UNIT[low_unit]
    high = float(match["high"]) * _UNIT[high_unit or low_unit] if match["high"] else None
    factor = {
        "天": WORKING_DAYS_PER_MONTH,
        "日": WORKING_DAYS_PER_MONTH,
        "时": WORKING_DAYS_PER_MONTH * HOURS_PER_DAY,
        "小时": WORKING_DAYS_PER_MONTH * HOURS_PER_DAY,
        "年": 1 / 12,
    }.get(match["period"] or "月", 1.0)
    low_month = round(low * factor)
    if high is None:
        return low_month, (None if match["plus"] else low_month)
    return low_month, round(high * factor)


# ----------------------------------------------------------------- location
@cache
def _places() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    cities = taxonomy.cities()
    names = [(n, c) for n, c in zip(cities["name"], cities["city_code"], strict=True)]
    names += [(n, c) for n, c in zip(cities["short_name"], cities["city_code"], strict=True)]
    districts: dict[str, list[tuple[str, str]]] = {}
    frame = taxonomy.districts()
    for name, code, city in zip(
        frame["name"], frame["district_code"], frame["city_code"], strict=True
    ):
        districts.setdefault(city, []).append((name, code))
        if len(name) >= 3:
            districts[city].append((name[:-1], code))
    return sorted(names, key=lambda item: -len(item[0])), districts


def parse_location(text: str) -> tuple[str, str | None]:
    """(city_code, district_code or None) from a job-site location string.

    Examples
    --------
    >>> parse_location("深圳·龙岗区·坂田"), parse_location("广东省肇庆市高新区")
    (('4403', '440307'), ('4412', None))
    """
    cleaned = re.sub(r"\s+", "", text).replace("广东省", "").replace("广东", "")
    cities, districts = _places()
    found = [(cleaned.find(name), code, name) for name, code in cities if name in cleaned]
    if not found:
        raise CellError(f"no Guangdong city in location {text!r}")
    _, city_code, city_name = min(found)
    rest = cleaned.replace(city_name, "", 1)
    for name, code in sorted(districts.get(city_code, []), key=lambda item: -len(item[0])):
        if name in rest:
            return city_code, code
    return city_code, None


# ----------------------------------------------------------------- levels
_EDUCATION: tuple[tuple[str, int | None], ...] = (
    ("不限", None),
    ("博士", 5),
    ("硕士", 4),
    ("研究生", 4),
    ("本科", 3),
    ("专科", 2),
    ("大专", 2),
    ("高职", 2),
    ("中专", 1),
    ("中技", 1),
    ("技工学校", 1),
    ("技校", 1),
    ("职高", 1),
    ("高中", 1),
    ("初中", 0),
    ("小学", 0),
)


def parse_education(text: str) -> int | None:
    """``data.levels.Education`` value (None: not required) from a job-site label.

    >>> parse_education("大学专科"), parse_education("技工学校"), parse_education("学历不限")
    (2, 1, None)
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    for word, level in _EDUCATION:
        if word in cleaned:
            return level
    raise CellError(f"unknown education {text!r} (like 大学专科, 技工学校, 本科, 学历不限)")


def parse_experience(text: str) -> int:
    """Minimum years of experience.

    >>> parse_experience("3-5年"), parse_experience("经验不限"), parse_experience("应届生")
    (3, 0, 0)
    """
    cleaned = text.strip()
    if not cleaned or any(w in cleaned for w in ("不限", "应届", "无经验", "在校", "无需")):
        return 0
    match = re.match(r"^(\d+)\s*(?:-\s*\d+)?\s*年", cleaned)
    if match is None:
        raise CellError(f"cannot read experience {text!r} (like 3-5年, 1年以上, 经验不限)")
    return 0 if "以下" in cleaned or "以内" in cleaned else int(match[1])


def parse_headcount(text: str) -> int:
    """Number of openings.

    >>> parse_headcount("招3人"), parse_headcount("若干"), parse_headcount("")
    (3, 1, 1)
    """
    cleaned = text.strip()
    if not cleaned or "若干" in cleaned:
        return 1
    match = re.search(r"(\d+)", cleaned)
    if match is None or int(match[1]) < 1:
        raise CellError(f"cannot read headcount {text!r} (like 招3人)")
    return int(match[1])


def _date(text: str) -> str:
    match = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text)
    if match is None:
        raise CellError(f"cannot read date {text!r} (like 2026-11-20 or 2026年11月20日)")
    return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"


# ----------------------------------------------------------------- rows
def _cell(values: dict[str, Any], field: str) -> tuple[str | None, str]:
    for header in _HEADERS[field]:
        if header in values and values[header] is not None:
            return header, str(values[header]).strip()
    return None, ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _convert(row: RawRow) -> RawRow | list[RowError]:
    values = row.values
    out: dict[str, Any] = {k: v for k, v in values.items() if k not in _KNOWN}
    errors: list[RowError] = []

    def read(field: str, parse: Any) -> Any:
        header, text = _cell(values, field)
        try:
            return parse(text)
        except CellError as error:
            errors.append(RowError(row.line, header or _HEADERS[field][0], str(error)))
            return None

    title = _cell(values, "title")[1]
    location = _cell(values, "location")[1]
    out["title"] = title
    employer = _cell(values, "employer_id")[1]
    out["employer_id"] = "emp-" + _digest(employer) if employer else None
    descriptions = [str(values[h]).strip() for h in _HEADERS["description"] if values.get(h)]
    out["description"] = "\n".join(descriptions)
    place = read("location", parse_location)
    if place is not None:
        out["city_code"], out["district_code"] = place
    salary = read("salary", parse_salary)
    if salary is not None:
        out["base_salary_min"], out["base_salary_max"] = salary
    out["education_requirement"] = read("education", parse_education)
    out["experience_years_min"] = read("experience", parse_experience)
    out["headcount"] = read("headcount", parse_headcount)
    out["date_posted"] = read("date_posted", _date)
    skills = _cell(values, "skills")[1]
    out["skills"] = [s for s in re.split(r"[,，、/|]", skills) if s.strip()]
    code = _cell(values, "occupation_code")[1]
    out["occupation_code"] = code or None
    vacancy_id = _cell(values, "vacancy_id")[1]
    if not vacancy_id:
        basis = "|".join([out["employer_id"] or "", title, location, str(out["date_posted"])])
        vacancy_id = "js-" + _digest(basis)
    out["vacancy_id"] = vacancy_id
    if errors:
        return errors
    return RawRow(row.line, {k: v for k, v in out.items() if v is not None or k == "title"})


def _rows(source: SourceFile) -> Iterator[RawRow | RowError]:
    for row in source.rows:
        if isinstance(row, RowError):
            yield row
            continue
        converted = _convert(row)
        if isinstance(converted, RawRow):
            yield converted
        elif len(converted) == 1:
            yield converted[0]
        else:  # one error per row keeps the row count right; it names every column
            first = converted[0]
            reasons = "; ".join(f"{error.field}: {error.reason}" for error in converted)
            yield RowError(first.line, first.field, reasons)


def jobsite_source(source: SourceFile) -> SourceFile:
    """``source`` with its job-site rows rewritten into vacancy columns (lazily)."""
    return replace(source, rows=_rows(source))
