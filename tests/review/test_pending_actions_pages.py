"""Staff raise, cancel and review pending actions from the individual's page."""

from __future__ import annotations

from datetime import timedelta

from gangway.kit.clock import FrozenClock
from gangway.kit.timefmt import iso_millis
from tests.conftest import START, PartnerHandle, create_individual
from tests.review.conftest import StaffBrowser


async def test_reviewer_requests_identity_verification_with_edited_text_and_expiry(
    reviewer: StaffBrowser,
    partner: PartnerHandle,
    submitted: dict,  # type: ignore[type-arg]
) -> None:
    page = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert "Request identity verification" in page.text and "Request proof of address" in page.text
    response = await reviewer.post(
        f"/admin/individuals/{submitted['id']}/pending_actions",
        type="IdentityVerification",
        description="Your passport photo was blurred; please send a new one.",
        expires_on=(START + timedelta(days=3)).date().isoformat(),
    )
    assert response.status_code == 303
    actions = (
        await partner.http.get("/v3/pending_actions", params={"individual_id": submitted["id"]})
    ).json()["data"]
    assert len(actions) == 1
    action = actions[0]
    assert action["type"] == "IdentityVerification"
    assert action["description"] == "Your passport photo was blurred; please send a new one."
    assert action["expires_at"] == "2026-03-05T23:59:59.000Z"
    events = (await partner.http.get("/v3/events", params={"name": "PendingActionCreated"})).json()[
        "data"
    ]
    assert [e["payload"]["pending_action_id"] for e in events] == [action["id"]]
    page = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert "pending_action.created" in page.text
    assert "Your passport photo was blurred" in page.text


async def test_never_expiring_proof_of_address_with_the_default_text(
    reviewer: StaffBrowser,
    partner: PartnerHandle,
    submitted: dict,  # type: ignore[type-arg]
) -> None:
    response = await reviewer.post(
        f"/admin/individuals/{submitted['id']}/pending_actions",
        type="ProofOfAddressVerification",
        description="",
        never_expires="true",
    )
    assert response.status_code == 303
    action = (await partner.http.get("/v3/pending_actions")).json()["data"][0]
    assert action["type"] == "ProofOfAddressVerification"
    assert action["expires_at"] is None
    assert action["description"].startswith("Please confirm your address")


async def test_request_is_refused_before_submission_and_for_bad_input(
    reviewer: StaffBrowser,
    partner: PartnerHandle,
    submitted: dict,  # type: ignore[type-arg]
) -> None:
    fresh = await create_individual(partner, email="fresh@example.com")
    refused = await reviewer.post(
        f"/admin/individuals/{fresh['id']}/pending_actions", type="IdentityVerification"
    )
    assert refused.status_code == 422
    assert "onboarding_data_provided, activated, blocked" in refused.text
    past = await reviewer.post(
        f"/admin/individuals/{submitted['id']}/pending_actions",
        type="IdentityVerification",
        expires_on="2020-01-01",
    )
    assert past.status_code == 400
    junk = await reviewer.post(
        f"/admin/individuals/{submitted['id']}/pending_actions", type="Nonsense"
    )
    assert junk.status_code == 400
    assert (await partner.http.get("/v3/pending_actions")).json()["data"] == []


async def test_request_without_csrf_token_is_refused(
    reviewer: StaffBrowser, submitted: dict
) -> None:  # type: ignore[type-arg]
    response = await reviewer.http.post(
        f"/admin/individuals/{submitted['id']}/pending_actions",
        data={"type": "IdentityVerification"},
    )
    assert response.status_code == 403


async def test_cancel_stops_the_consent_and_complete_review_leaves_the_queue(
    reviewer: StaffBrowser,
    partner: PartnerHandle,
    submitted: dict,
    clock: FrozenClock,  # type: ignore[type-arg]
) -> None:
    base = f"/admin/individuals/{submitted['id']}/pending_actions"
    await reviewer.post(base, type="IdentityVerification")
    await reviewer.post(base, type="ProofOfAddressVerification")
    first, second = sorted(
        (await partner.http.get("/v3/pending_actions")).json()["data"], key=lambda a: a["type"]
    )
    canceled = await reviewer.post(f"{base}/{first['id']}/cancel")
    assert canceled.status_code == 303
    assert (await partner.http.get(f"/v3/pending_actions/{first['id']}")).json()[
        "status"
    ] == "canceled"
    blocked = await partner.http.post(f"/v3/consents/{first['payload']['consent_id']}")
    assert blocked.status_code == 422
    assert (await reviewer.post(f"{base}/{first['id']}/cancel")).status_code == 422

    clock.advance(minutes=5)
    done = await partner.http.post(f"/v3/simulations/pending_actions/{second['id']}/complete")
    assert done.status_code == 200
    assert done.json()["completed_at"] == iso_millis(START + timedelta(minutes=5))
    queue = await reviewer.http.get("/admin/queue")
    assert (
        f"/admin/individuals/{submitted['id']}"
        in queue.text.split("Completed pending actions awaiting review")[1]
    )
    reviewed = await reviewer.post(f"{base}/{second['id']}/reviewed")
    assert reviewed.status_code == 303
    queue = await reviewer.http.get("/admin/queue")
    assert "No completed pending action awaits review" in queue.text


async def test_pending_action_of_another_individual_is_not_found(
    reviewer: StaffBrowser,
    partner: PartnerHandle,
    submitted: dict,  # type: ignore[type-arg]
) -> None:
    from tests.review.conftest import submit_individual

    other = await submit_individual(partner, email="other@example.com")
    await reviewer.post(
        f"/admin/individuals/{other['id']}/pending_actions", type="IdentityVerification"
    )
    action = (await partner.http.get("/v3/pending_actions")).json()["data"][0]
    response = await reviewer.post(
        f"/admin/individuals/{submitted['id']}/pending_actions/{action['id']}/cancel"
    )
    assert response.status_code == 404
