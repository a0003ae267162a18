"""account changes and sign-in: the account log, two-person requests, sign-in failures

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

The account log is append-only like the case timeline: on PostgreSQL a trigger refuses
updates, deletes and truncation of its rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION account_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'account_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def upgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        table.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("last_signed_in_at", UtcDateTime(), nullable=True))
    op.create_table(
        "account_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_account_event"),
    )
    op.create_index("ix_account_event_centre_id", "account_event", ["centre", "id"])
    op.create_index("ix_account_event_username_id", "account_event", ["username", "id"])
    op.create_table(
        "account_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_account_request"),
    )
    op.create_index(
        "ix_account_request_centre_decided_at", "account_request", ["centre", "decided_at"]
    )
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failure"),
    )
    op.create_index(
        "ix_sign_in_failure_address_username_at",
        "sign_in_failure",
        ["address", "username", "at"],
    )
    op.create_index("ix_sign_in_failure_at", "sign_in_failure", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER account_event_append_only BEFORE UPDATE OR DELETE ON account_event "
            "FOR EACH ROW EXECUTE FUNCTION account_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER account_event_no_truncate BEFORE TRUNCATE ON account_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION account_event_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER account_event_no_truncate ON account_event")
        op.execute("DROP TRIGGER account_event_append_only ON account_event")
        op.execute("DROP FUNCTION account_event_append_only()")
    op.drop_table("sign_in_failure")
    op.drop_table("account_request")
    op.drop_table("account_event")
    with op.batch_alter_table("users") as table:
        table.drop_column("last_signed_in_at")
        table.drop_column("demo")
        table.drop_column("must_change_password")
