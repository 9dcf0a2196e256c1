"""Loaders for vendored real-world panels (long format ``unique_id, ds, y``)."""

from data.loaders.au_ivi import load_au_ivi

__all__ = ["load_au_ivi"]
