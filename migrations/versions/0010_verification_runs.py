"""verification runs: the identity-verification engine's reports

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "verification_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("report", JSON, nullable=True),
        sa.Column(
            "attachments_sealed",
            sa.LargeBinary().with_variant(postgresql.BYTEA(), "postgresql"),
            nullable=True,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name="fk_verification_runs_consent_id_consents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["individual_id"],
            ["individuals.id"],
            name="fk_verification_runs_individual_id_individuals",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_verification_runs_partner_id_partners",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["onboarding_submissions.id"],
            name="fk_verification_runs_submission_id_onboarding_submissions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_verification_runs"),
    )
    op.create_index(
        "ix_verification_runs_status_next_attempt",
        "verification_runs",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_verification_runs_individual_created",
        "verification_runs",
        ["individual_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_verification_runs_individual_created", table_name="verification_runs")
    op.drop_index("ix_verification_runs_status_next_attempt", table_name="verification_runs")
    op.drop_table("verification_runs")
