"""The review conversation: each reviewer message and assistant reply of a request, in order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_messages",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("action", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.request_id"],
            name=op.f("fk_review_messages_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_review_messages")),
        sa.UniqueConstraint("request_id", "position", name=op.f("uq_review_messages_request_id_position")),
    )
    op.create_index(op.f("ix_review_messages_request_id"), "review_messages", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_review_messages_request_id"), table_name="review_messages")
    op.drop_table("review_messages")
