"""The real engine behind the worker's job: a hosted-flow submission with a generated genuine
document and selfie is verified end to end (upload, sealed storage, the job, the checks table)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from bench.verification_data import Person, photograph, render_document, selfie
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import OnboardingSubmission, VerificationRun
from gangway.verification.jobs import VerificationJob
from gangway.verification.port import CHECK_IDS, Builtin
from tests.onboarding.conftest import DOCUMENT, PERSONAL, QUESTIONS, FlowClient, fill_until
from tests.verification.conftest import require_verification_tools

# The person the flow's forms describe (tests/onboarding/conftest.py), as printed on a TD1 card.
HOLDER = Person(
    surname=PERSONAL["last_name"],
    given_names=PERSONAL["first_name"],
    document_number=DOCUMENT["number"],
    nationality=(PERSONAL["nationality"], "SWE"),
    issuing=(DOCUMENT["issuing_country"], "SWE"),
    birth=date.fromisoformat(PERSONAL["date_of_birth"]),
    expiry=date.fromisoformat(DOCUMENT["expiry_date"]),
    sex="M",
    face="hopper",
)


@pytest.fixture
def genuine_photos() -> dict[str, bytes]:
    require_verification_tools()
    rng = random.Random(20261202)
    front, back, _lines = render_document(HOLDER, "TD1", rng)
    assert back is not None
    return {
        "front": photograph(front, rng),
        "back": photograph(back, rng),
        "selfie": selfie(HOLDER.face, rng),
    }


async def _submit(flow: FlowClient, photos: dict[str, bytes], number: str) -> None:
    await fill_until(flow, "phone")
    files = {
        "front": ("front.jpg", photos["front"], "image/jpeg"),
        "back": ("back.jpg", photos["back"], "image/jpeg"),
    }
    steps: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
        ("document", {**DOCUMENT, "number": number}, files),
        ("selfie", {}, {"selfie": ("me.jpg", photos["selfie"], "image/jpeg")}),
        ("questions", QUESTIONS, None),
        (
            "security",
            {"passcode": "285714", "passcode_confirm": "285714", "action": "passcode"},
            None,
        ),
        ("security", {"action": "continue"}, None),
        ("review", {}, None),
    ]
    for name, data, upload in steps:
        response = await flow.step(name, data, upload)
        assert response.status_code == 303, (name, response.text[-2000:])


async def _verify(services: Any) -> dict[str, str]:
    job = VerificationJob(
        sessions=services.sessions,
        read_sessions=services.read_sessions,
        clock=services.clock,
        engine=Builtin(),  # what the composition root picks for GANGWAY_VERIFICATION_ENGINE=builtin
        auto_approve_low_risk=False,
    )
    assert await job.run_due(services.clock.now()) == 1
    async with transaction(services.read_sessions) as session:
        run = await session.scalar(select(VerificationRun))
        submission = await session.scalar(select(OnboardingSubmission))
    assert run is not None and run.engine.startswith("builtin") and submission is not None
    verification = [c for c in submission.check_results if c["check"] in CHECK_IDS]
    # The reviewer's reason goes with each result, so a failing assertion says why.
    return {c["check"]: f"{c['result']}: {c['detail']['reason_key']}" for c in verification}


async def test_a_genuine_document_and_selfie_pass_every_verification_check(
    services: Any, started: FlowClient, genuine_photos: dict[str, bytes]
) -> None:
    await _submit(started, genuine_photos, DOCUMENT["number"])
    results = await _verify(services)
    assert {check: result.split(":")[0] for check, result in results.items()} == {
        "document_mrz": "pass",
        "face_match": "pass",
        "image_quality": "pass",
    }, results


async def test_a_typed_document_number_unlike_the_mrz_fails_document_mrz(
    services: Any, started: FlowClient, genuine_photos: dict[str, bytes]
) -> None:
    await _submit(started, genuine_photos, "AB123465")
    results = await _verify(services)
    assert results["document_mrz"] == "fail: document_number_mismatch"
    assert results["face_match"].startswith("pass"), results
