from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gangway.models import Document, OnboardingSubmission
from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import onboard


async def test_kyc_simulation_submits_synthetic_data(
    partner: PartnerHandle, individual: dict[str, Any], inspect_db: Any
) -> None:
    await onboard(partner, individual["id"])
    response = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == individual["id"] and body["status"] == "onboarding_data_provided"
    submission = await inspect_db.scalar(select(OnboardingSubmission))
    assert set(submission.data) == {
        "personal",
        "email",
        "address",
        "phone",
        "document",
        "questions",
        "security",
    }
    assert submission.data["phone"]["verified"] is True
    assert submission.data["document"]["type"] == "passport"
    documents = await inspect_db.all(
        select(Document.kind).where(Document.submission_id == submission.id)
    )
    assert sorted(documents) == ["document_front", "selfie"]
    events = (await partner.http.get("/v3/events")).json()["data"]
    assert [e["name"] for e in events].count("IndividualOnboardingDataProvided") == 1


async def test_kyc_simulation_needs_onboarding_requested(
    partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    response = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "The individual should have one of the following statuses: onboarding_requested"
    )


async def test_kyc_simulation_is_tenant_scoped_and_validated(
    partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    theirs = await create_individual(other_partner)
    await onboard(other_partner, theirs["id"])
    response = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": theirs["id"]}
    )
    assert response.status_code == 404
    bad = await partner.http.post("/v3/simulations/onboarding/kyc", json={"id": theirs["id"]})
    assert bad.status_code == 400
