"""Document MRZ (check id ``document_mrz``): find the zone in a photo, read it, compare with claims.

The zone is found as the widest block of small dark text: a black-hat filter keeps dark strokes
smaller than the kernel, a horizontal gradient keeps character edges, and closing with a wide kernel
merges each line and then the two or three lines into one band. The band's rotated rectangle gives
the skew (±5° at most); it is cut out, upscaled to ~36 px characters, binarised and read by
Tesseract. Several crops are tried (band, band with a larger margin, bottom of the frame) and the
first whose check digits all agree wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from gangway.verification.engine import ocrb
from gangway.verification.engine.claims import Claims
from gangway.verification.engine.claims_match import Mismatch, compare_with_claims
from gangway.verification.engine.images import Image, decode, fit_within, to_gray
from gangway.verification.engine.mrz_decode import parse_corrected, parse_scored
from gangway.verification.engine.mrz_format import LAYOUTS, MrzData, layout_for
from gangway.verification.engine.ocr import read_mrz_text
from gangway.verification.engine.report import CheckOutcome, VerificationCheck

CHECK_ID = "document_mrz"
WORK_WIDTH = 1400
MAX_SKEW_DEGREES = 5.0
# Characters upscaled to about this many pixels tall: Tesseract's LSTM reads best at 30-40 px.
TARGET_CHAR_HEIGHT = 36

__all__ = ["CHECK_ID", "MrzRead", "check_document_mrz", "compare_with_claims", "read_mrz"]


@dataclass(frozen=True)
class MrzRead:
    """The best reading of one photo: parsed data (maybe with failed checks) and the raw OCR."""

    data: MrzData | None
    raw: tuple[str, ...] = ()
    attempts: int = 0
    notes: list[str] = field(default_factory=list)


def _band_candidates(gray: Image) -> list[tuple[tuple[float, float], tuple[float, float], float]]:
    """Rotated rectangles (centre, size, angle) of wide text bands, widest first."""
    width = gray.shape[1]
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    blackhat = cv2.morphologyEx(
        smooth, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 9))
    )
    gradient = np.absolute(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=3))
    gradient = (255 * (gradient / (gradient.max() or 1.0))).astype(np.uint8)
    closed = cv2.morphologyEx(
        gradient, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (31, 5))
    )
    _, mask = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Join the lines of the zone into one band, then drop thin bridges to neighbouring text.
    mask = cv2.morphologyEx(
        mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (41, 31))
    )
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=3)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    bands = []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle - 90
        angle = (angle + 90) % 180 - 90
        if w < 0.3 * width or h < 8 or w / h < 4 or abs(angle) > MAX_SKEW_DEGREES + 1:
            continue
        bands.append(((cx, cy), (w, h), angle))
    # The MRZ is the widest text block; among similar widths, the lowest on the page.
    bands.sort(key=lambda band: (-round(band[1][0] / (0.05 * width)), -band[0][1]))
    return bands[:3]


def _cut(
    gray: Image, centre: tuple[float, float], size: tuple[float, float], angle: float, margin: float
) -> Image:
    """Rotate ``gray`` so the band is level and cut it out with ``margin`` (share of its height)."""
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    level = cv2.warpAffine(
        gray,
        matrix,
        (gray.shape[1], gray.shape[0]),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    w, h = size
    pad_y, pad_x = margin * h, 0.03 * w + margin * h * 0.5
    x0, x1 = (
        int(max(0, centre[0] - w / 2 - pad_x)),
        int(min(gray.shape[1], centre[0] + w / 2 + pad_x)),
    )
    y0, y1 = (
        int(max(0, centre[1] - h / 2 - pad_y)),
        int(min(gray.shape[0], centre[1] + h / 2 + pad_y)),
    )
    return level[y0:y1, x0:x1]


def _prepare(crop: Image, line_count_guess: int) -> Image:
    """Upscale to ~TARGET_CHAR_HEIGHT px characters and binarise (dark text on white)."""
    # A band holds 2-3 lines at ~1.7 x character height each, plus margins.
    char_height = max(1.0, crop.shape[0] / (line_count_guess * 1.9 + 0.6))
    scale = float(np.clip(TARGET_CHAR_HEIGHT / char_height, 1.0, 4.0))
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    big = cv2.GaussianBlur(big, (3, 3), 0)
    _, binary = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return cv2.copyMakeBorder(binary, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)


def _mrz_lines(text: str) -> list[str]:
    lines = [re.sub(r"[^A-Z0-9<]", "", line.upper()) for line in text.splitlines()]
    lines = [line for line in lines if len(line) >= 26]
    # Field text above the zone can sneak into the crop; the zone is the last 2-3 lines.
    for count in (3, 2):
        tail = lines[-count:]
        if len(tail) == count and layout_for(tail) is not None:
            return tail
    return lines


def _score(data: MrzData | None) -> int:
    return -1 if data is None else sum(data.checks.values())


def _read_crop(prepared: Image, lines_guess: int, attempt: int) -> MrzRead:
    """The OCR-B templates first, in each layout the crop may hold; Tesseract when none is valid."""
    best = MrzRead(None)
    if ocrb.font_available():
        for layout in LAYOUTS:
            if lines_guess not in (layout.lines, 6):
                continue
            scores = ocrb.read_band_scores(prepared, layout.lines, layout.length)
            if scores is None:
                continue
            data = parse_scored(scores)
            if _score(data) > _score(best.data):
                best = MrzRead(data, tuple(ocrb.best_text(line) for line in scores), attempt)
            if data is not None and data.valid:
                return best
    raw = _mrz_lines(read_mrz_text(prepared))
    data = parse_corrected(raw)
    return MrzRead(data, tuple(raw), attempt) if _score(data) > _score(best.data) else best


def read_mrz_image(image: Image) -> MrzRead:
    """Find and read the zone in a decoded image (BGR or gray)."""
    gray, _ = fit_within(to_gray(image), WORK_WIDTH)
    crops: list[tuple[Image, int]] = []
    for centre, size, angle in _band_candidates(gray):
        lines_guess = 3 if size[1] / size[0] > 0.09 else 2
        crops.append((_cut(gray, centre, size, angle, 0.25), lines_guess))
        crops.append((_cut(gray, centre, size, angle, 0.6), lines_guess))
    # No band found, or none readable: the zone is at the bottom of the document.
    height = gray.shape[0]
    crops.append((gray[int(height * 0.55) :, :], 6))
    best = MrzRead(None)
    for attempt, (crop, lines_guess) in enumerate(crops, start=1):
        if crop.size == 0:
            continue
        read = _read_crop(_prepare(crop, lines_guess), lines_guess, attempt)
        if _score(read.data) > _score(best.data):
            best = read
        if best.data is not None and best.data.valid:
            break
    return MrzRead(best.data, best.raw, len(crops) if best.data is None else best.attempts)


def read_mrz(content: bytes) -> MrzRead:
    return read_mrz_image(decode(content, grayscale=True))


def check_document_mrz(front: bytes, back: bytes | None, claims: Claims) -> VerificationCheck:
    """The ``document_mrz`` check: the back first for cards (where TD1 zones are), then the front.

    Unreadable, or check digits still wrong after correction: ``warn`` for a human. Read and valid
    but different from a claim: ``fail`` naming the fields. Read, valid and matching: ``pass``.
    """
    best = MrzRead(None)
    for side, content in (("back", back), ("front", front)):
        if content is None:
            continue
        read = read_mrz(content)
        if _score(read.data) > _score(best.data):
            best = MrzRead(read.data, read.raw, read.attempts, [f"side={side}"])
        if best.data is not None and best.data.valid:
            break
    if best.data is None:
        return VerificationCheck(
            CHECK_ID, CheckOutcome.warn, "mrz_unreadable", {"ocr_lines": list(best.raw)}
        )
    evidence: dict[str, object] = {"mrz": best.data.as_evidence(), "notes": best.notes}
    if not best.data.valid:
        failed = sorted(name for name, ok in best.data.checks.items() if not ok)
        evidence["failed_check_digits"] = failed
        return VerificationCheck(CHECK_ID, CheckOutcome.warn, "mrz_check_digits_invalid", evidence)
    mismatches: list[Mismatch] = compare_with_claims(best.data, claims)
    if mismatches:
        evidence["mismatches"] = [m.as_evidence() for m in mismatches]
        reason = "_and_".join(m.field for m in mismatches) + "_mismatch"
        if all(m.near for m in mismatches):
            # One letter off in a name only: a human decides between misreading and a change.
            return VerificationCheck(
                CHECK_ID, CheckOutcome.warn, reason.replace("_mismatch", "_near_match"), evidence
            )
        return VerificationCheck(CHECK_ID, CheckOutcome.fail, reason, evidence)
    return VerificationCheck(CHECK_ID, CheckOutcome.passed, "mrz_matches_claims", evidence)
