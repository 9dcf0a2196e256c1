"""Alembic revisions, oldest first; Alembic itself skips this ``__init__``."""
