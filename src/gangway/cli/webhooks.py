"""``gangway webhooks``: list deliveries (e.g. the failed ones) and retry one."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.cli.common import run_in_transaction
from gangway.errors import AppError
from gangway.kit.ids import parse_uuid
from gangway.kit.timefmt import iso_millis
from gangway.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from gangway.services import Services


@click.group()
def webhooks() -> None:
    """Webhook deliveries: inspect and retry."""


@webhooks.command("deliveries")
@click.option("--failed", is_flag=True, help="Only deliveries that gave up (status failed).")
@click.option("--partner", "partner_id", default=None, help="Only this partner's deliveries.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def deliveries(failed: bool, partner_id: str | None, limit: int) -> None:
    """List the newest deliveries, one a line: id, status, attempts, event, URL, last error."""
    partner = None
    if partner_id is not None:
        partner = parse_uuid(partner_id)
        if partner is None:
            raise click.BadParameter("--partner must be a UUID")

    async def work(session: AsyncSession, services: Services):
        query = select(WebhookDelivery, WebhookEndpoint.url).join(
            WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id
        )
        if failed:
            query = query.where(WebhookDelivery.status == DeliveryStatus.failed)
        if partner is not None:
            query = query.where(WebhookDelivery.partner_id == partner)
        query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        return list((await session.execute(query.limit(limit))).all())

    rows = run_in_transaction(work)
    if not rows:
        click.echo("No deliveries.")
        return
    for delivery, url in rows:
        error = (delivery.last_error or "").replace("\n", " ")[:80]
        click.echo(
            f"{delivery.id}  {delivery.status:<9}  attempts={delivery.attempt_count}  "
            f"{iso_millis(delivery.created_at)}  {delivery.event_name:<32}  {url}  {error}"
        )


@webhooks.command("retry")
@click.argument("delivery_id")
def retry(delivery_id: str) -> None:
    """Queue DELIVERY_ID for an attempt now, with a fresh retry schedule."""
    from gangway.webhooks import service

    parsed = parse_uuid(delivery_id)
    if parsed is None:
        raise click.BadParameter("DELIVERY_ID must be a UUID")

    async def work(session: AsyncSession, services: Services):
        delivery = await session.get(WebhookDelivery, parsed)
        if delivery is None:
            raise click.ClickException(f"No delivery {delivery_id}.")
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None  # the foreign key cascades
        await service.requeue(session, endpoint, delivery, now=services.clock.now())

    try:
        run_in_transaction(work)
    except AppError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Queued {delivery_id}; a running worker sends it within its poll interval.")
