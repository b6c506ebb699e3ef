"""Verification tests need Tesseract, the OCR-B font and dlib's face models.

Locally a missing piece skips the test with the reason; CI sets GANGWAY_REQUIRE_VERIFICATION=1 so a
missing install step fails loudly instead of turning the suite green by skipping.
"""

from __future__ import annotations

import os
import random

import pytest

from gangway.verification.engine import available
from gangway.verification.engine.ocrb import font_available


def require_verification_tools() -> None:
    ok, reason = available()
    if ok:
        return
    if os.environ.get("GANGWAY_REQUIRE_VERIFICATION") == "1":
        pytest.fail(f"GANGWAY_REQUIRE_VERIFICATION=1 but {reason}")
    pytest.skip(reason)


def require_ocr_b_font() -> None:
    if font_available():
        return
    if os.environ.get("GANGWAY_REQUIRE_VERIFICATION") == "1":
        pytest.fail("GANGWAY_REQUIRE_VERIFICATION=1 but the OCR-B font is missing (fonts-ocr-b)")
    pytest.skip("the OCR-B font is missing (apt-get install fonts-ocr-b)")


@pytest.fixture
def tools() -> None:
    require_verification_tools()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20240601)
