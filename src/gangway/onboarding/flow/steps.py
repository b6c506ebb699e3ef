"""Flow definitions: an ordered list of steps, each a template, a form parser and a saver.

The onboarding flow is defined here; the consent flows (identity verification, proof of address)
reuse the same steps (``document``, ``selfie``, ``address``...) with their own definitions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gangway.onboarding import service
from gangway.onboarding.flow import consent, handlers
from gangway.onboarding.flow.context import FlowContext, Outcome

Handler = Callable[[FlowContext, Any], Awaitable[Outcome]]
Prepare = Callable[[FlowContext, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Step:
    name: str
    template: str
    title: str
    handle: Handler
    prepare: Prepare = handlers.prepare_from_draft
    multipart: bool = False


@dataclass(frozen=True)
class FlowDefinition:
    name: str
    steps: tuple[Step, ...]
    # The last step's POST calls this (e.g. the onboarding submission).
    finish: Callable[[FlowContext], Awaitable[None]]

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def index(self, name: str) -> int:
        return [s.name for s in self.steps].index(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)


ONBOARDING = FlowDefinition(
    name="onboarding",
    steps=(
        Step("welcome", "welcome.html", "welcome_title", handlers.welcome),
        Step("personal", "personal.html", "personal_title", handlers.personal),
        Step("address", "address.html", "address_title", handlers.address),
        Step("phone", "phone.html", "phone_title", handlers.phone_step, handlers.prepare_phone),
        Step(
            "document",
            "document.html",
            "document_title",
            handlers.document,
            handlers.prepare_document,
            multipart=True,
        ),
        Step(
            "selfie",
            "selfie.html",
            "selfie_title",
            handlers.selfie,
            handlers.prepare_selfie,
            multipart=True,
        ),
        Step("questions", "questions.html", "questions_title", handlers.questions),
        Step(
            "security",
            "security.html",
            "security_title",
            handlers.security,
            handlers.prepare_security,
        ),
        Step("review", "review.html", "review_title", handlers.review, handlers.prepare_review),
    ),
    finish=handlers.finish_onboarding,
)

CONFIRM = Step("confirm", "confirm.html", "confirm_title", consent.confirm, consent.prepare_confirm)
CONSENT_REVIEW = Step(
    "review", "review.html", "review_title", consent.review, consent.prepare_review
)
IDENTITY_VERIFICATION = FlowDefinition(
    name="identity_verification",
    steps=(CONFIRM, ONBOARDING.steps[4], ONBOARDING.steps[5], CONSENT_REVIEW),
    finish=consent.finish,
)
PROOF_OF_ADDRESS_VERIFICATION = FlowDefinition(
    name="proof_of_address_verification",
    steps=(
        CONFIRM,
        Step(
            "address",
            "consent_address.html",
            "address_confirm_title",
            consent.address,
            consent.prepare_address,
        ),
        Step(
            "proof",
            "proof.html",
            "proof_title",
            consent.proof,
            consent.prepare_proof,
            multipart=True,
        ),
        CONSENT_REVIEW,
    ),
    finish=consent.finish,
)

FLOWS = {
    flow.name: flow for flow in (ONBOARDING, IDENTITY_VERIFICATION, PROOF_OF_ADDRESS_VERIFICATION)
}
CONSENT_FLOWS = (IDENTITY_VERIFICATION.name, PROOF_OF_ADDRESS_VERIFICATION.name)
assert ONBOARDING.names[:-1] == service.ONBOARDING_STEPS
assert IDENTITY_VERIFICATION.names[1:3] == ("document", "selfie")
