"""What a step handler works with: the request's flow session, individual, draft and language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.flow.forms import Parsed
from gangway.flow.i18n import Translator
from gangway.models import Consent, FlowSession, Individual, Partner
from gangway.onboarding.service import Draft
from gangway.services import Services

if TYPE_CHECKING:
    from gangway.flow.definitions import FlowDefinition


@dataclass
class FlowContext:
    request: Request
    session: AsyncSession
    services: Services
    flow_session: FlowSession
    definition: FlowDefinition
    individual: Individual
    partner: Partner
    # The onboarding draft (one per individual) or the consent flow's progress (per session).
    draft: Draft
    now: datetime
    lang: str
    t: Translator
    # Consent flows (pending actions): the consent being completed.
    consent: Consent | None = None

    @property
    def sdk(self) -> bool:
        return self.flow_session.platform != "web"

    def step_data(self, step: str) -> dict[str, Any]:
        value = self.draft.data.get(step)
        return dict(value) if isinstance(value, dict) else {}

    @property
    def client_ip(self) -> str | None:
        return self.request.client.host if self.request.client else None


@dataclass
class Outcome:
    """What a step's POST produced: saved (go on) or a page to render again with errors."""

    parsed: Parsed | None = None
    notice: str | None = None
    # Stay on this step after a successful action that is not the end of the step (e.g. "Send code").
    stay: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def saved(self) -> bool:
        return self.parsed is None or self.parsed.ok
