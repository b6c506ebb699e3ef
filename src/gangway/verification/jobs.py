"""The worker's verification job: claim a due run, run the engine off the event loop, store the
report. Thin around fat functions: ``run_one`` is what tests call.

No transaction is held while the engine works (about a second of CPU): the claim, the photo read
and the result are three short units of work, so a SQLite writer never waits on an engine.
A run that crashes is retried with a growing wait, then marked ``failed`` for a human.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gangway.db.session import transaction
from gangway.kit.clock import Clock
from gangway.models import DocumentKind, OnboardingSubmission, VerificationRun, VerificationStatus
from gangway.verification import service
from gangway.verification.engine import Claims, VerificationInputs
from gangway.verification.port import VerificationEngine

log = logging.getLogger("gangway.verification")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RETRY_AFTER = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


@dataclass(frozen=True)
class VerificationJob:
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    engine: VerificationEngine
    # Approve a submission whose checks, verification included, are all low risk.
    auto_approve_low_risk: bool = False

    async def run_due(self, now: datetime) -> int:
        """Periodic task: run the due runs one after the other (each about a second of CPU)."""
        done = 0
        while (run_id := await self.claim(now)) is not None:
            await self.run_one(run_id)
            done += 1
            now = self.clock.now()
        return done

    async def claim(self, now: datetime) -> uuid.UUID | None:
        async with transaction(self.sessions) as session:
            query = (
                select(VerificationRun.id)
                .where(
                    VerificationRun.status == VerificationStatus.queued,
                    VerificationRun.next_attempt_at <= now,
                )
                .order_by(VerificationRun.next_attempt_at)
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            run_id = await session.scalar(query)
            if run_id is not None:
                await session.execute(
                    update(VerificationRun)
                    .where(VerificationRun.id == run_id)
                    .values(next_attempt_at=now + LEASE, attempts=VerificationRun.attempts + 1)
                )
            return run_id

    async def run_one(self, run_id: uuid.UUID) -> VerificationStatus | None:
        """Run one claimed run; idempotent (a run no longer queued is skipped)."""
        async with transaction(self.read_sessions) as session:
            run = await session.get(VerificationRun, run_id)
            if run is None or run.status != VerificationStatus.queued:
                return None
            photos = await service.photos_of(session, run)
            claims = await self._claims(session, run)
        try:
            front = photos.get(DocumentKind.document_front)
            if front is None:
                raise LookupError("no document photo to verify")
            inputs = VerificationInputs(
                document_front=front,
                document_back=photos.get(DocumentKind.document_back),
                selfie=photos.get(DocumentKind.selfie),
                claims=claims,
            )
            report = await asyncio.to_thread(self.engine.verify, inputs)
        except Exception as error:
            log.exception("verification run crashed", extra={"run_id": str(run_id)})
            return await self._failed(run_id, type(error).__name__)
        async with transaction(self.sessions) as session:
            run = await session.get(VerificationRun, run_id)
            if run is None or run.status != VerificationStatus.queued:
                return None
            now = self.clock.now()
            await service.record_report(session, run, report, now=now)
            if self.auto_approve_low_risk and run.submission_id is not None:
                await service.approve_if_low_risk(session, run, now)
        log.info(
            "verification run done",
            extra={"run_id": str(run_id), "outcome": str(report.outcome), "ms": report.duration_ms},
        )
        return VerificationStatus.done

    async def _claims(self, session: AsyncSession, run: VerificationRun) -> Claims:
        submission = None
        if run.submission_id is not None:
            submission = await session.get(OnboardingSubmission, run.submission_id)
        else:
            submission = await session.scalar(
                select(OnboardingSubmission).where(
                    OnboardingSubmission.individual_id == run.individual_id
                )
            )
        data = (
            submission.data if submission is not None and isinstance(submission.data, dict) else {}
        )
        return service.claims_of(data)

    async def _failed(self, run_id: uuid.UUID, error: str) -> VerificationStatus:
        async with transaction(self.sessions) as session:
            run = await session.get(VerificationRun, run_id)
            if run is None:
                return VerificationStatus.failed
            run.last_error = error[:200]
            if run.attempts >= MAX_ATTEMPTS:
                run.status = VerificationStatus.failed
                run.next_attempt_at = None
                run.finished_at = self.clock.now()
                return VerificationStatus.failed
            wait = RETRY_AFTER[min(run.attempts, len(RETRY_AFTER)) - 1]
            run.next_attempt_at = self.clock.now() + wait
            return VerificationStatus.queued
