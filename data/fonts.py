"""The CJK font for charts and PDFs, found on disk and handed to matplotlib explicitly.

matplotlib ships only DejaVu, which has no Chinese glyphs: left alone it draws empty boxes
and warns ``Glyph ... missing from font(s) DejaVu Sans``. We never rely on font discovery
by family name alone; we look for the Noto CJK collection Debian's ``fonts-noto-cjk``
installs (``scripts/system_deps.sh``), register every face of the ``.ttc`` with matplotlib
and select the Simplified Chinese face ``Noto Sans CJK SC`` by name. PDF output embeds the
font as TrueType/CID (``pdf.fonttype = 42``) so Chinese stays extractable text.

Examples
--------
>>> import matplotlib
>>> with matplotlib.rc_context(cjk_rc_params()):
...     matplotlib.rcParams["pdf.fonttype"]
42
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from data.errors import UnavailableError

__all__ = [
    "CJK_FAMILY",
    "CJKFontNotFoundError",
    "cjk_rc_params",
    "configure_matplotlib",
    "find_cjk_font",
]

CJK_FAMILY = "Noto Sans CJK SC"
_FONT_ENV = "YUECAI_CJK_FONT"
# Debian/Ubuntu paths first, then other distributions' layouts of the same files.
_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
)
_SEARCH_ROOTS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts")


class CJKFontNotFoundError(UnavailableError, RuntimeError):
    """No Noto CJK font is installed (run ``make system-deps``)."""


@cache
def find_cjk_font() -> Path:
    """Path of the installed Noto Sans CJK font collection.

    ``YUECAI_CJK_FONT`` overrides the search. Raises :class:`CJKFontNotFoundError` when
    nothing is found, rather than letting charts silently render tofu.
    """
    override = os.environ.get(_FONT_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise CJKFontNotFoundError(f"{_FONT_ENV}={override} is not a file")
        return path
    for candidate in _CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    for root in _SEARCH_ROOTS:
        found = sorted(Path(root).glob("**/NotoSansCJK*-Regular.*")) if Path(root).is_dir() else []
        if found:
            return found[0]
    raise CJKFontNotFoundError(
        "Noto Sans CJK not found; install Debian's fonts-noto-cjk (make system-deps)"
    )


@cache
def _register_font() -> str:
    from matplotlib import font_manager

    path = find_cjk_font()
    # addfont registers every face of a .ttc collection (JP, KR, SC, TC, HK).
    font_manager.fontManager.addfont(str(path))
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    if CJK_FAMILY in names:
        return CJK_FAMILY
    return font_manager.FontProperties(fname=str(path)).get_name()


def cjk_rc_params() -> dict[Any, Any]:
    """rcParams selecting the CJK font (registering it first) for ``matplotlib.rc_context``."""
    family = _register_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,  # U+2212 is not in every face; plain '-' always is
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
    }


def configure_matplotlib() -> str:
    """Apply :func:`cjk_rc_params` globally and return the font family name in use."""
    import matplotlib

    params = cjk_rc_params()
    matplotlib.rcParams.update(params)
    return str(params["font.sans-serif"][0])
