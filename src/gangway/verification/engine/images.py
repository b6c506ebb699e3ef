"""Decoding uploaded photo bytes into arrays, and encoding small evidence crops."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

# Bounded by the upload check (40 MP); repeated here because the engine may be fed directly.
MAX_PIXELS = 40_000_000

# OpenCV's stubs type every result as a generic array; uint8 is the convention, not checked.
Image = NDArray[Any]


class UnreadableImage(ValueError):
    """The bytes are not a decodable JPEG or PNG image."""


def decode(content: bytes, *, grayscale: bool = False, reduce: int = 1) -> Image:
    """Decode to BGR (or gray), honouring EXIF orientation.

    ``reduce`` 2, 4 or 8 lets libjpeg decode at that fraction of the size, which is several times
    faster than decoding in full and resizing afterwards (PNG is decoded in full, then resized).
    """
    buffer = np.frombuffer(content, dtype=np.uint8)
    flags = {
        (False, 1): cv2.IMREAD_COLOR,
        (True, 1): cv2.IMREAD_GRAYSCALE,
        (False, 2): cv2.IMREAD_REDUCED_COLOR_2,
        (True, 2): cv2.IMREAD_REDUCED_GRAYSCALE_2,
        (False, 4): cv2.IMREAD_REDUCED_COLOR_4,
        (True, 4): cv2.IMREAD_REDUCED_GRAYSCALE_4,
        (False, 8): cv2.IMREAD_REDUCED_COLOR_8,
        (True, 8): cv2.IMREAD_REDUCED_GRAYSCALE_8,
    }[(grayscale, reduce)]
    image = cv2.imdecode(buffer, flags)
    if image is None or image.size == 0:
        raise UnreadableImage("not a decodable image")
    if image.shape[0] * image.shape[1] * reduce * reduce > MAX_PIXELS:
        raise UnreadableImage("too many pixels")
    return image


def to_gray(image: Image) -> Image:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def fit_within(image: Image, long_side: int) -> tuple[Image, float]:
    """Shrink so the longer side is at most ``long_side``; returns the image and the scale used."""
    height, width = image.shape[:2]
    scale = min(1.0, long_side / max(height, width))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def encode_jpeg(image: Image, *, quality: int = 80) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return encoded.tobytes()
