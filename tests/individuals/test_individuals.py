from __future__ import annotations

import uuid

import pytest

from tests.conftest import SEED_INDIVIDUAL, PartnerHandle, create_individual


def _without(field: str) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in SEED_INDIVIDUAL.items() if k != field}


async def test_create_answers_201_with_the_individual(partner: PartnerHandle) -> None:
    response = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL)
    assert response.status_code == 201
    body = response.json()
    uuid.UUID(body["id"], version=4)
    assert body["status"] == "pending_activation"
    assert body["created_at"] == body["updated_at"]


async def test_address_is_optional(partner: PartnerHandle) -> None:
    created = await create_individual(partner, address=None)
    assert created["address"] is None
    response = await partner.http.post("/v3/individuals", json=_without("address"))
    assert response.status_code == 201
    assert response.json()["address"] is None


async def test_strings_are_trimmed_and_plus_is_dropped_from_phone(partner: PartnerHandle) -> None:
    created = await create_individual(partner, first_name="  Åsa ", phone_number="+46627211111")
    assert created["first_name"] == "Åsa"
    assert created["phone_number"] == "46627211111"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"first_name": 12}, "first_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"phone_number": "12"}, "phone_number"),
        ({"phone_number": "46abc"}, "phone_number"),
        ({"phone_number": "999123456789"}, "phone_number"),
        ({"date_of_birth": "1991-13-06"}, "date_of_birth"),
        ({"date_of_birth": "06/12/1991"}, "date_of_birth"),
        ({"date_of_birth": 0}, "date_of_birth"),
        ({"date_of_birth": "1991-12-06T00:00:00"}, "date_of_birth"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"address": {**SEED_INDIVIDUAL["address"], "country_code": "XX"}}, "address.country_code"),
        (
            {"address": {**SEED_INDIVIDUAL["address"], "country_code": "SWE"}},
            "address.country_code",
        ),
        ({"address": {**SEED_INDIVIDUAL["address"], "street1": ""}}, "address.street1"),
        ({"address": {**SEED_INDIVIDUAL["address"], "city": "y" * 101}}, "address.city"),
        ({"address": {**SEED_INDIVIDUAL["address"], "planet": "Mars"}}, "address.planet"),
        ({"nickname": "Johnny"}, "nickname"),
    ],
)
async def test_invalid_fields_are_named_in_the_error(
    partner: PartnerHandle, change: dict, field: str
) -> None:  # type: ignore[type-arg]
    response = await partner.http.post("/v3/individuals", json={**SEED_INDIVIDUAL, **change})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [d["field"] for d in error["details"]]


@pytest.mark.parametrize(
    "field", ["first_name", "last_name", "email", "phone_number", "date_of_birth"]
)
async def test_required_fields(partner: PartnerHandle, field: str) -> None:
    response = await partner.http.post("/v3/individuals", json=_without(field))
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == field


async def test_get_unknown_or_malformed_id_is_404(partner: PartnerHandle) -> None:
    for individual_id in (str(uuid.uuid4()), "not-a-uuid", "1%27%20OR%201=1"):
        response = await partner.http.get(f"/v3/individuals/{individual_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


async def test_another_partners_individual_is_404_everywhere(
    partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    mine = await create_individual(partner)
    path = f"/v3/individuals/{mine['id']}"
    assert (await other_partner.http.get(path)).status_code == 404
    assert (await other_partner.http.patch(path, json={"email": "a@b.se"})).status_code == 404
    listed = (await other_partner.http.get("/v3/individuals")).json()
    assert listed["data"] == []
    by_email = (
        await other_partner.http.get("/v3/individuals", params={"email": SEED_INDIVIDUAL["email"]})
    ).json()
    assert by_email["data"] == []
    cursor = await other_partner.http.get("/v3/individuals", params={"starting_after": mine["id"]})
    assert cursor.status_code == 404  # as unknown as a random id: never a leak
    # and the owner still sees it unchanged
    assert (await partner.http.get(path)).json()["email"] == SEED_INDIVIDUAL["email"]


async def test_list_is_newest_first_with_keyset_pagination(partner: PartnerHandle, clock) -> None:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(5):
        clock.advance(seconds=1)
        ids.append((await create_individual(partner, email=f"p{i}@example.com"))["id"])
    ids.reverse()
    first = (await partner.http.get("/v3/individuals", params={"limit": 2})).json()
    assert [d["id"] for d in first["data"]] == ids[:2] and first["has_more"] is True
    second = (
        await partner.http.get("/v3/individuals", params={"limit": 2, "starting_after": ids[1]})
    ).json()
    assert [d["id"] for d in second["data"]] == ids[2:4] and second["has_more"] is True
    third = (
        await partner.http.get("/v3/individuals", params={"limit": 2, "starting_after": ids[3]})
    ).json()
    assert [d["id"] for d in third["data"]] == ids[4:] and third["has_more"] is False


async def test_list_pages_through_rows_with_the_same_timestamp(partner: PartnerHandle) -> None:
    created = {
        (await create_individual(partner, email=f"s{i}@example.com"))["id"] for i in range(7)
    }
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"starting_after": cursor} if cursor else {})}
        page = (await partner.http.get("/v3/individuals", params=params)).json()
        seen += [d["id"] for d in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert len(seen) == 7 and set(seen) == created


async def test_list_filters_by_status_and_email(partner: PartnerHandle) -> None:
    await create_individual(partner, email="a@example.com")
    await create_individual(partner, email="b@example.com")
    by_email = (await partner.http.get("/v3/individuals", params={"email": "b@example.com"})).json()
    assert [d["email"] for d in by_email["data"]] == ["b@example.com"]
    pending = (
        await partner.http.get("/v3/individuals", params={"status": "pending_activation"})
    ).json()
    assert len(pending["data"]) == 2
    activated = (await partner.http.get("/v3/individuals", params={"status": "activated"})).json()
    assert activated["data"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"status": "sleeping"},
        {"starting_after": "nope"},
        {"starting_after": uuid.uuid4().hex},  # a UUID, but not as `format: uuid` writes one
    ],
)
async def test_list_rejects_bad_parameters(partner: PartnerHandle, params: dict) -> None:  # type: ignore[type-arg]
    response = await partner.http.get("/v3/individuals", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


async def test_an_unknown_cursor_is_not_found(partner: PartnerHandle) -> None:
    # Schema-valid (a UUID) but naming no object of the partner's: 404, like its own URL.
    response = await partner.http.get(
        "/v3/individuals", params={"starting_after": str(uuid.uuid4())}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_patch_changes_contact_fields_and_address(partner: PartnerHandle, clock) -> None:  # type: ignore[no-untyped-def]
    created = await create_individual(partner)
    clock.advance(seconds=5)
    new_address = {
        "country_code": "no",
        "street1": "Karl Johans gate 1",
        "city": "Oslo",
        "postal_code": "0154",
    }
    response = await partner.http.patch(
        f"/v3/individuals/{created['id']}",
        json={"email": "new@example.com", "phone_number": "+4791234567", "address": new_address},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["email"] == "new@example.com"
    assert body["phone_number"] == "4791234567"
    assert body["address"]["country_code"] == "NO"
    assert body["first_name"] == "John"
    assert body["updated_at"] > body["created_at"]


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "Jane"},
        {"status": "activated"},
        {"email": None},
        {"phone_number": None},
        {"email": "bad"},
        {"address": {"country_code": "SE"}},
    ],
)
async def test_patch_rejects_other_fields_and_bad_values(
    partner: PartnerHandle, body: dict
) -> None:  # type: ignore[type-arg]
    created = await create_individual(partner)
    response = await partner.http.patch(f"/v3/individuals/{created['id']}", json=body)
    assert response.status_code == 400, response.text
    unchanged = (await partner.http.get(f"/v3/individuals/{created['id']}")).json()
    assert unchanged == created


async def test_patch_after_onboarding_data_provided_is_blocked(app, partner: PartnerHandle) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from gangway.db.session import transaction
    from gangway.models import Individual

    created = await create_individual(partner)
    async with transaction(app.state.services.sessions) as session:
        await session.execute(
            update(Individual)
            .where(Individual.id == uuid.UUID(created["id"]))
            .values(status="onboarding_data_provided")
        )
    response = await partner.http.patch(
        f"/v3/individuals/{created['id']}", json={"email": "x@example.com"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "request_blocked"
    assert "pending_activation, onboarding_requested" in error["message"]
