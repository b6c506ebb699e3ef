"""Decisions through the back office: status, event, audit entry, and the race between two."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from gangway.db.session import transaction
from gangway.individuals.decisions import REASONS
from gangway.models import AuditEntry, Individual
from gangway.services import Services
from tests.conftest import PartnerHandle
from tests.review.conftest import StaffBrowser, StaffFactory


async def events_of(partner: PartnerHandle, individual_id: str) -> list[dict]:  # type: ignore[type-arg]
    response = await partner.http.get(f"/v3/events?individual_id={individual_id}")
    assert response.status_code == 200
    return response.json()["data"]  # type: ignore[no-any-return]


async def audit_for(services: Services, subject_id: str) -> list[AuditEntry]:
    async with transaction(services.read_sessions) as session:
        return list(
            await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == subject_id))
        )


async def status_of(partner: PartnerHandle, individual_id: str) -> str:
    return (await partner.http.get(f"/v3/individuals/{individual_id}")).json()["status"]  # type: ignore[no-any-return]


async def test_approve_activates_emits_the_event_and_audits(
    reviewer: StaffBrowser, submitted: dict, partner: PartnerHandle, services: Services
) -> None:
    response = await reviewer.decide(submitted["id"], "approve", note="Documents fine.")
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/individuals/{submitted['id']}?done=approve"
    assert await status_of(partner, submitted["id"]) == "activated"
    activated = [
        e for e in await events_of(partner, submitted["id"]) if e["name"] == "IndividualActivated"
    ]
    assert len(activated) == 1
    assert activated[0]["payload"] == {"individual_id": submitted["id"], "status": "activated"}
    (entry,) = [
        e for e in await audit_for(services, submitted["id"]) if e.action == "individual.approved"
    ]
    assert entry.actor_type == "staff" and entry.client_ip == "192.0.2.10"
    assert entry.detail == {
        "from": "onboarding_data_provided",
        "to": "activated",
        "note": "Documents fine.",
    }
    page = await reviewer.http.get(response.headers["location"])
    assert "Decision saved: approve." in page.text


async def test_reject_blocks_with_the_partner_safe_reason_and_keeps_the_note_internal(
    reviewer: StaffBrowser, submitted: dict, partner: PartnerHandle, services: Services
) -> None:
    response = await reviewer.decide(
        submitted["id"], "reject", reason="sanctions", note="Hit on list X, see case 42."
    )
    assert response.status_code == 303
    assert await status_of(partner, submitted["id"]) == "blocked"
    (blocked,) = [
        e for e in await events_of(partner, submitted["id"]) if e["name"] == "IndividualBlocked"
    ]
    assert blocked["payload"] == {
        "individual_id": submitted["id"],
        "status": "blocked",
        "reason": REASONS["sanctions"].partner_text,
    }
    assert "sanction" not in blocked["payload"]["reason"].lower()  # no tipping-off
    (entry,) = [
        e for e in await audit_for(services, submitted["id"]) if e.action == "individual.rejected"
    ]
    assert entry.detail["reason"] == "sanctions"
    assert entry.detail["note"] == "Hit on list X, see case 42."


async def test_reject_needs_a_reason_from_the_list(
    reviewer: StaffBrowser, submitted: dict, partner: PartnerHandle
) -> None:
    for fields in ({}, {"reason": "because"}, {"reason": "other"}):
        response = await reviewer.decide(submitted["id"], "reject", **fields)
        assert response.status_code == 400, fields
        assert "text/html" in response.headers["content-type"]
    assert await status_of(partner, submitted["id"]) == "onboarding_data_provided"
    unknown = await reviewer.decide(submitted["id"], "delete")
    assert unknown.status_code == 400


async def test_block_and_unblock_later(
    reviewer: StaffBrowser, submitted: dict, partner: PartnerHandle, services: Services
) -> None:
    assert (await reviewer.decide(submitted["id"], "approve")).status_code == 303
    assert (await reviewer.decide(submitted["id"], "unblock")).status_code == 422
    blocked = await reviewer.decide(submitted["id"], "block", reason="suspected_fraud")
    assert blocked.status_code == 303
    assert await status_of(partner, submitted["id"]) == "blocked"
    assert (await reviewer.decide(submitted["id"], "approve")).status_code == 422
    assert (await reviewer.decide(submitted["id"], "unblock")).status_code == 303
    assert await status_of(partner, submitted["id"]) == "activated"
    names = [e["name"] for e in await events_of(partner, submitted["id"])]
    assert names.count("IndividualActivated") == 2 and names.count("IndividualBlocked") == 1
    actions = {e.action for e in await audit_for(services, submitted["id"])}
    assert {"individual.approved", "individual.blocked", "individual.unblocked"} <= actions


async def test_deciding_twice_says_already_decided(reviewer: StaffBrowser, submitted: dict) -> None:
    assert (await reviewer.decide(submitted["id"], "approve")).status_code == 303
    again = await reviewer.decide(submitted["id"], "reject", reason="other", note="late")
    assert again.status_code == 422
    assert "Already decided" in again.text


async def test_individual_not_yet_submitted_cannot_be_decided(
    reviewer: StaffBrowser, partner: PartnerHandle
) -> None:
    from tests.conftest import create_individual

    individual = await create_individual(partner)
    response = await reviewer.decide(individual["id"], "approve")
    assert response.status_code == 422
    assert "onboarding_data_provided" in response.text


async def test_unknown_individual_is_a_friendly_404(reviewer: StaffBrowser) -> None:
    for ident in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert (await reviewer.http.get(f"/admin/individuals/{ident}")).status_code == 404
        assert (await reviewer.decide(ident, "approve")).status_code == 404


async def test_two_concurrent_decisions_yield_exactly_one(
    make_staff: StaffFactory, submitted: dict, partner: PartnerHandle, services: Services
) -> None:
    first = await make_staff("reviewer")
    second = await make_staff("reviewer")
    responses = await asyncio.gather(
        first.decide(submitted["id"], "approve"),
        second.decide(submitted["id"], "reject", reason="risk_appetite"),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303, 422], [r.text[:300] for r in responses]
    loser = next(r for r in responses if r.status_code == 422)
    assert "Already decided" in loser.text
    winner_status = await status_of(partner, submitted["id"])
    decision_events = [
        e
        for e in await events_of(partner, submitted["id"])
        if e["name"] in ("IndividualActivated", "IndividualBlocked")
    ]
    assert len(decision_events) == 1
    expected = "IndividualActivated" if winner_status == "activated" else "IndividualBlocked"
    assert decision_events[0]["name"] == expected
    decided = [
        e
        for e in await audit_for(services, submitted["id"])
        if e.action in ("individual.approved", "individual.rejected")
    ]
    assert len(decided) == 1
    async with transaction(services.read_sessions) as session:
        row = await session.get(Individual, __import__("uuid").UUID(submitted["id"]))
    # created, onboarding requested, submitted, decided once
    assert row is not None and row.version == 4


async def test_many_concurrent_approvals_yield_exactly_one(
    make_staff: StaffFactory, submitted: dict, partner: PartnerHandle
) -> None:
    browsers = [await make_staff("reviewer") for _ in range(5)]
    responses = await asyncio.gather(*(b.decide(submitted["id"], "approve") for b in browsers))
    assert sorted(r.status_code for r in responses) == [303, 422, 422, 422, 422]
    names = [e["name"] for e in await events_of(partner, submitted["id"])]
    assert names.count("IndividualActivated") == 1
