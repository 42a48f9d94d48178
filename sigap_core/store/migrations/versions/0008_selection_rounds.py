"""selection rounds, entries and lifecycle notices

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "selection_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_by", sa.String(length=96), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("registry_sha256", sa.String(length=64), nullable=False),
        sa.Column("registry_rows", sa.Integer(), nullable=False),
        sa.Column("key_check", sa.LargeBinary(length=32), nullable=False),
        sa.Column("waiting_fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_round")),
    )
    op.create_table(
        "selection_entry",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nik_hmac", sa.LargeBinary(length=32), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=False),
        sa.Column("kode_kelurahan", sa.String(length=13), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("name_masked", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_entry")),
    )
    op.create_index("ix_selection_entry_nik_hmac_round_id", "selection_entry", ["nik_hmac", "round_id"])
    op.create_index("ix_selection_entry_round_id_outcome_rank", "selection_entry", ["round_id", "outcome", "rank"])
    op.create_table(
        "lifecycle_notice",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("nik_hmac", sa.LargeBinary(length=32), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_notice")),
        sa.UniqueConstraint("event", "period", "nik_hmac", name=op.f("uq_lifecycle_notice_event_period_nik_hmac")),
    )


def downgrade() -> None:
    op.drop_table("lifecycle_notice")
    op.drop_index("ix_selection_entry_round_id_outcome_rank", table_name="selection_entry")
    op.drop_index("ix_selection_entry_nik_hmac_round_id", table_name="selection_entry")
    op.drop_table("selection_entry")
    op.drop_table("selection_round")
