"""Extension points of the submission.

``after_submission`` functions run inside the submit transaction, after the submission row is
flushed and before the individual's status change is flushed. The back office registers its
automated checks here (they fill ``submission.check_results`` and ``submission.risk_level``).
An exception rolls the whole submission back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import Individual, OnboardingSubmission

AfterSubmission = Callable[
    [AsyncSession, OnboardingSubmission, Individual, datetime], Awaitable[None]
]

after_submission: list[AfterSubmission] = []


def register_after_submission(hook: AfterSubmission) -> None:
    if hook not in after_submission:
        after_submission.append(hook)
