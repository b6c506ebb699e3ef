"""Webhook endpoints, the delivery outbox rows and the log of every attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import PortableJSON, enum_column
from gangway.models.base import Base, id_column


class EndpointStatus(StrEnum):
    enabled = "enabled"
    disabled = "disabled"


class DeliveryStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class WebhookEndpoint(Base):
    """A partner's receiver URL. The signing key is sealed with the server key (AES-GCM)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index("ix_webhook_endpoints_partner_created", "partner_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    # Event names this endpoint receives; empty means every event.
    events: Mapped[list[str]] = mapped_column(PortableJSON)
    status: Mapped[EndpointStatus] = enum_column(EndpointStatus, 16, default=EndpointStatus.enabled)
    # Why the endpoint was disabled: "partner", "gone" (410) or "failing" (5 days of failures).
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    secret_sealed: Mapped[str] = mapped_column(Text)
    # After a rotation the old key keeps signing (a second signature) until this moment.
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    # Start of the current run of failed attempts; cleared by any success.
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event for one endpoint: the outbox row the worker claims and retries.

    ``next_attempt_at`` is both the schedule and the lease: a claim moves it to the end of the
    lease, so a delivery whose worker died becomes due again by itself.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at", "id"),
        Index("ix_webhook_deliveries_event_id", "event_id"),
    )

    id: Mapped[uuid.UUID] = id_column()
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    event_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, 16, default=DeliveryStatus.pending)
    # Attempts in the current retry schedule (reset by a manual retry or recover).
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookAttempt(Base):
    """One HTTP try of a delivery, kept for the partner's deliveries log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_delivery_attempted", "delivery_id", "attempted_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
    # The first 1 KiB of the response body, decoded leniently.
    response_body: Mapped[str | None] = mapped_column(Text)
