"""Raw row → validated record, with every fault said in words a data clerk understands.

CSV conventions handled here (other formats may use native types instead): an empty cell is
missing (the record default applies); list fields are ``;``-separated; level fields take
the integer, the enum name or the Chinese label (``大专``, ``高级工``, ``中级``); booleans
take ``true/false/1/0/yes/no/是/否``; dates ``2024-03-05`` or ``2024/3/5``; personal data
comes in ``contact.<field>`` and ``protected.<field>`` columns.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from data.ingest.checks import taxonomy_faults
from data.ingest.readers import RawRow, RowError, is_missing
from data.levels import LEVEL_TYPES, UnknownLevelError, parse_level
from data.records import Candidate, MatchOutcome, Vacancy

__all__ = ["KINDS", "Kind", "KindSpec", "parse_row", "spec_for"]

Kind = Literal["vacancies", "candidates", "outcomes"]
KINDS: tuple[Kind, ...] = ("vacancies", "candidates", "outcomes")
NESTED = ("contact", "protected")

_TRUE = {"true", "t", "1", "yes", "y", "是", "on"}
_FALSE = {"false", "f", "0", "no", "n", "否", "off"}
_SLASH_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_FORMAT_HINTS = {
    "city_code": "Guangdong city code (44xx)",
    "district_code": "Guangdong district code (44xxxx)",
    "occupation_code": "大典 occupation code (like 2-02-10-09)",
    "current_occupation_code": "大典 occupation code (like 2-02-10-09)",
    "industry_code": "GB/T 4754 industry code (2 to 4 digits)",
    "hukou_city_code": "city code (4 digits)",
    "phone": "phone number",
    "id_number": "身份证 number (18 characters)",
}


@dataclass(frozen=True)
class KindSpec:
    """How the columns of one kind of file map onto its record."""

    model: type[BaseModel]
    key_fields: tuple[str, ...]
    columns: frozenset[str]
    list_fields: frozenset[str]
    bool_fields: frozenset[str]
    date_fields: frozenset[str]
    level_fields: dict[str, type[IntEnum]]


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        return inner[0] if len(inner) == 1 else annotation
    return annotation


def _spec(model: type[BaseModel], key_fields: tuple[str, ...]) -> KindSpec:
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = _strip_optional(info.annotation)
        if name in NESTED and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub_name, sub_info in annotation.model_fields.items():
                fields[f"{name}.{sub_name}"] = _strip_optional(sub_info.annotation)
        else:
            fields[name] = annotation
    return KindSpec(
        model=model,
        key_fields=key_fields,
        columns=frozenset(fields),
        list_fields=frozenset(n for n, t in fields.items() if get_origin(t) is tuple),
        bool_fields=frozenset(n for n, t in fields.items() if t is bool),
        date_fields=frozenset(n for n, t in fields.items() if t is date),
        level_fields={n: t for n, t in fields.items() if t in LEVEL_TYPES},
    )


@cache
def spec_for(kind: Kind) -> KindSpec:
    """The column rules for ``kind``."""
    if kind == "vacancies":
        return _spec(Vacancy, ("vacancy_id", "tenant_id"))  # ids are unique per tenant
    if kind == "candidates":
        return _spec(Candidate, ("candidate_id", "tenant_id"))
    if kind == "outcomes":
        fields = ("candidate_id", "vacancy_id", "event", "occurred_at", "tenant_id")
        return _spec(MatchOutcome, fields)
    raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")


class _CellError(ValueError):
    """A cell that can't even be handed to the record (unknown label, bad boolean)."""


def _level(value: Any, level_type: type[IntEnum]) -> Any:
    try:
        value = parse_level(value, level_type)
    except UnknownLevelError as error:
        raise _CellError(str(error)) from error
    if isinstance(value, float) and value.is_integer():  # Parquet/pandas write 2 as 2.0
        return int(value)
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise _CellError(f"{value.strip()!r} is not true or false (use true/false, 是/否)")
    return value


def _clean(name: str, value: Any, spec: KindSpec) -> Any:
    if name in spec.list_fields:
        if not isinstance(value, str | list | tuple):
            raise _CellError(f"{value!r} is not a list (separate items with ';')")
        parts = value.split(";") if isinstance(value, str) else list(value)
        return tuple(str(part).strip() for part in parts if str(part).strip())
    if name in spec.level_fields:
        return _level(value, spec.level_fields[name])
    if name in spec.bool_fields:
        return _boolean(value)
    if name in spec.date_fields and isinstance(value, str):
        match = _SLASH_DATE.match(value.strip())
        if match:
            return "-".join(part.zfill(2) for part in match.groups())
    return value


def _field_of(error: ErrorDetails, spec: KindSpec) -> str | None:
    location: list[str] = [part for part in error["loc"] if isinstance(part, str)]
    if location:
        name: str = location[0]
        return f"{name}.{location[1]}" if name in NESTED and len(location) > 1 else name
    # A model-level rule names its fields in the message ('base_salary_min must not ...').
    tokens: list[str] = re.findall(r"[a-z_]+", error["msg"])
    return next((token for token in tokens if token in spec.columns), None)


def _reason(error: ErrorDetails, field: str | None) -> str:
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    shown = repr(value)
    if kind == "missing":
        return "is required but missing"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not a valid {_FORMAT_HINTS.get((field or '').split('.')[-1], 'value')}"
    if kind.startswith("date_"):
        return f"{shown} is not a date (use YYYY-MM-DD)"
    if kind.startswith("datetime_"):
        return f"{shown} is not a date and time (use e.g. 2024-03-05T09:30:00+08:00)"
    if kind.startswith("int_"):
        return f"{shown} is not a whole number"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bound = next(iter(context.values()), "?")
        sign = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">"}
        return f"{shown} is out of range (must be {sign.get(kind, '<')} {bound})"
    if kind == "enum":
        return f"{shown} is not one of {context.get('expected', 'the allowed values')}"
    if kind == "string_too_long":
        return f"is longer than {context.get('max_length')} characters"
    if kind == "bool_parsing":
        return f"{shown} is not true or false"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def parse_row(row: RawRow, spec: KindSpec) -> tuple[BaseModel | None, list[RowError]]:
    """Validate one raw row into its record, or explain every fault found in it.

    Beyond the record schema, codes must exist in the taxonomies (:mod:`~data.ingest.checks`).
    """
    payload: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, value in row.values.items():
        if name not in spec.columns or is_missing(value):
            continue  # unknown columns are reported once per file, by the caller
        try:
            cleaned = _clean(name, value, spec)
        except _CellError as error:
            errors.append(RowError(row.line, name, str(error)))
            continue
        prefix, _, sub_name = name.partition(".")
        if sub_name:
            payload.setdefault(prefix, {})[sub_name] = cleaned
        else:
            payload[name] = cleaned
    record: BaseModel | None = None
    try:
        record = spec.model.model_validate(payload)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            field = _field_of(detail, spec)
            errors.append(RowError(row.line, field, _reason(detail, field)))
    faulty_fields = {error.field for error in errors}
    for field, reason in taxonomy_faults(spec.model, payload):
        if field not in faulty_fields:  # one complaint per cell is enough
            errors.append(RowError(row.line, field, reason))
    return (None, errors) if errors else (record, [])
