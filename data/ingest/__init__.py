"""Importing vacancies, candidates and outcomes from files into the store.

:func:`ingest_file` reads CSV, JSON, JSON Lines or Parquet (by extension), validates every
row against :mod:`data.records` and the taxonomies, reports every bad row as a
:class:`RowError` (line, field, reason) and writes the good rows in one transaction.
Modules: :mod:`~data.ingest.readers` (file formats), :mod:`~data.ingest.rows` (cell
conventions, error wording), :mod:`~data.ingest.checks` (taxonomy codes),
:mod:`~data.ingest.core` (the import itself).
"""

from __future__ import annotations

from data.ingest.core import IngestReport, ingest_file
from data.ingest.readers import FORMATS, IngestFileError, RowError
from data.ingest.rows import KINDS, Kind

__all__ = ["FORMATS", "KINDS", "IngestFileError", "IngestReport", "Kind", "RowError", "ingest_file"]
