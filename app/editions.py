"""The *export an edition* use case: a stored edition rendered as a file, as planners get it.

One function for the three places that write an edition's file — the files written at
publication (:func:`app.publish.publish_catalogue`), the API's
``/catalogue/editions/{id}/export.{fmt}`` and a notebook's :func:`export_edition` — so that
each is the same bytes: the small-cell-suppressed entries
(:func:`models.catalogue.suppression.suppress_frame`, applied once, here), the edition's header
and the issuing body of the settings.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from sqlalchemy import Engine

from data.errors import NotFoundError
from data.settings import Settings, get_settings
from data.store import open_store, session_scope
from data.store.catalogue import EditionInfo, get_edition, read_entries_frame
from models.catalogue.render import edition_header, render_catalogue
from models.catalogue.suppression import suppress_frame

__all__ = ["ColumnHeaders", "export_edition", "render_edition"]

ColumnHeaders = Literal["zh", "en"]
"""CSV/XLSX column headers: 中文 labels or field names."""


def render_edition(
    entries: pd.DataFrame,
    info: EditionInfo,
    fmt: str,
    settings: Settings,
    *,
    headers: ColumnHeaders = "zh",
) -> bytes:
    """``entries`` (as stored) of edition ``info`` rendered in ``fmt``, small cells blanked."""
    published = suppress_frame(entries, settings.min_cell_size)
    header = {**edition_header(info), "issuing_body": settings.issuing_body, "headers": headers}
    return render_catalogue(published, header, fmt)


def export_edition(
    edition_id: int,
    fmt: str,
    *,
    db_url: str | Engine | None = None,
    settings: Settings | None = None,
    headers: ColumnHeaders = "zh",
) -> bytes:
    """Edition ``edition_id`` of the store rendered in ``fmt`` (json, csv, xlsx, html, pdf).

    Raises :class:`~data.errors.NotFoundError` (a ``LookupError``) for an unknown edition.
    """
    settings = settings or get_settings()
    with open_store(db_url) as engine, session_scope(engine) as session:
        info = get_edition(session, edition_id)
        if info is None:
            raise NotFoundError(f"no catalogue edition {edition_id}")
        entries = read_entries_frame(session, edition_id)
    return render_edition(entries, info, fmt, settings, headers=headers)
