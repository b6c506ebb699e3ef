"""A second MRZ reader: OCR-B glyph templates matched in the zone's fixed character cells.

MRZs are printed in OCR-B at a fixed pitch (10 characters per inch), so once the band is level
and binarised every character sits in a cell of one pitch by one line. Each cell is cut around its
ink, *keeping* the cap line, the baseline and the pitch as the frame (normalising each blob to its
own bounding box would hide what tells OCR-B's look-alikes apart: the digit 0 is taller and
narrower than the letter O, L and C differ in where their ink ends, ``<`` sits lower than K).
The cell is compared, by normalised correlation, with every glyph of Debian's OCR-B font rendered
the same way in several stroke weights and small offsets, which absorbs the thickening that blur
and binarisation cause. The result is a score per alphabet character for every position, so the
caller can choose the best character a position's field grammar allows
(:func:`gangway.verification.engine.mrz_format.parse_scored`).

Characters are found as connected components; when blur joins two glyphs or breaks one and the
count on a line is wrong, the cells come from the fixed pitch between the first and last glyph.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from gangway.verification.engine.images import Image

OCR_B_FONT = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
CELL = (20, 26)  # width, height of a normalised character cell
# The cell spans the pitch horizontally and, vertically, the cap height plus these shares of it
# (digits rise a little above the capitals in OCR-B).
ABOVE, BELOW = 0.14, 0.1
RENDER_SIZE = 96
# Printed OCR-B lines score 0.93-0.97 on average, even blurred; other text scores far lower.
MIN_LINE_SCORE = 0.85

Scores = NDArray[np.float32]  # (positions, len(ALPHABET)) correlation scores of one line


def font_available() -> bool:
    return OCR_B_FONT.exists()


def _cell_vector(
    ink: Image, centre_x: float, cap_top: float, baseline: float, pitch: float
) -> NDArray[np.float32]:
    """The cell of one character, cut from ``ink`` (white on black) and normalised."""
    cap = baseline - cap_top
    x0, x1 = centre_x - pitch / 2, centre_x + pitch / 2
    y0, y1 = cap_top - ABOVE * cap, baseline + BELOW * cap
    # An affine map from the cell to the image samples it with sub-pixel accuracy.
    sx, sy = (x1 - x0) / CELL[0], (y1 - y0) / CELL[1]
    matrix = np.array([[sx, 0, x0 + sx / 2 - 0.5], [0, sy, y0 + sy / 2 - 0.5]], np.float32)
    cell = cv2.warpAffine(
        ink,
        matrix,
        CELL,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return _normalise(np.asarray(cell, np.float32))


def _smoothed(ink: Image, pitch: float) -> NDArray[np.float32]:
    """``ink`` as float, smoothed so that shrinking it to the cell does not alias strokes away."""
    shrink = pitch / CELL[0]
    image = ink.astype(np.float32)
    return (
        np.asarray(cv2.GaussianBlur(image, (0, 0), 0.45 * shrink), np.float32)
        if shrink > 1.5
        else image
    )


def _normalise(cell: NDArray[np.float32]) -> NDArray[np.float32]:
    vector = cv2.GaussianBlur(cell, (3, 3), 0.8).ravel().astype(np.float32)
    vector -= vector.mean()
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


@cache
def _templates() -> tuple[NDArray[np.float32], NDArray[np.intp]]:
    """Glyph cells (one row per rendering) and the alphabet index each rendering stands for.

    Each glyph is rendered in four stroke weights (eroded, as drawn, twice dilated) and shifted by
    a few per cent of the cell in each direction, so a character scores by its best rendering.
    """
    font = ImageFont.truetype(str(OCR_B_FONT), RENDER_SIZE)
    pitch = font.getlength("H")
    rows, owners = [], []
    reference = _render(font, "H")
    ys, _xs = np.nonzero(reference)
    cap_top, baseline = float(ys.min()), float(ys.max() + 1)
    cap = baseline - cap_top
    kernel = np.ones((3, 3), np.uint8)
    for index, char in enumerate(ALPHABET):
        drawn = _render(font, char)
        _ys, xs = np.nonzero(drawn)
        centre = (xs.min() + xs.max() + 1) / 2
        weights = (
            cv2.erode(drawn, kernel, iterations=2),
            drawn,
            cv2.dilate(drawn, kernel, iterations=2),
            cv2.dilate(drawn, kernel, iterations=4),
        )
        for weighted in weights:
            smooth = _smoothed(weighted, pitch)
            for dx in (-0.04, 0.0, 0.04):
                for dy in (-0.04, 0.0, 0.04):
                    rows.append(
                        _cell_vector(
                            smooth,
                            centre + dx * pitch,
                            cap_top + dy * cap,
                            baseline + dy * cap,
                            pitch,
                        )
                    )
                    owners.append(index)
    return np.stack(rows), np.array(owners, np.intp)


def _render(font: ImageFont.FreeTypeFont, char: str) -> Image:
    canvas = PILImage.new("L", (3 * RENDER_SIZE // 2, 3 * RENDER_SIZE // 2), 0)
    ImageDraw.Draw(canvas).text((RENDER_SIZE // 4, RENDER_SIZE // 8), char, fill=255, font=font)
    return ((np.asarray(canvas) > 127) * 255).astype(np.uint8)


def score_cells(vectors: NDArray[np.float32]) -> Scores:
    """Best correlation of each cell with each alphabet character's renderings."""
    glyphs, owners = _templates()
    correlations = vectors @ glyphs.T  # (cells, renderings)
    scores = np.full((len(vectors), len(ALPHABET)), -1.0, np.float32)
    for index in range(len(ALPHABET)):
        scores[:, index] = correlations[:, owners == index].max(axis=1)
    return scores


def _lines(ink: Image, count: int) -> list[tuple[int, int]]:
    """Row spans of the ``count`` lines with the most ink."""
    profile = (ink > 0).sum(axis=1)
    threshold = 0.15 * profile.max()
    spans, start = [], None
    for y, value in enumerate(profile):
        if value > threshold and start is None:
            start = y
        elif value <= threshold and start is not None:
            spans.append((start, y))
            start = None
    if start is not None:
        spans.append((start, len(profile)))
    spans = [s for s in spans if s[1] - s[0] >= 6]
    spans.sort(key=lambda s: -int(profile[s[0] : s[1]].sum()))
    return sorted(spans[:count])


def _glyph_boxes(strip: Image) -> list[list[int]]:
    """Boxes (x, y, w, h) of the characters on one line, left to right, broken pieces merged."""
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
    boxes = [
        tuple(int(v) for v in stats[i, :4])
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] >= 12
    ]
    if not boxes:
        return []
    cap = float(np.percentile([h for _x, _y, _w, h in boxes], 80))
    boxes = sorted((b for b in boxes if b[3] >= 0.3 * cap), key=lambda b: b[0])
    merged: list[list[int]] = []
    for x, y, w, h in boxes:
        if merged and x < merged[-1][0] + merged[-1][2] - 0.25 * w:
            mx, my, mw, mh = merged[-1]
            nx, ny = min(mx, x), min(my, y)
            merged[-1] = [nx, ny, max(mx + mw, x + w) - nx, max(my + mh, y + h) - ny]
        else:
            merged.append([x, y, w, h])
    return merged


def _line_frame(boxes: list[list[int]]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cap line and baseline as straight lines (polynomial coefficients in x) through tall glyphs."""
    heights = np.array([b[3] for b in boxes], np.float64)
    tall = [b for b in boxes if b[3] >= 0.85 * np.percentile(heights, 75)]
    xs = np.array([b[0] + b[2] / 2 for b in tall], np.float64)
    tops = np.array([b[1] for b in tall], np.float64)
    bottoms = np.array([b[1] + b[3] for b in tall], np.float64)
    if len(tall) < 4 or np.ptp(xs) < 1:
        return np.array([0.0, np.median(tops)]), np.array([0.0, np.median(bottoms)])
    return np.polyfit(xs, tops, 1), np.polyfit(xs, bottoms, 1)


def _centres(strip: Image, boxes: list[list[int]], line_length: int) -> tuple[list[float], float]:
    """Horizontal centre of each character cell, and the pitch."""
    first, last = boxes[0], boxes[-1]
    first_centre, last_centre = first[0] + first[2] / 2, last[0] + last[2] / 2
    pitch = (last_centre - first_centre) / (line_length - 1)
    if len(boxes) == line_length:
        return [b[0] + b[2] / 2 for b in boxes], pitch
    # Wrong count: walk the fixed pitch, re-centring each cell on the ink found inside it.
    columns = (strip > 0).sum(axis=0)
    centres, expected = [], first_centre
    for _ in range(line_length):
        x0, x1 = round(expected - 0.45 * pitch), round(expected + 0.45 * pitch)
        window = columns[max(0, x0) : max(0, x1)]
        inked = np.nonzero(window)[0]
        centre = expected
        if len(inked):
            found = max(0, x0) + (inked[0] + inked[-1] + 1) / 2
            # Only a small correction: a neighbour's ink must not drag the cell along.
            centre = expected + float(np.clip(found - expected, -0.2 * pitch, 0.2 * pitch))
        centres.append(centre)
        expected = centre + pitch
    return centres, pitch


def read_band_scores(binary: Image, layout_lines: int, line_length: int) -> list[Scores] | None:
    """Per-position character scores of a level, binarised band (dark text on white)."""
    ink = (binary < 128).astype(np.uint8) * 255
    spans = _lines(ink, layout_lines)
    if len(spans) != layout_lines:
        return None
    result = []
    for top, bottom in spans:
        pad = (bottom - top) // 3
        offset = max(0, top - pad)
        strip = ink[offset : bottom + pad]
        boxes = _glyph_boxes(strip)
        # Far from the expected count this is not a line of this layout.
        if not boxes or abs(len(boxes) - line_length) > max(3, line_length // 8):
            return None
        top_fit, bottom_fit = _line_frame(boxes)
        centres, pitch = _centres(strip, boxes, line_length)
        if pitch <= 2:
            return None
        smooth = _smoothed(strip, pitch)
        vectors = np.stack(
            [
                _cell_vector(
                    smooth,
                    x,
                    float(np.polyval(top_fit, x)),
                    float(np.polyval(bottom_fit, x)),
                    pitch,
                )
                for x in centres
            ]
        )
        scores = score_cells(vectors)
        if float(scores.max(axis=1).mean()) < MIN_LINE_SCORE:
            # Not a line of OCR-B (other text, a misplaced band): the grammar and check-digit
            # search would find a "valid" reading in almost any noise, so there is none.
            return None
        result.append(scores)
    return result


def best_text(scores: Scores) -> str:
    return "".join(ALPHABET[int(i)] for i in scores.argmax(axis=1))
