"""Generated images for the branding tests."""

from __future__ import annotations

import base64
import io

from PIL import Image, PngImagePlugin


def png(width: int = 120, height: int = 40, color: tuple[int, int, int] = (11, 110, 79)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "carried by the upload, dropped by the re-encoding")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()
