"""What a step handler works with: the request's flow session, individual, draft and language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import Consent, FlowSession, Individual, Partner
from gangway.onboarding.flow.forms import Parsed
from gangway.onboarding.flow.i18n import Translator
from gangway.onboarding.service import DraftLike
from gangway.web.runtime import Runtime


@dataclass
class FlowContext:
    request: Request
    session: AsyncSession
    runtime: Runtime
    flow_session: FlowSession
    individual: Individual
    partner: Partner
    draft: DraftLike
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
