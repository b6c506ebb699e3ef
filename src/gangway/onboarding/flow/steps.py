"""Flow definitions: an ordered list of steps, each a template, a form parser and a saver.

The onboarding flow is defined here; the consent flows (identity verification, proof of address)
reuse the same steps (``document``, ``selfie``, ``address``...) with their own definitions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gangway.onboarding import service
from gangway.onboarding.flow import handlers
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

FLOWS = {ONBOARDING.name: ONBOARDING}
assert ONBOARDING.names[:-1] == service.ONBOARDING_STEPS
