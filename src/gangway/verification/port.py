"""The verification port: a provider turns photos and claims into a report.

The built-in engine implements it locally; a commercial vendor's adapter would implement the same
two methods (``verify`` may call out over HTTP: it runs in a worker thread, never in a request).
The composition root picks one by ``GANGWAY_VERIFICATION_ENGINE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from gangway.verification.engine import (
    BuiltinEngine,
    CheckOutcome,
    VerificationCheck,
    VerificationInputs,
    VerificationReport,
)
from gangway.verification.engine import available as builtin_available
from gangway.verification.engine.report import REPORT_VERSION

CHECK_IDS = ("document_mrz", "face_match", "image_quality")


class VerificationEngine(Protocol):
    name: str

    def available(self) -> tuple[bool, str]:
        """Whether the engine can run here, and a sentence saying why (readiness, ``doctor``)."""
        ...

    def verify(self, inputs: VerificationInputs) -> VerificationReport:
        """Every check's verdict; a broken check is ``error``, never an exception."""
        ...


class Builtin:
    """The self-hosted engine (Tesseract + OCR-B templates, dlib face embeddings, OpenCV)."""

    name = "builtin"

    def __init__(self) -> None:
        self._engine = BuiltinEngine()

    def available(self) -> tuple[bool, str]:
        return builtin_available()

    def verify(self, inputs: VerificationInputs) -> VerificationReport:
        return self._engine.verify(inputs)


@dataclass
class FakeEngine:
    """Tests: every check gets ``outcomes[check]`` (default pass); remembers what it was given."""

    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    crash: bool = False
    seen: list[VerificationInputs] = field(default_factory=list)
    name: str = "fake"

    def available(self) -> tuple[bool, str]:
        return True, "fake engine (tests)"

    def verify(self, inputs: VerificationInputs) -> VerificationReport:
        if self.crash:
            raise RuntimeError("fake engine crash")
        self.seen.append(inputs)
        checks = tuple(
            VerificationCheck(check, outcome, f"fake_{outcome}", {"claims": _claims_seen(inputs)})
            for check in CHECK_IDS
            for outcome in [self.outcomes.get(check, CheckOutcome.passed)]
        )
        return VerificationReport(REPORT_VERSION, checks, self.name, 1)


def _claims_seen(inputs: VerificationInputs) -> dict[str, str | None]:
    return {"document_number": inputs.claims.document_number}


def simulated_report() -> VerificationReport:
    """What the sandbox KYC simulation stores: its synthetic images are not real documents."""
    checks = tuple(
        VerificationCheck(check, CheckOutcome.passed, "simulated", {"simulated": True})
        for check in CHECK_IDS
    )
    return VerificationReport(REPORT_VERSION, checks, "simulated", 0)


def engine_for(name: str) -> VerificationEngine | None:
    """``builtin`` or ``fake``; ``off`` (or anything else) turns verification off."""
    if name == "builtin":
        return Builtin()
    if name == "fake":
        return FakeEngine()
    return None
