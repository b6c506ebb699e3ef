from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gangway.models import Document, Event, OnboardingSubmission
from tests.conftest import PartnerHandle
from tests.onboarding.conftest import FlowClient, fill_until


async def test_full_onboarding_submits_frozen_data_and_returns_to_partner(
    partner: PartnerHandle, individual: dict[str, Any], started: FlowClient, inspect_db: Any
) -> None:
    await fill_until(started)
    review = await started.get("/flow/onboarding/review")
    assert review.status_code == 200
    assert "Mälarö torg 2" in review.text and "Edit" in review.text
    submitted = await started.step("review")
    assert submitted.status_code == 303 and submitted.headers["location"] == "/flow/done"
    done = await started.get("/flow/done")
    assert done.status_code == 200
    assert (
        f'href="https://partner.example/back?x=1&amp;individual_id={individual["id"]}'
        '&amp;status=onboarding_data_provided"' in done.text
    )
    fetched = (await partner.http.get(f"/v3/individuals/{individual['id']}")).json()
    assert fetched["status"] == "onboarding_data_provided"

    submission = await inspect_db.scalar(select(OnboardingSubmission))
    assert submission.data == {
        "personal": {
            "first_name": "John",
            "last_name": "de Mayor",
            "date_of_birth": "1991-12-06",
            "nationality": "SE",
        },
        "email": "m6dreey@goes.es",
        "address": {
            "country_code": "SE",
            "street1": "Mälarö torg 2",
            "street2": None,
            "city": "Ekerö",
            "region": "Ekerö",
            "postal_code": "178 30",
        },
        "phone": {"phone_number": "46627211111", "verified": True},
        "document": {
            "type": "national_id",
            "number": "AB123456",
            "issuing_country": "SE",
            "expiry_date": "2030-01-31",
        },
        "questions": {
            "employment_status": "employed",
            "occupation": "professional",
            "source_of_funds": "salary",
            "expected_monthly_amount": "1000_5000",
            "purpose": "everyday",
            "tax_residence_country": "SE",
            "tax_id": "19911206-1234",
            "us_person": False,
            "pep": False,
            "pep_details": None,
        },
        "security": {"passkey": False},
    }
    kinds = sorted(
        await inspect_db.all(select(Document.kind).where(Document.submission_id == submission.id))
    )
    assert kinds == ["document_back", "document_front", "selfie"]
    events = await inspect_db.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.name == "IndividualOnboardingDataProvided")
    )
    assert events == 1
