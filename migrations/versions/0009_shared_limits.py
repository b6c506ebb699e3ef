"""shared limits: the rate-limit counts every process shares (PostgreSQL without Redis)

UNLOGGED on PostgreSQL (no WAL; a crash empties it, which only forgets counts). The table exists
on SQLite too, so that one schema serves both, but nothing writes it there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_limits",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=True),
        sa.Column("granted", sa.Boolean(), nullable=True),
        sa.Column("consecutive", sa.Integer(), nullable=True),
        sa.Column("last_at", sa.Double(), nullable=True),
        sa.Column(
            "times",
            sa.JSON().with_variant(postgresql.ARRAY(sa.Double()), "postgresql"),
            nullable=True,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_shared_limits")),
        prefixes=["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else [],
    )
    with op.batch_alter_table("shared_limits", schema=None) as batch_op:
        batch_op.create_index("ix_shared_limits_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shared_limits", schema=None) as batch_op:
        batch_op.drop_index("ix_shared_limits_expires_at")
    op.drop_table("shared_limits")
