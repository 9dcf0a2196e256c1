"""Vacancies: where the occupation code came from (given/coded), its confidence, review flag.

Revision ID: 0013
Revises: 0004
Create Date: 2026-12-01 23:59:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vacancies") as batch:
        batch.add_column(sa.Column("occupation_code_source", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("occupation_confidence", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column(
                "occupation_needs_review", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("vacancies") as batch:
        batch.drop_column("occupation_needs_review")
        batch.drop_column("occupation_confidence")
        batch.drop_column("occupation_code_source")
