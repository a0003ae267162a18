"""search columns, open tasks, append-only timeline on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def upgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("lawyer", sa.String(100), nullable=True))
        table.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("national_id_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("phone_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
    op.create_index("ix_cases_national_id_hash", "cases", ["national_id_hash"])
    op.create_index("ix_cases_phone_hash", "cases", ["phone_hash"])
    op.create_index("ix_cases_birth_date", "cases", ["birth_date"])
    op.create_index("ix_cases_name_key", "cases", ["name_key"])
    op.create_index("ix_cases_lawyer_opened_at", "cases", ["lawyer", "opened_at"])
    op.create_index("ix_cases_intake_by_opened_at", "cases", ["intake_by", "opened_at"])
    op.create_index("ix_case_event_type_at", "case_event", ["type", "at"])
    op.create_index("ix_case_event_actor_at", "case_event", ["actor", "at"])
    op.create_table(
        "case_need",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("need", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_need_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "need", name="pk_case_need"),
    )
    op.create_index("ix_case_need_need_case_id", "case_need", ["need", "case_id"])
    op.create_table(
        "case_task",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("target", sa.String(40), nullable=True),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_task_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_task"),
    )
    op.create_index("ix_case_task_case_id", "case_task", ["case_id"])
    op.create_index("ix_case_task_assignee_since", "case_task", ["assignee", "since"])
    op.create_index("ix_case_task_role_since", "case_task", ["role", "since"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
            "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON case_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION case_event_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_event_no_truncate ON case_event")
        op.execute("DROP TRIGGER case_event_append_only ON case_event")
        op.execute("DROP FUNCTION case_event_append_only()")
    op.drop_table("case_task")
    op.drop_table("case_need")
    op.drop_index("ix_case_event_actor_at", table_name="case_event")
    op.drop_index("ix_case_event_type_at", table_name="case_event")
    for name in (
        "ix_cases_intake_by_opened_at",
        "ix_cases_lawyer_opened_at",
        "ix_cases_name_key",
        "ix_cases_birth_date",
        "ix_cases_phone_hash",
        "ix_cases_national_id_hash",
    ):
        op.drop_index(name, table_name="cases")
    with op.batch_alter_table("cases") as table:
        for column in ("birth_date", "phone_hash", "national_id_hash", "name_key", "lawyer"):
            table.drop_column(column)
