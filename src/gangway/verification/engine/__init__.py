"""The built-in verification engine: self-contained image checks with no domain imports.

The domain (ports, worker job, back office) calls :class:`BuiltinEngine` through a port and stores
its :class:`VerificationReport`; nothing here knows about individuals, submissions or sessions.
"""

from gangway.verification.engine.claims import Claims, VerificationInputs
from gangway.verification.engine.engine import BuiltinEngine, available
from gangway.verification.engine.report import (
    CheckOutcome,
    VerificationCheck,
    VerificationReport,
)

__all__ = [
    "BuiltinEngine",
    "CheckOutcome",
    "Claims",
    "VerificationCheck",
    "VerificationInputs",
    "VerificationReport",
    "available",
]
