"""WCAG 2.x contrast ratios of ``#rrggbb`` colours (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""

from __future__ import annotations

import math
import re

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# WCAG 2.1 AA, success criterion 1.4.3: normal-size text needs 4.5:1.
AA_NORMAL_TEXT = 4.5


def rgb(color: str) -> tuple[int, int, int]:
    if not HEX_COLOR.match(color):
        raise ValueError(f"{color!r} is not a #rrggbb colour")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    r, g, b = (_channel(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shown(ratio: float) -> str:
    """Two decimals, rounded down: a failing 4.499 reads 4.49, never 4.5."""
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


def darker(color: str, amount: float = 0.25) -> str:
    """``color`` mixed with black (the hover shade: darker keeps the contrast with white text)."""
    return "#" + "".join(f"{round(v * (1 - amount)):02x}" for v in rgb(color))
