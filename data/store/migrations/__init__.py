"""Alembic migration scripts for :mod:`data.store` (driven from :mod:`data.store.migrate`)."""
