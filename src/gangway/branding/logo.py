"""The partner's logo: a PNG, decoded and re-encoded with Pillow before it is stored.

Re-encoding keeps only the pixels: text chunks, ICC profiles, animation frames and whatever a
crafted file carried besides its image are dropped. The dimensions are read from the header and
checked before any pixel is decoded (no decompression bomb).
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 256 * 1024
MIN_SIDE = 16
MAX_SIDE = 1024
# base64 of MAX_LOGO_BYTES, the schema's maxLength.
MAX_BASE64_LENGTH = 4 * ((MAX_LOGO_BYTES + 2) // 3)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class LogoRejected(ValueError):
    """Why an upload is not accepted as a logo (the message is shown to the partner)."""


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int


def from_base64(text: str) -> bytes:
    if len(text) > MAX_BASE64_LENGTH:
        raise LogoRejected(f"The logo is larger than {MAX_LOGO_BYTES // 1024} KiB.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise LogoRejected("The logo is not valid base64.") from None


def reencode(data: bytes) -> Logo:
    """The logo as a fresh PNG, or :class:`LogoRejected` saying what is wrong."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoRejected(f"The logo is larger than {MAX_LOGO_BYTES // 1024} KiB.")
    if not data.startswith(PNG_SIGNATURE):
        raise LogoRejected("The logo must be a PNG image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            width, height = image.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise LogoRejected(
                    f"The logo is {width}x{height} pixels; each side must be between "
                    f"{MIN_SIDE} and {MAX_SIDE}."
                )
            image.load()
            pixels = image.convert("RGBA" if _has_alpha(image) else "RGB")
    except LogoRejected:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombWarning,
    ):
        raise LogoRejected("The logo could not be read as a PNG image.") from None
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return Logo(out.getvalue(), width, height)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
