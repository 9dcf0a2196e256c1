"""Initial schema: vacancies, candidates (+ contacts, protected) and match outcomes.

Revision ID: 0001
Revises: None
Create Date: 2026-11-25 10:43:02.987651
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("city_code", sa.String(length=4), nullable=False),
        sa.Column("desired_city_codes", sa.JSON(), nullable=False),
        sa.Column("willing_gba", sa.Boolean(), nullable=False),
        sa.Column("desired_occupation_codes", sa.JSON(), nullable=False),
        sa.Column("current_occupation_code", sa.String(length=10), nullable=True),
        sa.Column("industry_code", sa.String(length=4), nullable=True),
        sa.Column("education", sa.SmallInteger(), nullable=True),
        sa.Column("skill_level", sa.SmallInteger(), nullable=False),
        sa.Column("title_level", sa.SmallInteger(), nullable=False),
        sa.Column("experience_years", sa.Integer(), nullable=False),
        sa.Column("certificates", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("expected_salary_min", sa.Integer(), nullable=True),
        sa.Column("expected_salary_max", sa.Integer(), nullable=True),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("resume_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_candidates_candidate_id")),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidates_city_code"), ["city_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_candidates_current_occupation_code"),
            ["current_occupation_code"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_candidates_registered_on"), ["registered_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_candidates_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "vacancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("employer_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occupation_code", sa.String(length=10), nullable=True),
        sa.Column("industry_code", sa.String(length=4), nullable=True),
        sa.Column("city_code", sa.String(length=4), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("date_posted", sa.Date(), nullable=False),
        sa.Column("valid_through", sa.Date(), nullable=True),
        sa.Column("date_closed", sa.Date(), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("base_salary_min", sa.Integer(), nullable=True),
        sa.Column("base_salary_max", sa.Integer(), nullable=True),
        sa.Column("education_requirement", sa.SmallInteger(), nullable=True),
        sa.Column("skill_level_requirement", sa.SmallInteger(), nullable=True),
        sa.Column("title_level_requirement", sa.SmallInteger(), nullable=True),
        sa.Column("experience_years_min", sa.Integer(), nullable=False),
        sa.Column("required_certificates", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("gba_scope", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancies")),
        sa.UniqueConstraint("vacancy_id", name=op.f("uq_vacancies_vacancy_id")),
    )
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancies_city_code"), ["city_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_vacancies_date_posted"), ["date_posted"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vacancies_occupation_code"), ["occupation_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vacancies_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "candidate_contacts",
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.candidate_id"],
            name=op.f("fk_candidate_contacts_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidate_contacts")),
    )
    op.create_table(
        "candidate_protected",
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("ethnicity", sa.String(length=20), nullable=True),
        sa.Column("marital_status", sa.String(length=20), nullable=True),
        sa.Column("hukou_city_code", sa.String(length=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.candidate_id"],
            name=op.f("fk_candidate_protected_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidate_protected")),
    )
    op.create_table(
        "match_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("vacancy_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.candidate_id"],
            name=op.f("fk_match_outcomes_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.vacancy_id"],
            name=op.f("fk_match_outcomes_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_outcomes")),
        sa.UniqueConstraint(
            "candidate_id",
            "vacancy_id",
            "event",
            "occurred_at",
            name=op.f("uq_match_outcomes_candidate_id_vacancy_id_event_occurred_at"),
        ),
    )
    with op.batch_alter_table("match_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_outcomes_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_match_outcomes_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_match_outcomes_vacancy_id"), ["vacancy_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("match_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_outcomes_vacancy_id"))
        batch_op.drop_index(batch_op.f("ix_match_outcomes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_match_outcomes_occurred_at"))

    op.drop_table("match_outcomes")
    op.drop_table("candidate_protected")
    op.drop_table("candidate_contacts")
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancies_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_vacancies_occupation_code"))
        batch_op.drop_index(batch_op.f("ix_vacancies_date_posted"))
        batch_op.drop_index(batch_op.f("ix_vacancies_city_code"))

    op.drop_table("vacancies")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_candidates_registered_on"))
        batch_op.drop_index(batch_op.f("ix_candidates_current_occupation_code"))
        batch_op.drop_index(batch_op.f("ix_candidates_city_code"))

    op.drop_table("candidates")
