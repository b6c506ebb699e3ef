"""Runs every check on a submission inside the submit transaction and stores the results.

``gangway.bootstrap`` lists ``run_checks`` among the submission's after-submission steps. When the
operator turned on ``auto_approve_low_risk``, it also lists ``auto_approve`` as an event
subscriber: it approves a ``low`` result right after the submission's event (actor ``system``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.checks import duplicates, sanctions
from gangway.checks.countries import check_country_risk, load_lists
from gangway.checks.results import CheckResult, RiskLevel, risk_level
from gangway.checks.rules import (
    RecordedIdentity,
    check_age,
    check_data_consistency,
    check_document_expiry,
    check_pep,
    check_phone_verified,
    parse_date,
    section,
)
from gangway.individuals.decisions import Actor, Decision, decide
from gangway.models import ActorType, Event, EventName, Individual, OnboardingSubmission
from gangway.models.sealed import keyring_of

log = logging.getLogger("gangway.checks")


@dataclass(frozen=True)
class CheckPolicy:
    """What the operator configured for the automated checks."""

    auto_approve_low_risk: bool
    country_risk_file: str | None


DEFAULT_POLICY = CheckPolicy(auto_approve_low_risk=False, country_risk_file=None)


async def evaluate(
    session: AsyncSession,
    data: dict[str, Any],
    individual: Individual,
    now: datetime,
    policy: CheckPolicy = DEFAULT_POLICY,
) -> list[CheckResult]:
    """Every check, in the order the reviewer reads them."""
    today = now.date()
    record = RecordedIdentity(
        individual.first_name,
        individual.last_name,
        individual.date_of_birth,
        individual.phone_number,
    )
    prints = duplicates.fingerprints(data, keyring_of(session))
    hits = await duplicates.find_duplicates(session, individual.id, prints)
    personal = section(data, "personal")
    full_name = f"{personal.get('first_name') or ''} {personal.get('last_name') or ''}".strip()
    index = await sanctions.current_index(session)
    matches = index.search(full_name, parse_date(personal.get("date_of_birth")))
    return [
        check_age(data, today),
        check_document_expiry(data, today),
        check_data_consistency(data, record),
        check_phone_verified(data, record.phone_number),
        duplicates.check_duplicates(hits),
        check_country_risk(data, load_lists(policy.country_risk_file)),
        sanctions.check_sanctions(matches, len(index)),
        check_pep(data),
    ]


async def run_checks(
    session: AsyncSession,
    submission: OnboardingSubmission,
    individual: Individual,
    now: datetime,
    *,
    policy: CheckPolicy,
) -> None:
    """After submission: store the results and the risk level on the submission."""
    data = submission.data if isinstance(submission.data, dict) else {}
    results = await evaluate(session, data, individual, now, policy)
    level = risk_level(results)
    submission.check_results = [r.as_json() for r in results]
    submission.risk_level = str(level)
    await duplicates.remember(
        session,
        individual.id,
        individual.partner_id,
        duplicates.fingerprints(data, keyring_of(session)),
        now,
    )
    await session.flush()
    log.info("checks run", extra={"submission_id": str(submission.id), "risk_level": str(level)})


async def auto_approve(session: AsyncSession, event: Event) -> None:
    """Event subscriber (listed only when the operator allows it): once the submission's
    ``IndividualOnboardingDataProvided`` is recorded, approve at once when every check passed
    (actor ``system``)."""
    if event.name != EventName.IndividualOnboardingDataProvided:
        return
    level = await session.scalar(
        select(OnboardingSubmission.risk_level).where(
            OnboardingSubmission.individual_id == event.individual_id
        )
    )
    individual = await session.get(Individual, event.individual_id)
    if level != RiskLevel.low or individual is None:
        return
    await decide(
        session,
        individual,
        Decision.approve,
        actor=Actor(ActorType.system, None),
        now=event.created_at,
        note="Auto-approved: every automated check passed (risk level low).",
    )
