from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Double, Index, Integer, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from gangway.models.base import Base

# PostgreSQL keeps the failure times as an array (the statements of gangway.db.shared_limits
# filter it in SQL); SQLite never uses the table.
TIMES = JSON().with_variant(postgresql.ARRAY(Double()), "postgresql")


class SharedLimit(Base):
    """The counts of one rate-limit key, shared by every process (PostgreSQL without Redis).

    Written only by ``gangway.db.shared_limits``, one atomic statement at a time, each outside
    the request's transaction. UNLOGGED on PostgreSQL: no WAL, and a crash empties the table,
    which only forgets some counts. Each limiter uses some of the columns; times are seconds
    since the epoch on the database server's clock. Rows past ``expires_at`` are purged hourly.
    """

    __tablename__ = "shared_limits"
    # UNLOGGED comes from the migration (SQLAlchemy has no per-dialect table prefix).
    __table_args__ = (Index("ix_shared_limits_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    # Token bucket: the tokens left, and whether the last take (or window entry) counted.
    tokens: Mapped[float | None] = mapped_column(Double())
    granted: Mapped[bool | None] = mapped_column(Boolean())
    # Progressive delay: failures since the last success.
    consecutive: Mapped[int | None] = mapped_column(Integer())
    # The bucket's last refill, or the last failure.
    last_at: Mapped[float | None] = mapped_column(Double())
    # Sliding window / recent failures, oldest first.
    times: Mapped[list[float] | None] = mapped_column(TIMES)
    expires_at: Mapped[datetime]
