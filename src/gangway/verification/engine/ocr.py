"""Tesseract, called as Debian's ``tesseract`` binary (no Python binding to build or pin)."""

from __future__ import annotations

import shutil
import subprocess

import cv2

from gangway.verification.engine.images import Image

TESSERACT = "tesseract"
MRZ_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
TIMEOUT_SECONDS = 20


class OcrUnavailable(RuntimeError):
    """Tesseract or its English model is not installed."""


def tesseract_path() -> str | None:
    return shutil.which(TESSERACT)


def tesseract_languages() -> list[str]:
    path = tesseract_path()
    if path is None:
        return []
    listed = subprocess.run(
        [path, "--list-langs"], capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    return [line.strip() for line in listed.stdout.splitlines()[1:] if line.strip()]


def read_mrz_text(image: Image) -> str:
    """OCR a cropped, binarised MRZ band; ``--psm 6`` treats it as one uniform block of lines.

    The whitelist keeps the LSTM to the MRZ alphabet; dictionaries are off because MRZ text is
    not words. ``OMP_THREAD_LIMIT=1`` keeps Tesseract on one core, as the worker budget assumes.
    """
    path = tesseract_path()
    if path is None:
        raise OcrUnavailable("tesseract is not installed")
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("PNG encoding failed")
    result = subprocess.run(
        [
            path, "stdin", "stdout", "-l", "eng", "--psm", "6", "--oem", "1",
            "-c", f"tessedit_char_whitelist={MRZ_CHARACTERS}",
            "-c", "load_system_dawg=0", "-c", "load_freq_dawg=0",
        ],
        input=png.tobytes(),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        if "Failed loading language" in message:
            raise OcrUnavailable(message)
        raise RuntimeError(f"tesseract failed: {message[:200]}")
    return result.stdout.decode(errors="replace")
