from __future__ import annotations

from tests.conftest import SEED_INDIVIDUAL, PartnerHandle, create_individual


async def test_seed_example_round_trips_exactly(partner: PartnerHandle) -> None:
    created = await create_individual(partner)
    fetched = (await partner.http.get(f"/v3/individuals/{created['id']}")).json()
    for field in ("first_name", "last_name", "email", "phone_number", "date_of_birth"):
        assert fetched[field] == SEED_INDIVIDUAL[field]
    assert fetched["address"] == {**SEED_INDIVIDUAL["address"], "street2": None}
    assert fetched["status"] == "pending_activation"
    assert fetched["created_at"].endswith("Z") and len(fetched["created_at"]) == 24
