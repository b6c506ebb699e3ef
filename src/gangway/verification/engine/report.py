"""The engine's result model: one outcome per check, gathered in a versioned report."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

REPORT_VERSION = 1


class CheckOutcome(StrEnum):
    passed = "pass"
    warn = "warn"
    fail = "fail"
    # The check itself broke (a bug, a missing binary); the submission needs a human.
    error = "error"


@dataclass(frozen=True)
class VerificationCheck:
    """One check's verdict.

    ``reason`` is a short machine-readable key (``document_number_mismatch``, ``no_face_in_selfie``)
    that the back office translates; ``evidence`` holds JSON-safe figures (scores, read fields,
    metrics); ``attachments`` holds small binary evidence for reviewers (face crops as JPEG).
    """

    check: str
    outcome: CheckOutcome
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, bytes] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "outcome": str(self.outcome),
            "reason": self.reason,
            "evidence": self.evidence,
            "attachments": {
                name: base64.b64encode(content).decode("ascii")
                for name, content in self.attachments.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerificationCheck:
        return cls(
            check=data["check"],
            outcome=CheckOutcome(data["outcome"]),
            reason=data["reason"],
            evidence=dict(data.get("evidence") or {}),
            attachments={
                name: base64.b64decode(encoded)
                for name, encoded in (data.get("attachments") or {}).items()
            },
        )


@dataclass(frozen=True)
class VerificationReport:
    version: int
    checks: tuple[VerificationCheck, ...]
    engine: str
    duration_ms: int

    def check(self, check_id: str) -> VerificationCheck | None:
        return next((c for c in self.checks if c.check == check_id), None)

    @property
    def outcome(self) -> CheckOutcome:
        """The worst outcome: error before fail before warn before pass."""
        order = [CheckOutcome.error, CheckOutcome.fail, CheckOutcome.warn]
        outcomes = {c.outcome for c in self.checks}
        return next((o for o in order if o in outcomes), CheckOutcome.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "engine": self.engine,
            "duration_ms": self.duration_ms,
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerificationReport:
        return cls(
            version=int(data["version"]),
            checks=tuple(VerificationCheck.from_dict(c) for c in data["checks"]),
            engine=data["engine"],
            duration_ms=int(data["duration_ms"]),
        )

    @classmethod
    def from_json(cls, text: str) -> VerificationReport:
        return cls.from_dict(json.loads(text))
