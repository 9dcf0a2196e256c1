"""Pydantic request/response models of the HTTP API (not the stored records of ``data``)."""

from service.schemas.common import FieldError, Page, PageParams, Problem

__all__ = ["FieldError", "Page", "PageParams", "Problem"]
