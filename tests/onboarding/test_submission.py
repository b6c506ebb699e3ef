from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from gangway.db.session import transaction
from gangway.errors import RequestBlocked
from gangway.models import Event, Individual, OnboardingSubmission
from gangway.onboarding import credentials, service
from tests.conftest import PartnerHandle
from tests.onboarding.conftest import FlowClient, fill_until


async def _counts(inspect_db: Any) -> tuple[int, int]:
    submissions = await inspect_db.scalar(select(func.count()).select_from(OnboardingSubmission))
    events = await inspect_db.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.name == "IndividualOnboardingDataProvided")
    )
    return submissions, events


async def test_double_click_on_submit_makes_one_submission(
    started: FlowClient, inspect_db: Any
) -> None:
    await fill_until(started)
    await started.get("/flow/onboarding/review")
    token = started.csrf()
    first, second = await asyncio.gather(
        started.http.post("/flow/onboarding/review", data={"csrf_token": token}),
        started.http.post("/flow/onboarding/review", data={"csrf_token": token}),
    )
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == "/flow/done"
    assert await _counts(inspect_db) == (1, 1)


async def test_two_tabs_submitting_at_once_make_one_submission(
    app: Any,
    partner: PartnerHandle,
    individual: dict[str, Any],
    started: FlowClient,
    inspect_db: Any,
) -> None:
    await fill_until(started)
    # A second tab of the same browser (one cookie jar), on the review page too.
    other_tab = FlowClient(started.http)
    await other_tab.get("/flow/onboarding/review")
    await started.get("/flow/onboarding/review")
    results = await asyncio.gather(
        started.http.post("/flow/onboarding/review", data={"csrf_token": started.csrf()}),
        other_tab.http.post("/flow/onboarding/review", data={"csrf_token": other_tab.csrf()}),
    )
    assert [r.status_code for r in results] == [303, 303]
    assert await _counts(inspect_db) == (1, 1)
    # Afterwards any step leads to the done page.
    again = await started.get("/flow/onboarding/personal")
    assert again.headers["location"] == "/flow/done"


async def test_concurrent_service_submits_on_separate_connections(
    services: Any, started: FlowClient, individual: dict[str, Any], inspect_db: Any
) -> None:
    await fill_until(started)
    individual_id = uuid.UUID(individual["id"])

    async def submit_once() -> bool:
        async with transaction(services.sessions) as session:
            result = await service.submit(
                session, individual_id, services.clock.now(), after_submission=()
            )
            return result.created

    created = await asyncio.gather(*(submit_once() for _ in range(4)))
    assert sorted(created) == [False, False, False, True]
    assert await _counts(inspect_db) == (1, 1)


async def test_submit_refuses_an_incomplete_draft(
    services: Any, started: FlowClient, individual: dict[str, Any], inspect_db: Any
) -> None:
    await fill_until(started, "questions")
    with pytest.raises(RequestBlocked):
        async with transaction(services.sessions) as session:
            await service.submit(
                session,
                uuid.UUID(individual["id"]),
                services.clock.now(),
                after_submission=services.after_submission,
            )
    assert await _counts(inspect_db) == (0, 0)


async def test_after_submission_hooks_run_inside_the_transaction(
    services: Any, started: FlowClient, individual: dict[str, Any], inspect_db: Any
) -> None:
    seen: list[tuple[str, str]] = []

    async def hook(session: Any, submission: Any, person: Any, now: Any) -> None:
        assert submission.id is not None
        seen.append((str(person.id), person.status))
        submission.risk_level = "low"
        submission.check_results = [{"check": "test", "result": "pass"}]

    # The composition root's steps (the checks), then this one.
    services.after_submission = (*services.after_submission, hook)
    await fill_until(started)
    await started.step("review")
    assert seen == [(individual["id"], "onboarding_requested")]
    stored = await inspect_db.scalar(select(OnboardingSubmission))
    assert stored.risk_level == "low"


async def test_a_failing_hook_rolls_everything_back(
    services: Any, started: FlowClient, individual: dict[str, Any], inspect_db: Any
) -> None:
    async def broken(session: Any, submission: Any, person: Any, now: Any) -> None:
        raise RuntimeError("checks crashed")

    await fill_until(started)
    with pytest.raises(RuntimeError):
        async with transaction(services.sessions) as session:
            await service.submit(
                session,
                uuid.UUID(individual["id"]),
                services.clock.now(),
                after_submission=(*services.after_submission, broken),
            )
    assert await _counts(inspect_db) == (0, 0)
    status = await inspect_db.scalar(
        select(Individual.status).where(Individual.id == uuid.UUID(individual["id"]))
    )
    assert status == "onboarding_requested"


async def test_passcode_is_stored_with_argon2id_and_verifiable(
    services: Any, started: FlowClient, individual: dict[str, Any]
) -> None:
    from gangway.models import IndividualCredential

    await fill_until(started)
    individual_id = uuid.UUID(individual["id"])
    async with services.read_sessions() as session:
        stored = await session.get(IndividualCredential, individual_id)
        assert stored is not None and stored.passcode_hash.startswith("$argon2id$")
        assert await credentials.verify_passcode(session, individual_id, "285714")
        assert not await credentials.verify_passcode(session, individual_id, "285715")
        assert not await credentials.verify_passcode(session, uuid.uuid4(), "285714")


async def test_event_payload_names_the_individual(
    partner: PartnerHandle, started: FlowClient, individual: dict[str, Any]
) -> None:
    await fill_until(started)
    await started.step("review")
    events = (await partner.http.get("/v3/events")).json()["data"]
    names = [e["name"] for e in events]
    assert names.count("IndividualOnboardingDataProvided") == 1
    event = next(e for e in events if e["name"] == "IndividualOnboardingDataProvided")
    assert event["payload"]["individual_id"] == individual["id"]
