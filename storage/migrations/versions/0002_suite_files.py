"""Store what a delivered suite needs besides its test functions: support files and per-test imports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("support_files", sa.JSON(), nullable=True))
    with op.batch_alter_table("test_cases") as batch:
        # Rows saved before this revision had their imports only in the run's checkpoint.
        batch.add_column(sa.Column("imports", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("test_cases") as batch:
        batch.drop_column("imports")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("support_files")
