"""The outcome of a check and how outcomes combine into a risk level."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    passed = "pass"
    warn = "warn"
    fail = "fail"


class RiskLevel(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


@dataclass(frozen=True)
class CheckResult:
    check: str
    result: Outcome
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "check": self.check,
            "result": str(self.result),
            "reason": self.reason,
        }
        if self.detail:
            data["detail"] = self.detail
        return data


def risk_level(results: Iterable[CheckResult]) -> RiskLevel:
    """Any failure is high risk, any warning medium, all passing low."""
    outcomes = {r.result for r in results}
    if Outcome.fail in outcomes:
        return RiskLevel.high
    if Outcome.warn in outcomes:
        return RiskLevel.medium
    return RiskLevel.low
