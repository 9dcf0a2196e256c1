"""The formats a catalogue edition can be exported to.

The API's ``format`` query parameter, the CLI's ``--format`` choices, the renderer's dispatch
and publication's files on disk all use this one list; it used to be written out three times.

>>> EXPORT_FORMATS
('json', 'csv', 'xlsx', 'html', 'pdf')
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["EXPORT_FORMATS", "ExportFormat"]

ExportFormat = Literal["json", "csv", "xlsx", "html", "pdf"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
