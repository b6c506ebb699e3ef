"""Identity verification around the engine: a submission queues a run, the worker's job stores
the report beside the other checks, crashes are retried, the sandbox simulation gets a simulated
report, and a blurred photo is refused at upload when the flow checks photos."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageFilter
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import OnboardingSubmission, VerificationRun, VerificationStatus
from gangway.verification.engine import CheckOutcome
from gangway.verification.jobs import MAX_ATTEMPTS, VerificationJob
from gangway.verification.port import FakeEngine
from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import DOCUMENT, FlowClient, fill_until, onboard


def job_with(services: Any, engine: FakeEngine, *, auto_approve: bool = False) -> VerificationJob:
    return VerificationJob(
        sessions=services.sessions,
        read_sessions=services.read_sessions,
        clock=services.clock,
        engine=engine,
        auto_approve_low_risk=auto_approve,
    )


async def _runs(services: Any) -> list[VerificationRun]:
    async with transaction(services.read_sessions) as session:
        return list(
            await session.scalars(select(VerificationRun).order_by(VerificationRun.version))
        )


async def _submission(services: Any) -> OnboardingSubmission:
    async with transaction(services.read_sessions) as session:
        found = await session.scalar(select(OnboardingSubmission))
    assert found is not None
    return found


async def test_a_submission_queues_a_run_that_the_job_reports_with_the_checks(
    services: Any, started: FlowClient
) -> None:
    await fill_until(started)
    assert (await started.step("review")).status_code == 303
    [run] = await _runs(services)
    assert run.status == VerificationStatus.queued and run.version == 1
    engine = FakeEngine(outcomes={"face_match": CheckOutcome.fail})
    assert await job_with(services, engine).run_due(services.clock.now()) == 1
    # The engine was given the photos and what the user typed.
    assert engine.seen[0].claims.document_number == DOCUMENT["number"]
    assert engine.seen[0].selfie is not None
    [run] = await _runs(services)
    assert run.status == VerificationStatus.done and run.outcome == "fail"
    submission = await _submission(services)
    results = {c["check"]: c["result"] for c in submission.check_results}
    assert results["face_match"] == "fail" and results["document_mrz"] == "pass"
    assert submission.risk_level == "high"
    # Idempotent: nothing left to run.
    assert await job_with(services, engine).run_due(services.clock.now()) == 0


async def test_a_crashing_run_is_retried_then_left_to_a_human(
    services: Any, started: FlowClient, clock: Any
) -> None:
    await fill_until(started)
    await started.step("review")
    job = job_with(services, FakeEngine(crash=True))
    assert await job.run_due(services.clock.now()) == 1
    [run] = await _runs(services)
    assert run.status == VerificationStatus.queued and run.attempts == 1
    assert await job.run_due(services.clock.now()) == 0  # waiting before the retry
    for _ in range(MAX_ATTEMPTS):
        clock.advance(minutes=15)
        await job.run_due(services.clock.now())
    [run] = await _runs(services)
    assert run.status == VerificationStatus.failed and run.last_error == "RuntimeError"


async def test_the_sandbox_simulation_gets_a_simulated_report(
    services: Any, partner: PartnerHandle
) -> None:
    individual = await create_individual(partner)
    await onboard(partner, individual["id"])
    response = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert response.status_code == 200
    [run] = await _runs(services)
    assert run.status == VerificationStatus.done and run.engine == "simulated"
    assert run.outcome == "pass"


def _blurred_photo() -> bytes:
    image = Image.effect_noise((1280, 800), 90).convert("RGB").filter(ImageFilter.GaussianBlur(12))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


async def test_a_blurred_photo_is_refused_at_upload_when_photos_are_checked(
    services: Any, started: FlowClient
) -> None:
    services.settings.verification_upload_feedback = True
    await fill_until(started, "phone")
    photo = ("front.jpg", _blurred_photo(), "image/jpeg")
    response = await started.step("document", {**DOCUMENT, "type": "passport"}, {"front": photo})
    assert response.status_code == 400
    assert "take it again" in response.text
    services.settings.verification_upload_feedback = False
    accepted = await started.step("document", {**DOCUMENT, "type": "passport"}, {"front": photo})
    assert accepted.status_code == 303  # sandbox default: any picture works
