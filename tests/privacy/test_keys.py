"""Key rotation: every data key re-wrapped under a new KEK, resumable, old KEK retired."""

from __future__ import annotations

from typing import Any

import pytest

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import KeyEncryptionKey
from gangway.privacy import keys
from gangway.privacy.keys import KeyInUse
from gangway.services import Services
from tests.conftest import PartnerHandle, create_individual


async def kek_counts(services: Services) -> dict[str, int]:
    async with services.read_sessions() as session:
        return {row.kid: row.data_keys for row in await keys.status(session)}


async def test_rotation_interrupted_half_way_resumes_and_the_old_key_is_retired(
    services: Services, partner: PartnerHandle, clock: FrozenClock
) -> None:
    people: list[dict[str, Any]] = [await create_individual(partner) for _ in range(7)]
    before = await kek_counts(services)
    old = [kid for kid, count in before.items() if count]
    async with transaction(services.sessions) as session:
        new_kid = await keys.start_rotation(session, services.keyring, clock.now())
    # One batch of 3, then "the process dies".
    async with transaction(services.sessions) as session:
        target = await session.get(KeyEncryptionKey, new_kid)
        assert target is not None
        assert await keys.rewrap_batch(session, services.keyring, target, batch=3) == 3
    half = await kek_counts(services)
    assert half[new_kid] == 3
    # Every individual still reads, whichever KEK wraps its key.
    for person in people:
        assert (await partner.http.get(f"/v3/individuals/{person['id']}")).json()["email"]
    # A new individual created mid-rotation gets the new KEK.
    late = await create_individual(partner)
    with pytest.raises(KeyInUse):
        async with transaction(services.sessions) as session:
            await keys.retire(session, old[0])
    # Resume: continue until nothing is left.
    while True:
        async with transaction(services.sessions) as session:
            target = await session.get(KeyEncryptionKey, new_kid)
            assert target is not None
            if not await keys.rewrap_batch(session, services.keyring, target, batch=3):
                break
    after = await kek_counts(services)
    assert all(count == 0 for kid, count in after.items() if kid != new_kid)
    for kid in old:
        async with transaction(services.sessions) as session:
            await keys.retire(session, kid)
    assert set(await kek_counts(services)) == {new_kid}
    for person in [*people, late]:
        fetched = (await partner.http.get(f"/v3/individuals/{person['id']}")).json()
        assert fetched["email"] == person["email"]
    with pytest.raises(KeyInUse):
        async with transaction(services.sessions) as session:
            await keys.retire(session, new_kid)


async def test_webhook_secrets_follow_the_rotation(
    services: Services, partner: PartnerHandle, clock: FrozenClock
) -> None:
    import uuid

    from gangway.models import WebhookEndpoint

    await create_individual(partner)
    created = await partner.http.post("/v3/webhooks", json={"url": "https://partner.example/hook"})
    assert created.status_code == 201, created.text
    endpoint_id, secret = uuid.UUID(created.json()["id"]), created.json()["secret"]
    box = services.webhook_policy.box
    old = [kid for kid, count in (await kek_counts(services)).items() if count]
    async with transaction(services.sessions) as session:
        new_kid = await keys.start_rotation(session, services.keyring, clock.now())
        target = await session.get(KeyEncryptionKey, new_kid)
        assert target is not None
        while await keys.rewrap_batch(session, services.keyring, target):
            pass
    with pytest.raises(KeyInUse, match="webhook secrets"):
        async with transaction(services.sessions) as session:
            await keys.retire(session, old[0])
    async with transaction(services.sessions) as session:
        assert await keys.reseal_webhook_secrets(session, box, new_kid) == 1
    async with transaction(services.sessions) as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None and endpoint.secret_sealed.startswith(new_kid + "$")
        assert box.open(endpoint_id, endpoint.secret_sealed) == secret
        await keys.retire(session, old[0])
        statuses = {row.kid: row for row in await keys.status(session)}
    assert statuses[new_kid].webhook_secrets == 1 and old[0] not in statuses
