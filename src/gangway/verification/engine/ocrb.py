"""A second MRZ reader: OCR-B glyph templates matched against the band's connected components.

MRZs are printed in OCR-B at a fixed pitch, so once the band is level and binarised every
character is one blob on its line. Tesseract's English model often reads the filler ``<`` as
``K``; matching each blob against glyphs rendered from Debian's OCR-B font does not, so the engine
reads with both and keeps the reading whose check digits agree.
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
CELL = (24, 32)  # width, height of the normalised glyph


def font_available() -> bool:
    return OCR_B_FONT.exists()


@cache
def _templates() -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
    """Normalised glyphs (one row per character), their height / cap height, their aspect."""
    font = ImageFont.truetype(str(OCR_B_FONT), 96)
    glyphs, heights, aspects = [], [], []
    cap_height = font.getbbox("H")[3] - font.getbbox("H")[1]
    for char in ALPHABET:
        canvas = PILImage.new("L", (140, 160), 0)
        ImageDraw.Draw(canvas).text((20, 10), char, fill=255, font=font)
        ink = np.asarray(canvas)
        ys, xs = np.nonzero(ink > 127)
        crop = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        glyphs.append(_normalise(crop))
        heights.append((ys.max() - ys.min() + 1) / cap_height)
        aspects.append(np.log(crop.shape[1] / crop.shape[0]))
    return np.stack(glyphs), np.array(heights, np.float32), np.array(aspects, np.float32)


def _normalise(ink: Image) -> NDArray[np.float32]:
    resized = cv2.resize(ink.astype(np.float32), CELL, interpolation=cv2.INTER_AREA).ravel()
    resized -= resized.mean()
    norm = float(np.linalg.norm(resized))
    return (resized / norm if norm else resized).astype(np.float32)


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


def read_band(binary: Image, layout_lines: int, line_length: int) -> list[str] | None:
    """Read a level, binarised band (dark text on white) as ``layout_lines`` lines of text."""
    glyphs, glyph_heights, glyph_aspects = _templates()
    ink = (binary < 128).astype(np.uint8) * 255
    spans = _lines(ink, layout_lines)
    if len(spans) != layout_lines:
        return None
    result = []
    for top, bottom in spans:
        pad = (bottom - top) // 3
        strip = ink[max(0, top - pad) : bottom + pad]
        count, _labels, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
        boxes = [
            tuple(int(v) for v in stats[i, :4])
            for i in range(1, count)
            if stats[i, cv2.CC_STAT_AREA] >= 12
        ]
        if not boxes:
            return None
        cap = float(np.percentile([h for _x, _y, _w, h in boxes], 80))
        boxes = [b for b in boxes if b[3] >= 0.3 * cap]
        boxes.sort(key=lambda b: b[0])
        # Merge pieces of one broken glyph (they overlap horizontally).
        merged: list[list[int]] = []
        for x, y, w, h in boxes:
            if merged and x < merged[-1][0] + merged[-1][2] - 0.25 * w:
                mx, my, mw, mh = merged[-1]
                nx, ny = min(mx, x), min(my, y)
                merged[-1] = [nx, ny, max(mx + mw, x + w) - nx, max(my + mh, y + h) - ny]
            else:
                merged.append([x, y, w, h])
        if len(merged) != line_length:
            return None
        text = []
        for x, y, w, h in merged:
            vector = _normalise(strip[y : y + h, x : x + w])
            scores = glyphs @ vector
            # Height relative to capitals separates "<" (short) from K, C and friends.
            scores = scores - 0.8 * np.abs(glyph_heights - h / cap)
            # Resizing to one cell hides proportions: L and C, or U and O, differ mostly in width.
            scores = scores - 0.3 * np.abs(glyph_aspects - np.log(w / h))
            text.append(ALPHABET[int(np.argmax(scores))])
        result.append("".join(text))
    return result
