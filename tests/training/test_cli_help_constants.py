"""The CLI spells a few constants out so `yuecai --help` starts without pandas; keep them true.

Also: the city/industry labels of forecast series (city codes are also GB/T 4754 codes).
"""

from __future__ import annotations

import subprocess
import sys

from app.forecasting.hierarchies import series_labels
from data.generator import GeneratorConfig
from data.store.keys import ROLES
from models.catalogue.render import EXPORT_FORMATS
from training.commands import catalogue, generate, keys


def test_copied_constants_match_their_sources() -> None:
    assert generate.DEFAULT_SEED == GeneratorConfig().seed
    assert keys.ROLES_HELP == ", ".join(ROLES)
    assert catalogue._FORMATS_HELP == ", ".join(EXPORT_FORMATS)


def test_cli_import_stays_light() -> None:
    code = "import sys, training.cli; print(sorted(m for m in ('pandas', 'sklearn', "
    code += "'scipy', 'matplotlib', 'statsmodels', 'dask') if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_city_codes_are_named_as_cities_not_industries() -> None:
    labels = series_labels(["4419/39", "4413/C", "4412", "一核/39"], "industry")
    assert labels["4419/39"] == "东莞市 · 计算机、通信和其他电子设备制造业"
    assert labels["4413/C"] == "惠州市 · 制造业"
    assert labels["4412"] == "肇庆市"
