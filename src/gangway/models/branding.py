from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.models.base import Base


class PartnerBranding(Base):
    """How a partner's hosted flow looks: one row per partner, absent until first set.

    Every column may be ``NULL`` (that part is not branded: the partner's name, Gangway's colour,
    no logo, no support line). The logo's bytes are loaded only where they are served
    (``undefer``); every other read raises rather than load them by accident.
    """

    __tablename__ = "partner_brandings"

    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str | None] = mapped_column(String(80))
    primary_color: Mapped[str | None] = mapped_column(String(7))
    support_email: Mapped[str | None] = mapped_column(String(320))
    support_phone: Mapped[str | None] = mapped_column(String(20))
    support_url: Mapped[str | None] = mapped_column(String(2048))
    logo_png: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, deferred_raiseload=True
    )
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    logo_width: Mapped[int | None] = mapped_column(Integer)
    logo_height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
