"""Image quality (check id ``image_quality``): resolution, blur, glare, darkness, document area.

Every metric is computed on a copy shrunk to :data:`WORK_SIDE` pixels on its longer side, so the
figures (a Laplacian variance especially) mean the same whatever camera took the photo, and a
12-megapixel photo is judged in tens of milliseconds. The upload-time entry point is
:func:`upload_problem`; the engine's check is :func:`check_image_quality`.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage

from gangway.verification.engine.images import Image, decode, fit_within, to_gray
from gangway.verification.engine.report import CheckOutcome, VerificationCheck

CHECK_ID = "image_quality"
WORK_SIDE = 1000

# Thresholds, calibrated on the synthetic bench (bench/verification.py, docs/performance.md (Identity verification)).
# Shorter side in pixels of the photo as uploaded: a document's MRZ needs ~8 px per character stroke.
MIN_SHORT_SIDE = {"document": 600, "selfie": 480}
# Sharpness: 90th percentile of per-tile Laplacian variance at WORK_SIDE. Tiles, not the whole
# frame, so a plain table around the card does not make a sharp photo look blurred. Sensor noise
# raises it too, which is why printed documents (fine detail everywhere) get the higher bar.
MIN_SHARPNESS = {"document": 1000.0, "selfie": 250.0}
# Mean luminance (0-255) under which the photo is too dark to read.
MIN_BRIGHTNESS = 55.0
# Glare: the largest blob of clipped pixels (>= 250), as a share of the frame.
MAX_GLARE_BLOB = {"document": 0.006, "selfie": 0.03}
# The document's quadrilateral must cover at least this share of the frame.
MIN_DOCUMENT_AREA = 0.2

TILES = 8

NDArrayF = NDArray[np.float32]


class ImageKind(StrEnum):
    document = "document"
    selfie = "selfie"


class Problem(StrEnum):
    """User-facing keys, translated by the flow ("Your photo is blurred, please retake it")."""

    too_small = "photo_too_small"
    blurred = "photo_blurred"
    too_dark = "photo_too_dark"
    glare = "photo_glare"
    document_not_visible = "photo_document_not_visible"


@dataclass(frozen=True)
class QualityMetrics:
    width: int
    height: int
    sharpness: float
    brightness: float
    glare_blob: float
    glare_pixels: float
    document_area: float | None


@dataclass(frozen=True)
class QualityAssessment:
    kind: ImageKind
    metrics: QualityMetrics
    problems: tuple[Problem, ...]

    def as_evidence(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "problems": [str(p) for p in self.problems],
            **{
                k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in asdict(self.metrics).items()
            },
        }


def _original_size(content: bytes) -> tuple[int, int]:
    # Only the header is read; EXIF rotation swaps the sides for portrait phone photos.
    with PILImage.open(io.BytesIO(content)) as probe:
        width, height = probe.size
        orientation = probe.getexif().get(0x0112, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _reduction(width: int, height: int) -> int:
    """The largest libjpeg reduction that still leaves WORK_SIDE pixels on the longer side."""
    long_side = max(width, height)
    return next((r for r in (8, 4, 2) if long_side // r >= WORK_SIDE), 1)


def sharpness(gray: Image) -> float:
    laplacian = cv2.Laplacian(gray, cv2.CV_32F, ksize=3)
    height, width = gray.shape
    tile_h, tile_w = max(1, height // TILES), max(1, width // TILES)
    variances = [
        float(laplacian[y : y + tile_h, x : x + tile_w].var())
        for y in range(0, height - tile_h + 1, tile_h)
        for x in range(0, width - tile_w + 1, tile_w)
    ]
    return float(np.percentile(variances, 90)) if variances else 0.0


def glare(gray: Image) -> tuple[float, float]:
    """(largest clipped blob, all clipped pixels), both as shares of the frame."""
    clipped = (gray >= 250).astype(np.uint8)
    total = float(gray.size)
    share = float(clipped.sum()) / total
    if share == 0.0:
        return 0.0, 0.0
    # Opening drops isolated clipped pixels (specular dots, white text edges); glare is a blob.
    opened = cv2.morphologyEx(clipped, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    largest = max((int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, count)), default=0)
    return largest / total, share


def document_quadrilateral(gray: Image) -> NDArrayF | None:
    """Corners (4x2, in ``gray``'s pixels) of the largest card-like quadrilateral, if any."""
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(blurred, 30, 90)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best: NDArrayF | None = None
    best_area = 0.0
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < 0.05 * gray.size or area <= best_area:
            continue
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float32)
        else:
            # A rounded or partly occluded card: accept its bounding rotated rectangle when the
            # contour fills most of it.
            rect = cv2.minAreaRect(hull)
            if cv2.contourArea(hull) < 0.85 * rect[1][0] * rect[1][1]:
                continue
            quad = cv2.boxPoints(rect).astype(np.float32)
        best, best_area = quad, cv2.contourArea(quad)
    return best


def assess_image(
    image: Image, kind: ImageKind, *, original_size: tuple[int, int]
) -> QualityAssessment:
    """Judge a decoded image (any size; shrunk here) whose upload was ``original_size`` (w, h)."""
    work, _ = fit_within(to_gray(image), WORK_SIDE)
    width, height = original_size
    glare_blob, glare_pixels = glare(work)
    area: float | None = None
    if kind is ImageKind.document:
        quad = document_quadrilateral(work)
        area = 0.0 if quad is None else float(cv2.contourArea(quad)) / work.size
    metrics = QualityMetrics(
        width=width,
        height=height,
        sharpness=sharpness(work),
        brightness=float(work.mean()),
        glare_blob=glare_blob,
        glare_pixels=glare_pixels,
        document_area=area,
    )
    return QualityAssessment(kind, metrics, _problems(metrics, kind))


def _problems(metrics: QualityMetrics, kind: ImageKind) -> tuple[Problem, ...]:
    # Ordered by what the user should fix first: a retake closer up fixes "too small" and often
    # the rest; a dark photo also looks blurred, so darkness is named before blur.
    problems: list[Problem] = []
    if min(metrics.width, metrics.height) < MIN_SHORT_SIDE[kind]:
        problems.append(Problem.too_small)
    if metrics.brightness < MIN_BRIGHTNESS:
        problems.append(Problem.too_dark)
    if metrics.glare_blob > MAX_GLARE_BLOB[kind]:
        problems.append(Problem.glare)
    if metrics.sharpness < MIN_SHARPNESS[kind] and Problem.too_dark not in problems:
        problems.append(Problem.blurred)
    if metrics.document_area is not None and metrics.document_area < MIN_DOCUMENT_AREA:
        problems.append(Problem.document_not_visible)
    return tuple(problems)


def assess(content: bytes, kind: ImageKind) -> QualityAssessment:
    """Decode ``content`` at reduced size and judge it (raises UnreadableImage)."""
    width, height = _original_size(content)
    image = decode(content, grayscale=True, reduce=_reduction(width, height))
    return assess_image(image, kind, original_size=(width, height))


def upload_problem(content: bytes, kind: ImageKind | str) -> str | None:
    """The first problem key to show the user right after upload, or None when the photo is fine.

    Fast enough for the request path (a 12 MP JPEG takes a few tens of milliseconds: libjpeg
    decodes it at 1/4 size). An unreadable file is the upload validation's business: None here.
    """
    try:
        assessment = assess(content, ImageKind(kind))
    except (ValueError, OSError):
        return None
    return str(assessment.problems[0]) if assessment.problems else None


def check_image_quality(images: dict[str, tuple[bytes, ImageKind]]) -> VerificationCheck:
    """The ``image_quality`` check over named photos (``document_front``, ``selfie``, ...).

    Poor quality is a ``warn``: it does not show fraud, but the other checks' verdicts on that photo
    deserve a human look.
    """
    evidence: dict[str, object] = {}
    first_problem: str | None = None
    for name, (content, kind) in images.items():
        assessment = assess(content, kind)
        evidence[name] = assessment.as_evidence()
        if assessment.problems and first_problem is None:
            first_problem = f"{name}_{assessment.problems[0]}"
    if first_problem is None:
        return VerificationCheck(CHECK_ID, CheckOutcome.passed, "quality_ok", evidence)
    return VerificationCheck(CHECK_ID, CheckOutcome.warn, first_problem, evidence)
