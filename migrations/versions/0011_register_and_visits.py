"""register and visits: the people the centre serves, holiday visit campaigns, visits

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.db import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "register_person": {
        "ix_register_person_centre_name_key": ["centre", "name_key", "id"],
        "ix_register_person_centre_category": ["centre", "category"],
        "ix_register_person_centre_township": ["centre", "township"],
        "ix_register_person_centre_birth_date": ["centre", "birth_date"],
        "ix_register_person_centre_national_id_hash": ["centre", "national_id_hash"],
        "ix_register_person_centre_phone_hash": ["centre", "phone_hash"],
    },
    "register_journal": {
        "ix_register_journal_centre_at": ["centre", "at"],
        "ix_register_journal_person_id_at": ["person_id", "at"],
    },
    "campaign": {"ix_campaign_centre_holiday": ["centre", "holiday"]},
    "campaign_visit": {
        "ix_campaign_visit_campaign_id_assignee": ["campaign_id", "assignee"],
        "ix_campaign_visit_person_id": ["person_id"],
    },
    "visit": {
        "ix_visit_campaign_id_person_id": ["campaign_id", "person_id"],
        "ix_visit_person_id": ["person_id"],
    },
}


def upgrade() -> None:
    op.create_table(
        "register_person",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("township", sa.String(100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("in_difficulty", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("elderly_alone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("national_id_hash", sa.String(64), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("personal", sa.Text(), nullable=True),
        sa.Column("wrapped_key", sa.Text(), nullable=True),
        sa.Column("master_key_id", sa.String(40), nullable=True),
        sa.Column("import_id", sa.String(36), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("erased_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_register_person"),
    )
    op.create_table(
        "register_journal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("subject", sa.String(100), nullable=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register_journal"),
    )
    op.create_table(
        "register_township",
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("township", sa.String(100), nullable=False),
        sa.Column("staff", sa.String(100), nullable=False),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        sa.Column("assigned_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("centre", "township", name="pk_register_township"),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("centre", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("series", sa.String(40), nullable=True),
        sa.Column("holiday", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("selection_done_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_campaign"),
        sa.UniqueConstraint(
            "centre", "series", "holiday", name="uq_campaign_centre_series_holiday"
        ),
    )
    op.create_table(
        "campaign_visit",
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("township", sa.String(100), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("level", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name="fk_campaign_visit_campaign_id_campaign"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["register_person.id"],
            name="fk_campaign_visit_person_id_register_person",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "person_id", name="pk_campaign_visit"),
    )  # fmt: skip
    op.create_table(
        "campaign_notice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name="fk_campaign_notice_campaign_id_campaign"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_notice"),
        sa.UniqueConstraint(
            "campaign_id", "rung", "recipient", name="uq_campaign_notice_campaign_id"
        ),
    )
    op.create_table(
        "visit",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("visitors", sa.JSON(), nullable=False),
        sa.Column("leaders", sa.JSON(), nullable=False),
        sa.Column("cash_cents", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("goods", sa.JSON(), nullable=False),
        sa.Column("goods_cents", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name="fk_visit_campaign_id_campaign"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["register_person.id"], name="fk_visit_person_id_register_person"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_visit"),
    )
    for table, indexes in INDEXES.items():
        for name, columns in indexes.items():
            op.create_index(name, table, columns)


def downgrade() -> None:
    for table, indexes in reversed(INDEXES.items()):
        for name in indexes:
            op.drop_index(name, table_name=table)
    for table in ("visit", "campaign_notice", "campaign_visit", "campaign",
                  "register_township", "register_journal", "register_person"):  # fmt: skip
        op.drop_table(table)
