"""tickets: citizens' questions to kelurahan staff, their messages, the notices that told staff

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kode_kelurahan", sa.String(length=13), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("assignee_staff_id", sa.Integer(), nullable=True),
        sa.Column("shared_status", sa.String(length=32), nullable=True),
        sa.Column("shared_nik_hmac", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.String(length=4), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
    )
    op.create_index("ix_ticket_channel_user_key_state", "ticket", ["channel", "user_key", "state"])
    op.create_index("ix_ticket_kode_kelurahan_state_created_at", "ticket", ["kode_kelurahan", "state", "created_at"])
    op.create_index("ix_ticket_state_due_at", "ticket", ["state", "due_at"])
    op.create_index("ix_ticket_state_escalate_at", "ticket", ["state", "escalate_at"])
    op.create_table(
        "ticket_message",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=8), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_message")),
    )
    op.create_index("ix_ticket_message_ticket_id_id", "ticket_message", ["ticket_id", "id"])
    op.create_table(
        "ticket_notice",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notice")),
        sa.UniqueConstraint("broadcast_id", name=op.f("uq_ticket_notice_broadcast_id")),
    )
    op.create_index(op.f("ix_ticket_notice_ticket_id"), "ticket_notice", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_notice_ticket_id"), table_name="ticket_notice")
    op.drop_table("ticket_notice")
    op.drop_index("ix_ticket_message_ticket_id_id", table_name="ticket_message")
    op.drop_table("ticket_message")
    op.drop_index("ix_ticket_state_escalate_at", table_name="ticket")
    op.drop_index("ix_ticket_state_due_at", table_name="ticket")
    op.drop_index("ix_ticket_kode_kelurahan_state_created_at", table_name="ticket")
    op.drop_index("ix_ticket_channel_user_key_state", table_name="ticket")
    op.drop_table("ticket")
