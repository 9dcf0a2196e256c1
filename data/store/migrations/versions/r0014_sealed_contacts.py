"""Candidates' contact data sealed at rest: wider columns, existing values encrypted.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:10:00

The columns become wide enough for :func:`data.store.sealing.seal` tokens, and every value
written before this revision is sealed in place with the configured key (in chunks, inside
the migration's transaction: all or nothing). Downgrade opens them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from data.store.sealing import PREFIX, seal, sealed_length, unseal

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"name": 50, "phone": 20, "id_number": 18, "email": 200}
CHUNK = 5_000


def _rewrite(transform: Callable[[str], str], wanted: str) -> None:
    table = sa.table("candidate_contacts", sa.column("candidate_id"), *map(sa.column, COLUMNS))
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.select(table)
            .where(table.c.candidate_id > last)
            .order_by(table.c.candidate_id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for row in rows:
            values = {
                name: transform(getattr(row, name))
                for name in COLUMNS
                if getattr(row, name) is not None
                and getattr(row, name).startswith(f"{PREFIX}:") == (wanted == "sealed")
            }
            if values:
                connection.execute(
                    table.update().where(table.c.candidate_id == row.candidate_id).values(values)
                )
        last = rows[-1].candidate_id


def upgrade() -> None:
    with op.batch_alter_table("candidate_contacts") as batch:
        for name, length in COLUMNS.items():
            batch.alter_column(
                name, type_=sa.String(sealed_length(length)), existing_type=sa.String(length)
            )
    _rewrite(seal, wanted="plain")


def downgrade() -> None:
    _rewrite(unseal, wanted="sealed")
    with op.batch_alter_table("candidate_contacts") as batch:
        for name, length in COLUMNS.items():
            batch.alter_column(
                name, type_=sa.String(length), existing_type=sa.String(sealed_length(length))
            )
