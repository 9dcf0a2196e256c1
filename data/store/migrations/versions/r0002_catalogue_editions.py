"""Catalogue editions and entries, immutable (triggers reject UPDATE/DELETE).

Owned by ``data/store/catalogue.py``. The trigger SQL is copied here on purpose: a revision
must not import moving application code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:47:41.771007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("catalogue_editions", "catalogue_entries")


def _create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in _TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_immutable_{verb.lower()} BEFORE {verb} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'catalogue editions are immutable'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION catalogue_reject_change() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'catalogue editions are immutable'; END $$ LANGUAGE plpgsql"
        )
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION catalogue_reject_change()"
            )


def _drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in _TABLES:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable_{verb}")
    elif dialect == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
        op.execute("DROP FUNCTION IF EXISTS catalogue_reject_change()")


def upgrade() -> None:
    op.create_table(
        "catalogue_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_editions")),
        sa.UniqueConstraint(
            "period", "revision", name=op.f("uq_catalogue_editions_period_revision")
        ),
    )
    with op.batch_alter_table("catalogue_editions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalogue_editions_period"), ["period"], unique=False)

    op.create_table(
        "catalogue_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=24), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("city_code", sa.String(length=4), nullable=False),
        sa.Column("zone", sa.String(length=4), nullable=True),
        sa.Column("industry_code", sa.String(length=4), nullable=False),
        sa.Column("occupation_code", sa.String(length=10), nullable=False),
        sa.Column("shortage_index", sa.Float(), nullable=False),
        sa.Column("stars", sa.SmallInteger(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["catalogue_editions.id"],
            name=op.f("fk_catalogue_entries_edition_id_catalogue_editions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entries")),
        sa.UniqueConstraint(
            "edition_id", "entry_key", name=op.f("uq_catalogue_entries_edition_id_entry_key")
        ),
    )
    with op.batch_alter_table("catalogue_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_entries_city_code"), ["city_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalogue_entries_edition_id"), ["edition_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalogue_entries_occupation_code"), ["occupation_code"], unique=False
        )
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("catalogue_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_occupation_code"))
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_edition_id"))
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_city_code"))

    op.drop_table("catalogue_entries")
    with op.batch_alter_table("catalogue_editions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_editions_period"))

    op.drop_table("catalogue_editions")
