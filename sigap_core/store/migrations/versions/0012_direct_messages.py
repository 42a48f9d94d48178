"""direct messages on the outbox: a direct flag, buttons and a WhatsApp template choice per message

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        # A direct message (a ticket notice, an officer's answer) goes whatever the announcement subscription.
        batch_op.add_column(sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.false()))
        # [[payload, label], ...]: inline keyboard on Telegram, reply buttons on WhatsApp inside the window.
        batch_op.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
        # Which WhatsApp template goes outside the 24-hour window ("" = the announcement template).
        batch_op.add_column(sa.Column("template", sa.String(length=160), nullable=False, server_default=""))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        # Reply-to: the broadcast of the message a chat replied to, by the chat and the platform's id.
        batch_op.create_index("ix_outbox_channel_user_key_platform_id", ["channel", "user_key", "platform_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_channel_user_key_platform_id")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_column("template")
        batch_op.drop_column("buttons")
        batch_op.drop_column("direct")
