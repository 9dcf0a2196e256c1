"""Seeded synthetic demo data: vacancies, candidates and match outcomes for Guangdong.

No real Chinese candidate data is public, so the demo, the forecasters and the matcher train
on this. ``generate(GeneratorConfig())`` returns three DataFrames whose columns are the fields
of :mod:`data.records`; ``write`` saves them in the import format of ``yuecai ingest``.
Every distribution and calibration anchor is documented in ``data/generator/README.md``.
"""

from data.generator.config import PRESETS, GeneratedData, GeneratorConfig, preset
from data.generator.core import generate, generate_chunks, latent_of
from data.generator.io import to_records, write, write_chunked

__all__ = [
    "PRESETS",
    "GeneratedData",
    "GeneratorConfig",
    "generate",
    "generate_chunks",
    "latent_of",
    "preset",
    "to_records",
    "write",
    "write_chunked",
]
