"""Drafts and the submission: what the hosted flow saves and how it is frozen.

``submit`` is the one way an onboarding becomes ``onboarding_data_provided`` (the flow's review
step and the sandbox simulation both call it). It is idempotent: of two racing calls (double
click, two tabs) exactly one creates the submission and the event; the other returns it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import RequestBlocked
from gangway.events import service as events
from gangway.individuals import service as individuals
from gangway.models import (
    EventName,
    Individual,
    IndividualStatus,
    OnboardingDraft,
    OnboardingSubmission,
)
from gangway.onboarding import documents
from gangway.onboarding.submission import SubmittedOnboarding

# Runs inside the submit transaction, after the submission row is flushed and before the status
# change (the composition root lists the automated checks here). An exception rolls the whole
# submission back.
AfterSubmission = Callable[
    [AsyncSession, OnboardingSubmission, Individual, datetime], Awaitable[None]
]

ONBOARDING_STEPS = (
    "welcome",
    "personal",
    "address",
    "phone",
    "document",
    "selfie",
    "questions",
    "security",
)


def prefill(individual: Individual) -> dict[str, Any]:
    """The draft a new flow starts from: what the partner already sent."""
    data: dict[str, Any] = {
        "personal": {
            "first_name": individual.first_name,
            "last_name": individual.last_name,
            "date_of_birth": individual.date_of_birth.isoformat(),
            "nationality": "",
        },
        "phone": {"phone_number": individual.phone_number, "verified": False},
    }
    if individual.address:
        data["address"] = {k: individual.address.get(k) or "" for k in ADDRESS_KEYS}
        data["personal"]["nationality"] = individual.address.get("country_code") or ""
    return data


ADDRESS_KEYS = ("country_code", "street1", "street2", "city", "region", "postal_code")


class Draft(Protocol):
    """What the step handlers need of a draft: ``OnboardingDraft`` (one per individual) or a
    consent flow's ``ConsentProgress`` (one per flow session)."""

    data: dict[str, Any]
    completed_steps: list[str]
    updated_at: datetime


async def get_draft(
    session: AsyncSession, individual_id: uuid.UUID, *, for_update: bool = False
) -> OnboardingDraft | None:
    """The individual's draft; ``for_update`` locks it so that two tabs saving different steps
    at once are applied one after the other (neither overwrites the other's step)."""
    query = select(OnboardingDraft).where(OnboardingDraft.individual_id == individual_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_or_create_draft(
    session: AsyncSession, individual: Individual, now: datetime
) -> OnboardingDraft:
    draft = await get_draft(session, individual.id)
    if draft is not None:
        return draft
    draft = OnboardingDraft(
        individual_id=individual.id,
        partner_id=individual.partner_id,
        data=prefill(individual),
        completed_steps=[],
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(draft)
    except IntegrityError:  # opened in two tabs at once: the other one created it
        existing = await get_draft(session, individual.id)
        assert existing is not None
        return existing
    return draft


async def save_step(
    session: AsyncSession,
    draft: Draft,
    step: str,
    values: dict[str, Any],
    now: datetime,
    *,
    complete: bool = True,
) -> None:
    """Replace one step's data (a new dict, so the JSON column is seen as changed)."""
    draft.data = {**draft.data, step: values}
    done = [s for s in draft.completed_steps if s != step]
    if complete:
        done.append(step)
    draft.completed_steps = done
    draft.updated_at = now
    await session.flush()


def first_unfinished(draft: Draft, steps: tuple[str, ...] = ONBOARDING_STEPS) -> str | None:
    return next((s for s in steps if s not in draft.completed_steps), None)


@dataclass(frozen=True)
class SubmitResult:
    submission: OnboardingSubmission
    individual: Individual
    created: bool


async def _lock_individual(session: AsyncSession, individual_id: uuid.UUID) -> Individual:
    individual = await session.scalar(
        select(Individual)
        .where(Individual.id == individual_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if individual is None:
        raise RequestBlocked("The individual no longer exists.")
    return individual


async def existing_submission(
    session: AsyncSession, individual_id: uuid.UUID
) -> OnboardingSubmission | None:
    return await session.scalar(
        select(OnboardingSubmission).where(OnboardingSubmission.individual_id == individual_id)
    )


async def submit(
    session: AsyncSession,
    individual_id: uuid.UUID,
    now: datetime,
    *,
    after_submission: Sequence[AfterSubmission],
) -> SubmitResult:
    """Freeze the draft, run ``after_submission`` (the automated checks), move the individual and
    record the event — or, if this onboarding was already submitted, return that submission
    unchanged."""
    individual = await _lock_individual(session, individual_id)
    previous = await existing_submission(session, individual.id)
    if previous is not None:
        return SubmitResult(previous, individual, created=False)
    individuals.require_status(individual, [IndividualStatus.onboarding_requested])
    draft = await get_draft(session, individual.id)
    if draft is None or first_unfinished(draft) is not None:
        raise RequestBlocked("The onboarding is not complete yet.")
    submission = OnboardingSubmission(
        individual_id=individual.id,
        partner_id=individual.partner_id,
        data=SubmittedOnboarding.from_draft(draft.data, individual.email).model_dump(mode="json"),
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(submission)
    except IntegrityError:  # lost a race the row lock did not serialise (e.g. SQLite)
        previous = await existing_submission(session, individual.id)
        if previous is None:
            raise
        return SubmitResult(previous, individual, created=False)
    await documents.attach(
        session, individual.id, documents.referenced_ids(draft.data), submission_id=submission.id
    )
    for step in after_submission:
        await step(session, submission, individual, now)
    await individuals.transition(
        session,
        individual,
        IndividualStatus.onboarding_data_provided,
        allowed_from=[IndividualStatus.onboarding_requested],
        now=now,
    )
    await events.record(
        session,
        partner_id=individual.partner_id,
        individual_id=individual.id,
        name=EventName.IndividualOnboardingDataProvided,
        now=now,
        status=IndividualStatus.onboarding_data_provided.value,
    )
    return SubmitResult(submission, individual, created=True)
