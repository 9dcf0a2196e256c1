"""OpenAPI that tells the truth about errors: problem+json, not FastAPI's default 422 body.

FastAPI documents every 422 as ``HTTPValidationError`` (``{"detail": [...]}``), but this
service answers with RFC 9457 problems. :class:`YueCaiAPI` rewrites those responses once, when
the schema is first built, and adds the ``Problem`` schema so that routes can document their
own errors with :func:`problem_responses`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from service.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from service.schemas.common import Problem

__all__ = ["YueCaiAPI", "document_problems", "problem_responses"]

_REF_TEMPLATE = "#/components/schemas/{model}"
PROBLEM_REF = _REF_TEMPLATE.format(model="Problem")
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_TITLES: dict[int, str] = {}
for _problem_type in PROBLEM_TYPES:
    _TITLES.setdefault(_problem_type.status, _problem_type.title)


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting that a route may answer these problem statuses.

    Examples
    --------
    >>> sorted(problem_responses(404, 409))
    [404, 409]
    """
    return {
        status: {"description": _TITLES.get(status, "Error"), "content": _problem_content()}
        for status in statuses
    }


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Point every 422 at ``Problem`` (as problem+json) and add the ``Problem`` schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template=_REF_TEMPLATE)
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            if "422" in responses:
                responses["422"] = {"description": "Invalid input", "content": _problem_content()}
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if _REF_TEMPLATE.format(model=name) not in json.dumps(schema.get("paths", {})):
            components.pop(name, None)
    return schema


class YueCaiAPI(FastAPI):
    """FastAPI whose OpenAPI document describes problem+json error bodies."""

    def openapi(self) -> dict[str, Any]:
        """Build (once) and return the OpenAPI document."""
        if self.openapi_schema is None:
            self.openapi_schema = document_problems(super().openapi())
        return self.openapi_schema
