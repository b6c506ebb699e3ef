"""status in every individual status event: IndividualActivated and IndividualBlocked payloads

Until here only ``IndividualOnboardingDataProvided`` carried ``status``; the payloads of the other
two status events gain it (their name says which: ``activated``, ``blocked``), so every stored
event matches its documented payload model. Events are immutable otherwise; nothing else changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
STATUS_OF = {"IndividualActivated": "activated", "IndividualBlocked": "blocked"}
BATCH = 1000

events = sa.table(
    "events",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("payload", JSON),
)


def upgrade() -> None:
    connection = op.get_bind()
    for name, status in STATUS_OF.items():
        last_id = None
        while True:
            query = sa.select(events.c.id, events.c.payload).where(events.c.name == name)
            if last_id is not None:
                query = query.where(events.c.id > last_id)
            rows = connection.execute(query.order_by(events.c.id).limit(BATCH)).all()
            if not rows:
                break
            for row_id, payload in rows:
                if "status" not in payload:
                    connection.execute(
                        events.update()
                        .where(events.c.id == row_id)
                        .values(payload={**payload, "status": status})
                    )
            last_id = rows[-1][0]


def downgrade() -> None:
    # The added field is harmless to older code; nothing to undo.
    pass
