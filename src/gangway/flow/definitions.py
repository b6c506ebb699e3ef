"""The hosted flows, each declared once: its steps by name, what each step shows and saves, the
groups its review page lists, and what completing it does.

Onboarding resumes the individual's draft and ends in the submission; the consent flows (identity
verification, proof of address) start with "Confirm it's you", keep their progress per flow
session and end by completing their pending action. The routes (``flow.routes``) know no flow by
name: they walk the definition.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gangway.flow import consent, handlers, review
from gangway.flow.context import FlowContext, Outcome
from gangway.kit.catalogues import N_

Handler = Callable[[FlowContext, Any], Awaitable[Outcome]]
Prepare = Callable[[FlowContext, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Step:
    name: str
    template: str
    title: str  # the page's heading (a message id of the flow catalogue)
    handle: Handler
    prepare: Prepare = handlers.prepare_from_draft
    multipart: bool = False


@dataclass(frozen=True)
class FlowDefinition:
    name: str
    # The last step is the review; its POST completes the flow.
    steps: tuple[Step, ...]
    review: tuple[review.ReviewGroup, ...]
    complete: Callable[[FlowContext], Awaitable[None]]
    # A consent flow belongs to a pending action's consent (``FlowSession.consent_id``).
    consent: bool = False

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    @property
    def before_review(self) -> tuple[str, ...]:
        """The steps that must be completed before the review (all but the last)."""
        return self.names[:-1]


# --- the steps ---------------------------------------------------------------------------------

WELCOME = Step("welcome", "welcome.html", N_("Welcome"), handlers.welcome)
PERSONAL = Step("personal", "personal.html", N_("Personal details"), handlers.personal)
ADDRESS = Step("address", "address.html", N_("Address"), handlers.address)
PHONE = Step("phone", "phone.html", N_("Phone number"), handlers.phone_step, handlers.prepare_phone)
DOCUMENT = Step(
    "document",
    "document.html",
    N_("Identity document"),
    handlers.document,
    handlers.prepare_document,
    multipart=True,
)
SELFIE = Step(
    "selfie",
    "selfie.html",
    N_("Selfie"),
    handlers.selfie,
    handlers.prepare_selfie,
    multipart=True,
)
QUESTIONS = Step("questions", "questions.html", N_("A few questions"), handlers.questions)
SECURITY = Step(
    "security", "security.html", N_("Security"), handlers.security, handlers.prepare_security
)
REVIEW = Step(
    "review", "review.html", N_("Check your details"), handlers.review, handlers.prepare_review
)

CONFIRM = Step(
    consent.CONFIRM_STEP,
    "confirm.html",
    N_("Confirm it's you"),
    consent.confirm,
    consent.prepare_confirm,
)
CONFIRM_ADDRESS = Step(
    "address",
    "consent_address.html",
    N_("Confirm your address"),
    handlers.address,
    consent.prepare_last_address,
)
PROOF = Step(
    "proof",
    "proof.html",
    N_("Proof of address"),
    handlers.proof,
    handlers.prepare_proof,
    multipart=True,
)

# --- the flows ---------------------------------------------------------------------------------

ONBOARDING = FlowDefinition(
    name="onboarding",
    steps=(WELCOME, PERSONAL, ADDRESS, PHONE, DOCUMENT, SELFIE, QUESTIONS, SECURITY, REVIEW),
    review=(
        review.PERSONAL,
        review.ADDRESS,
        review.PHONE,
        review.DOCUMENT,
        review.SELFIE,
        review.QUESTIONS,
        review.SECURITY,
    ),
    complete=handlers.submit_onboarding,
)
IDENTITY_VERIFICATION = FlowDefinition(
    name="identity_verification",
    steps=(CONFIRM, DOCUMENT, SELFIE, REVIEW),
    review=(review.DOCUMENT, review.SELFIE),
    complete=functools.partial(
        consent.complete, entered=review.entered_document, verify_identity=True
    ),
    consent=True,
)
PROOF_OF_ADDRESS_VERIFICATION = FlowDefinition(
    name="proof_of_address_verification",
    steps=(CONFIRM, CONFIRM_ADDRESS, PROOF, REVIEW),
    review=(review.CONFIRMED_ADDRESS, review.PROOF),
    complete=functools.partial(consent.complete, entered=review.entered_address_and_proof),
    consent=True,
)

FLOWS = {
    flow.name: flow for flow in (ONBOARDING, IDENTITY_VERIFICATION, PROOF_OF_ADDRESS_VERIFICATION)
}
