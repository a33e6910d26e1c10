"""Exports of a request's suite to GitHub or GitLab: where each went and what it left there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        # ExportProvider and ExportStatus values, as VARCHAR like requests.status.
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("repository", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("base", sa.String(length=255), nullable=True),
        sa.Column("branch", sa.String(length=255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("commit_sha", sa.String(length=64), nullable=True),
        sa.Column("tree_sha", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.request_id"],
            name=op.f("fk_exports_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", name=op.f("pk_exports")),
    )
    op.create_index(op.f("ix_exports_request_id"), "exports", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_exports_request_id"), table_name="exports")
    op.drop_table("exports")
