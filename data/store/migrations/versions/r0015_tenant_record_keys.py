"""Record ids unique per tenant: natural keys ``(tenant_id, vacancy_id|candidate_id)``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:30:00

Before this revision a vacancy or candidate id was unique across all tenants, so one
platform's create could collide with (and so reveal) another platform's id. Now:

* ``vacancies`` / ``candidates``: ``UNIQUE (tenant_id, <id>)`` replaces ``UNIQUE (<id>)``;
* ``candidate_contacts`` / ``candidate_protected`` gain ``tenant_id`` (filled from their
  candidate), their primary key becomes ``(tenant_id, candidate_id)``, and their foreign key
  ``(tenant_id, candidate_id)`` (still ``ON DELETE CASCADE``);
* ``match_outcomes``: both foreign keys go through the outcome's ``tenant_id`` (an outcome
  lives in one tenant with both its ends; ``tenant_id`` is set from the candidate's), and
  the natural key gains ``tenant_id``;
* ``record_changes.record_id`` becomes ``record_key`` (:func:`data.records.record_key`,
  ``<tenant>/<id>``; old rows get the record's current tenant, or ``public`` if deleted).

Order matters on SQLite, where batch mode recreates a table (copy, drop, rename) and the
store's connections enforce foreign keys: dropping a parent still referenced would cascade
its children away. So the children drop their foreign keys first, the parents change, and
the children take their new keys last. Downgrade refuses (clearly, changing nothing) while
an id is used by more than one tenant, since the old schema cannot hold that.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = ("candidate_contacts", "candidate_protected")
PARENTS = {"vacancies": "vacancy_id", "candidates": "candidate_id"}
OLD_OUTCOME_KEY = "uq_match_outcomes_candidate_id_vacancy_id_event_occurred_at"
NEW_OUTCOME_KEY = "uq_match_outcomes_natural_key"
OUTCOME_FIELDS = ["candidate_id", "vacancy_id", "event", "occurred_at"]


def _fk(child: str, parent: str) -> tuple[str, list[str], list[str]]:
    """Name, local and remote columns of ``child``'s composite key to ``parent``."""
    column = PARENTS[parent]
    return f"fk_{child}_tenant_id_{parent}", ["tenant_id", column], ["tenant_id", column]


def _refuse(connection: sa.Connection, query: str, reason: str) -> None:
    count = connection.execute(sa.text(query)).scalar()
    if count:
        raise RuntimeError(f"migration 0015: {count} {reason}; nothing was changed")


def upgrade() -> None:
    connection = op.get_bind()
    _refuse(
        connection,
        "SELECT count(*) FROM match_outcomes o JOIN candidates c ON c.candidate_id ="
        " o.candidate_id JOIN vacancies v ON v.vacancy_id = o.vacancy_id"
        " WHERE c.tenant_id <> v.tenant_id",
        "outcome(s) join a candidate and a vacancy of different tenants",
    )
    # 1. Children let go of the parents (and personal rows get their tenant column).
    for table in PERSONAL:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_candidate_id_candidates", type_="foreignkey")
            batch.add_column(sa.Column("tenant_id", sa.String(length=64), nullable=True))
        op.execute(
            f"UPDATE {table} SET tenant_id = (SELECT c.tenant_id FROM candidates c"  # noqa: S608
            f" WHERE c.candidate_id = {table}.candidate_id)"
        )
    with op.batch_alter_table("match_outcomes") as batch:
        batch.drop_constraint("fk_match_outcomes_candidate_id_candidates", type_="foreignkey")
        batch.drop_constraint("fk_match_outcomes_vacancy_id_vacancies", type_="foreignkey")
        batch.drop_constraint(OLD_OUTCOME_KEY, type_="unique")
    op.execute(
        "UPDATE match_outcomes SET tenant_id = (SELECT c.tenant_id FROM candidates c"
        " WHERE c.candidate_id = match_outcomes.candidate_id)"
    )
    # 2. Parents: unique per tenant.
    for table, column in PARENTS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_{column}", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_tenant_id_{column}", ["tenant_id", column])
    # 3. Children take their tenant-qualified keys.
    for table in PERSONAL:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("tenant_id", existing_type=sa.String(length=64), nullable=False)
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["tenant_id", "candidate_id"])
            name, local, remote = _fk(table, "candidates")
            batch.create_foreign_key(name, "candidates", local, remote, ondelete="CASCADE")
    with op.batch_alter_table("match_outcomes") as batch:
        batch.create_unique_constraint(NEW_OUTCOME_KEY, ["tenant_id", *OUTCOME_FIELDS])
        for parent in ("candidates", "vacancies"):
            name, local, remote = _fk("match_outcomes", parent)
            batch.create_foreign_key(name, parent, local, remote, ondelete="CASCADE")
    # 4. The change log names records by tenant-qualified key.
    with op.batch_alter_table("record_changes") as batch:
        batch.add_column(sa.Column("record_key", sa.String(length=129), nullable=True))
    for side, column in PARENTS.items():
        op.execute(
            "UPDATE record_changes SET record_key = COALESCE((SELECT p.tenant_id FROM"  # noqa: S608
            f" {side} p WHERE p.{column} = record_changes.record_id), 'public')"
            f" || '/' || record_id WHERE side = '{side}'"
        )
    with op.batch_alter_table("record_changes") as batch:
        batch.alter_column("record_key", existing_type=sa.String(length=129), nullable=False)
        batch.drop_column("record_id")


def downgrade() -> None:
    connection = op.get_bind()
    for table, column in PARENTS.items():
        _refuse(
            connection,
            f"SELECT count(*) FROM (SELECT {column} FROM {table} GROUP BY {column}"  # noqa: S608
            " HAVING count(*) > 1) AS shared",
            f"{column}(s) are used by more than one tenant (the old schema cannot hold them)",
        )
    # The change log back to plain ids (the part after the tenant).
    with op.batch_alter_table("record_changes") as batch:
        batch.add_column(sa.Column("record_id", sa.String(length=64), nullable=True))
    changes = sa.table("record_changes", sa.column("seq"), sa.column("record_key"))
    rows = connection.execute(sa.select(changes.c.seq, changes.c.record_key)).all()
    if rows:
        target = sa.table("record_changes", sa.column("seq"), sa.column("record_id"))
        connection.execute(
            target.update().where(target.c.seq == sa.bindparam("seq_")),
            [{"seq_": seq, "record_id": key.partition("/")[2]} for seq, key in rows],
        )
    with op.batch_alter_table("record_changes") as batch:
        batch.alter_column("record_id", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("record_key")
    # Children let go of the tenant-qualified keys.
    with op.batch_alter_table("match_outcomes") as batch:
        for parent in ("candidates", "vacancies"):
            batch.drop_constraint(_fk("match_outcomes", parent)[0], type_="foreignkey")
        batch.drop_constraint(NEW_OUTCOME_KEY, type_="unique")
    for table in PERSONAL:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(_fk(table, "candidates")[0], type_="foreignkey")
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["candidate_id"])
            batch.drop_column("tenant_id")
    # Parents: unique across tenants again.
    for table, column in PARENTS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_tenant_id_{column}", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_{column}", [column])
    # Children reference the plain ids again.
    for table in PERSONAL:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                f"fk_{table}_candidate_id_candidates",
                "candidates",
                ["candidate_id"],
                ["candidate_id"],
                ondelete="CASCADE",
            )
    with op.batch_alter_table("match_outcomes") as batch:
        batch.create_unique_constraint(OLD_OUTCOME_KEY, OUTCOME_FIELDS)
        batch.create_foreign_key(
            "fk_match_outcomes_candidate_id_candidates",
            "candidates",
            ["candidate_id"],
            ["candidate_id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            "fk_match_outcomes_vacancy_id_vacancies",
            "vacancies",
            ["vacancy_id"],
            ["vacancy_id"],
            ondelete="CASCADE",
        )
