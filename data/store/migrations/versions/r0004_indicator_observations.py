"""Indicator observations: planners' entered values of the plan indicators, with history.

Owned by ``data/store/indicators.py``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:10:14.549529
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_observations")),
        sa.UniqueConstraint(
            "indicator_id",
            "period",
            "entered_at",
            name=op.f("uq_indicator_observations_indicator_id_period_entered_at"),
        ),
    )


def downgrade() -> None:
    op.drop_table("indicator_observations")
