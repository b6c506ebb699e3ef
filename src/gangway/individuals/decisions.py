"""Decisions on an individual: approve, reject, block, unblock.

One decision is one transaction (the caller's): the guarded status transition, the outbox event and
the audit entry. Of two concurrent decisions on one individual exactly one wins; the other gets
:class:`AlreadyDecided`. The back office and the sandbox simulation both call :func:`decide`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.errors import FieldError, NotFound, RequestBlocked, ValidationFailed
from gangway.events import service as events
from gangway.individuals import service as individuals
from gangway.kit.ids import parse_uuid
from gangway.models import ActorType, EventName, Individual, IndividualStatus

MAX_NOTE = 2000


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"
    block = "block"
    unblock = "unblock"


@dataclass(frozen=True)
class Rule:
    to: IndividualStatus
    allowed_from: tuple[IndividualStatus, ...]
    event: EventName
    action: str


RULES: dict[Decision, Rule] = {
    Decision.approve: Rule(
        IndividualStatus.activated,
        (IndividualStatus.onboarding_data_provided,),
        EventName.IndividualActivated,
        "individual.approved",
    ),
    Decision.reject: Rule(
        IndividualStatus.blocked,
        (IndividualStatus.onboarding_data_provided,),
        EventName.IndividualBlocked,
        "individual.rejected",
    ),
    Decision.block: Rule(
        IndividualStatus.blocked,
        (IndividualStatus.activated,),
        EventName.IndividualBlocked,
        "individual.blocked",
    ),
    Decision.unblock: Rule(
        IndividualStatus.activated,
        (IndividualStatus.blocked,),
        EventName.IndividualActivated,
        "individual.unblocked",
    ),
}


@dataclass(frozen=True)
class Reason:
    label: str  # what the reviewer picks
    partner_text: str  # what the partner's IndividualBlocked event says (never tips off)


# Partner-safe texts are deliberately generic: a sanctions or fraud suspicion must not be revealed.
REASONS: dict[str, Reason] = {
    "identity_not_verified": Reason(
        "Identity could not be verified", "The applicant's identity could not be verified."
    ),
    "document_invalid": Reason(
        "Identity document invalid, expired or unreadable",
        "The identity document was not accepted.",
    ),
    "underage": Reason(
        "Applicant under the minimum age", "The applicant does not meet the age requirement."
    ),
    "duplicate": Reason(
        "Duplicate of an existing customer", "The applicant already has an account."
    ),
    "high_risk_jurisdiction": Reason(
        "Prohibited or high-risk jurisdiction", "The application does not meet our requirements."
    ),
    "sanctions": Reason(
        "Sanctions or watch-list match", "The application does not meet our requirements."
    ),
    "suspected_fraud": Reason("Suspected fraud", "The application does not meet our requirements."),
    "risk_appetite": Reason(
        "Outside risk appetite", "The application does not meet our requirements."
    ),
    "customer_request": Reason("Customer request", "Closed at the customer's request."),
    "other": Reason(
        "Other (explain in the note)", "The application does not meet our requirements."
    ),
}
NEEDS_REASON = (Decision.reject, Decision.block)


class AlreadyDecided(RequestBlocked):
    """The individual's status no longer allows this decision (another one came first)."""


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: str | None
    client_ip: str | None = None


async def load_individual(session: AsyncSession, individual_id: str | uuid.UUID) -> Individual:
    """Any partner's individual (staff see all partners); unknown or malformed ids are 404."""
    parsed = individual_id if isinstance(individual_id, uuid.UUID) else parse_uuid(individual_id)
    individual = None
    if parsed is not None:
        individual = await session.scalar(select(Individual).where(Individual.id == parsed))
    if individual is None:
        raise NotFound("No individual with this id.")
    return individual


async def decide(
    session: AsyncSession,
    individual: Individual,
    decision: Decision,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    note: str | None = None,
) -> Individual:
    """Apply ``decision`` (never commits). Raises ``ValidationFailed`` for a missing or unknown
    reason, ``AlreadyDecided`` when the status does not allow it or a concurrent decision won."""
    rule = RULES[decision]
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationFailed(
            f"The note is limited to {MAX_NOTE} characters.",
            details=[FieldError("note", "too long")],
        )
    chosen: Reason | None = None
    if decision in NEEDS_REASON:
        if reason not in REASONS:
            raise ValidationFailed(
                "Choose a reason from the list.", details=[FieldError("reason", "required")]
            )
        chosen = REASONS[reason]
        if reason == "other" and note is None:
            raise ValidationFailed(
                "Explain the reason 'Other' in the note.", details=[FieldError("note", "required")]
            )
    previous = individual.status
    if previous not in rule.allowed_from:
        raise AlreadyDecided(
            f"Already decided: the individual is {previous}; to {decision} it should have one of "
            f"the following statuses: {', '.join(rule.allowed_from)}"
        )
    try:
        await individuals.transition(
            session, individual, rule.to, allowed_from=rule.allowed_from, now=now
        )
    except RequestBlocked:
        raise AlreadyDecided(
            "Already decided: another decision on this individual was saved at the same moment. "
            "Reload the page to see it."
        ) from None
    # Every status event says where the individual now stands (IndividualBlocked also why).
    payload: dict[str, str] = {"status": rule.to.value}
    if chosen is not None:
        payload["reason"] = chosen.partner_text
    await events.record(
        session,
        partner_id=individual.partner_id,
        individual_id=individual.id,
        name=rule.event,
        now=now,
        **payload,
    )
    detail: dict[str, object] = {"from": str(previous), "to": str(rule.to)}
    if reason is not None and chosen is not None:
        detail.update(reason=reason, partner_reason=chosen.partner_text)
    if note is not None:
        detail["note"] = note
    await audit.record(
        session,
        action=rule.action,
        now=now,
        actor_type=actor.type,
        actor_id=actor.id,
        subject_id=individual.id,
        client_ip=actor.client_ip,
        detail=detail,
    )
    return individual


def decisions_for(status: str) -> list[Decision]:
    """The decisions the individual's current status allows (the buttons a reviewer sees)."""
    return [d for d, rule in RULES.items() if status in rule.allowed_from]
