"""one history: merge the feature branches; consent foreign keys; consent progress table

Until here every feature branched from 0001 (or 0003), so ``alembic heads`` printed four heads and
``alembic revision --autogenerate`` refused to run. This revision merges them into one line; every
later revision follows it.

It also gives the ``consent_id`` columns their foreign keys and moves the consent flows' progress
from ``flow_sessions.state`` (a JSON blob) into its own table. Flow sessions live two hours; a
consent flow that is open during the upgrade starts again at "Confirm it's you".

Revision ID: 0007
Revises: 0002, 0004, 0005, 0006
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = ("0002", "0004", "0005", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
CONSENT_COLUMNS = (
    ("onboarding_links", "CASCADE"),
    ("flow_sessions", "CASCADE"),
    ("documents", "SET NULL"),
)


def upgrade() -> None:
    # Rows pointing at a consent that no longer exists cannot get a foreign key.
    op.execute(
        "DELETE FROM onboarding_links WHERE consent_id IS NOT NULL "
        "AND consent_id NOT IN (SELECT id FROM consents)"
    )
    op.execute(
        "DELETE FROM flow_sessions WHERE consent_id IS NOT NULL "
        "AND consent_id NOT IN (SELECT id FROM consents)"
    )
    op.execute(
        "UPDATE documents SET consent_id = NULL WHERE consent_id IS NOT NULL "
        "AND consent_id NOT IN (SELECT id FROM consents)"
    )
    for table, on_delete in CONSENT_COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(
                f"fk_{table}_consent_id_consents",
                "consents",
                ["consent_id"],
                ["id"],
                ondelete=on_delete,
            )
    with op.batch_alter_table("flow_sessions") as batch_op:
        batch_op.drop_column("state")
    op.create_table(
        "consent_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flow_session_id", sa.Uuid(), nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("completed_steps", JSON, nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name="fk_consent_progress_consent_id_consents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_session_id"],
            ["flow_sessions.id"],
            name="fk_consent_progress_flow_session_id_flow_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consent_progress"),
        sa.UniqueConstraint("flow_session_id", name="uq_consent_progress_flow_session_id"),
    )


def downgrade() -> None:
    op.drop_table("consent_progress")
    with op.batch_alter_table("flow_sessions") as batch_op:
        batch_op.add_column(sa.Column("state", JSON, nullable=True))
    for table, _on_delete in reversed(CONSENT_COLUMNS):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_consent_id_consents", type_="foreignkey")
