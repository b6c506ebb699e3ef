"""The built-in engine: runs the three checks on one submission and never raises."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from gangway.verification.engine import faces, mrz, ocr, ocrb, quality
from gangway.verification.engine.claims import VerificationInputs
from gangway.verification.engine.report import (
    REPORT_VERSION,
    CheckOutcome,
    VerificationCheck,
    VerificationReport,
)

ENGINE_NAME = "builtin-1"
log = logging.getLogger(__name__)


def available() -> tuple[bool, str]:
    """Whether Tesseract, the OCR-B font and the face model are installed (for readiness)."""
    missing = []
    if ocr.tesseract_path() is None:
        missing.append("tesseract (apt-get install tesseract-ocr)")
    elif "eng" not in ocr.tesseract_languages():
        missing.append("tesseract English model (apt-get install tesseract-ocr-eng)")
    if not ocrb.font_available():
        missing.append("OCR-B font (apt-get install fonts-ocr-b)")
    try:
        import dlib  # noqa: F401
    except ImportError:
        missing.append("dlib (the dlib-bin wheel)")
    if faces.models_directory() is None:
        missing.append("face models (the face-recognition-models wheel)")
    if missing:
        return False, "missing: " + ", ".join(missing)
    return True, "tesseract, OCR-B font and dlib face models present"


class BuiltinEngine:
    """Document MRZ, face match and image quality, computed locally on one core."""

    name = ENGINE_NAME

    def verify(self, inputs: VerificationInputs) -> VerificationReport:
        started = time.perf_counter()
        images: dict[str, tuple[bytes, quality.ImageKind]] = {
            "document_front": (inputs.document_front, quality.ImageKind.document)
        }
        if inputs.document_back is not None:
            images["document_back"] = (inputs.document_back, quality.ImageKind.document)
        if inputs.selfie is not None:
            images["selfie"] = (inputs.selfie, quality.ImageKind.selfie)
        checks = (
            _guarded(
                mrz.CHECK_ID,
                lambda: mrz.check_document_mrz(
                    inputs.document_front, inputs.document_back, inputs.claims
                ),
            ),
            _guarded(
                faces.CHECK_ID, lambda: faces.check_face_match(inputs.document_front, inputs.selfie)
            ),
            _guarded(quality.CHECK_ID, lambda: quality.check_image_quality(images)),
        )
        duration_ms = round((time.perf_counter() - started) * 1000)
        return VerificationReport(REPORT_VERSION, checks, self.name, duration_ms)


def _guarded(check_id: str, run: Callable[[], VerificationCheck]) -> VerificationCheck:
    # A broken check must not hide the others' verdicts: it becomes "error" for a human to see.
    try:
        return run()
    except Exception as error:
        log.exception("verification check %s failed", check_id)
        return VerificationCheck(
            check_id, CheckOutcome.error, type(error).__name__, {"message": str(error)[:300]}
        )
