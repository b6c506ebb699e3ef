"""The back office shows identity verification: each run's checks with their evidence, the queue's
verification column and filter, and a reviewer's re-run (audited, earlier reports kept)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import AuditEntry, VerificationRun, VerificationStatus
from gangway.verification.engine import CheckOutcome
from gangway.verification.jobs import VerificationJob
from gangway.verification.port import FakeEngine
from tests.review.conftest import StaffBrowser


async def test_the_individual_page_shows_the_report_and_a_rerun_keeps_both(
    reviewer: StaffBrowser, submitted: dict[str, Any], services: Any
) -> None:
    page = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert page.status_code == 200
    assert "Identity verification" in page.text
    assert "Sandbox: simulated submission, not verified." in page.text
    for check in ("document mrz", "face match", "image quality"):
        assert check in page.text
    response = await reviewer.post(f"/admin/individuals/{submitted['id']}/verification")
    assert response.status_code == 303
    job = VerificationJob(
        sessions=services.sessions,
        read_sessions=services.read_sessions,
        clock=services.clock,
        engine=FakeEngine(outcomes={"document_mrz": CheckOutcome.fail}),
    )
    assert await job.run_due(services.clock.now()) == 1
    async with transaction(services.read_sessions) as session:
        runs = list(
            await session.scalars(select(VerificationRun).order_by(VerificationRun.version))
        )
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "verification.requested")
        )
    assert [(r.version, r.status, r.outcome) for r in runs] == [
        (1, VerificationStatus.done, "pass"),
        (2, VerificationStatus.done, "fail"),
    ]
    assert audit is not None and audit.subject_id == submitted["id"]
    page = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert "Run 2" in page.text and "Run 1" in page.text

    queue = await reviewer.http.get("/admin/queue", params={"verification": "fail"})
    assert submitted["last_name"] in queue.text
    passing = await reviewer.http.get("/admin/queue", params={"verification": "pass"})
    assert submitted["last_name"] not in passing.text
    worst_first = await reviewer.http.get("/admin/queue", params={"sort": "verification"})
    assert worst_first.status_code == 200
