"""The checks run inside the real submission (through the sandbox KYC simulation)."""

from __future__ import annotations

import io
import uuid
from importlib import resources

from sqlalchemy import select

from gangway.app import create_app
from gangway.checks import sanctions
from gangway.db.session import transaction
from gangway.models import AuditEntry, OnboardingSubmission
from gangway.services import Services
from tests.conftest import PartnerHandle, make_settings, new_partner
from tests.review.conftest import submit_individual

CHECKS = [
    "age",
    "document_expiry",
    "data_consistency",
    "phone_verified",
    "duplicate_identity",
    "country_risk",
    "sanctions",
    "pep",
]
VERIFICATION_CHECKS = ["document_mrz", "face_match", "image_quality"]


async def load_sample_list(services: Services) -> None:
    text = resources.files("gangway.checks").joinpath("data/sample_sanctions.csv").read_text()
    async with transaction(services.sessions) as session:
        await sanctions.load_list(
            session, sanctions.parse_csv(io.StringIO(text, newline="")), services.clock.now()
        )


async def submission_of(services: Services, individual_id: str) -> OnboardingSubmission:
    async with transaction(services.read_sessions) as session:
        found = await session.scalar(
            select(OnboardingSubmission).where(
                OnboardingSubmission.individual_id == uuid.UUID(individual_id)
            )
        )
    assert found is not None
    return found


def outcomes(submission: OnboardingSubmission) -> dict[str, str]:
    return {c["check"]: c["result"] for c in submission.check_results}


async def test_every_check_is_stored_with_the_submission(
    services: Services, partner: PartnerHandle
) -> None:
    individual = await submit_individual(partner)
    stored = await submission_of(services, individual["id"])
    # The data checks at submission, then identity verification's (simulated in the sandbox).
    assert [c["check"] for c in stored.check_results] == [*CHECKS, *VERIFICATION_CHECKS]
    for entry in stored.check_results:
        assert entry["result"] in ("pass", "warn", "fail") and entry["reason"]
    # No list loaded: screening could not be done, which is a warning.
    assert outcomes(stored)["sanctions"] == "warn"
    assert stored.risk_level == "medium"


async def test_clean_applicant_is_low_risk_once_a_list_is_loaded(
    services: Services, partner: PartnerHandle
) -> None:
    await load_sample_list(services)
    stored = await submission_of(services, (await submit_individual(partner))["id"])
    assert set(outcomes(stored).values()) == {"pass"}
    assert stored.risk_level == "low"


async def test_listed_person_fails_screening_and_is_high_risk(
    services: Services, partner: PartnerHandle
) -> None:
    await load_sample_list(services)
    individual = await submit_individual(
        partner, first_name="Viktor", last_name="Morozko", date_of_birth="1968-04-12"
    )
    stored = await submission_of(services, individual["id"])
    assert outcomes(stored)["sanctions"] == "fail"
    assert stored.risk_level == "high"
    sanctions_result = next(c for c in stored.check_results if c["check"] == "sanctions")
    assert sanctions_result["detail"]["matches"][0]["entry_id"] == "gw-sample-0001"


async def test_same_email_across_partners_is_a_duplicate_and_blocked_one_fails(
    services: Services, partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    first = await submit_individual(partner)
    second = await submit_individual(other_partner)
    stored = await submission_of(services, second["id"])
    duplicate = next(c for c in stored.check_results if c["check"] == "duplicate_identity")
    assert duplicate["result"] == "warn"
    assert duplicate["detail"]["matches"][0]["individual_id"] == first["id"]
    blocked = await partner.http.post(
        "/v3/simulations/onboarding/status",
        json={"individual_id": first["id"], "status": "blocked"},
    )
    assert blocked.status_code == 200, blocked.text
    third = await submit_individual(other_partner)
    assert outcomes(await submission_of(services, third["id"]))["duplicate_identity"] == "fail"


async def test_low_risk_is_not_approved_automatically_by_default(
    services: Services, partner: PartnerHandle
) -> None:
    await load_sample_list(services)
    individual = await submit_individual(partner)
    fetched = (await partner.http.get(f"/v3/individuals/{individual['id']}")).json()
    assert fetched["status"] == "onboarding_data_provided"


async def test_auto_approval_of_low_risk_when_turned_on(app, database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    auto = create_app(make_settings(database_url, auto_approve_low_risk=True), clock=clock)
    async with auto.router.lifespan_context(auto):
        services: Services = auto.state.services
        await load_sample_list(services)
        handle = await new_partner(auto, "Auto Pay")
        try:
            low = await submit_individual(handle, expect="activated")
            events = (await handle.http.get(f"/v3/events?individual_id={low['id']}")).json()
            names = [e["name"] for e in events["data"]]
            assert set(names) == {"IndividualOnboardingDataProvided", "IndividualActivated"}
            # The same email again is a duplicate (a warning): medium risk waits for a reviewer.
            await submit_individual(handle, expect="onboarding_data_provided")
        finally:
            await handle.http.aclose()
        async with transaction(services.read_sessions) as session:
            entry = await session.scalar(
                select(AuditEntry).where(
                    AuditEntry.subject_id == low["id"], AuditEntry.action == "individual.approved"
                )
            )
        assert entry is not None and entry.actor_type == "system"
        await services.engine.dispose()
