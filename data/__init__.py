"""YueCai data layer: vendored taxonomies, record schemas, the store and loaders.

This package imports none of ``models``, ``training`` or ``service``.
"""
