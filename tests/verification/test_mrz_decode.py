"""Decoding per-position scores by the zone's grammar, and the OCR-B templates that produce them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from gangway.verification.engine import ocrb
from gangway.verification.engine.mrz_decode import INDEX, Scores, parse_scored, text_scores
from tests.verification.conftest import require_ocr_b_font

# The ICAO specimen with Sweden as issuing state and nationality (no check digit covers either).
LINES = [
    "P<SWEERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36SWE7408122F1204159ZE184226B<<<<<10",
]


def _scores_with(line: int, position: int, read: str, runner_up: str, gap: float) -> list[Scores]:
    scores = [text_scores(text) for text in LINES]
    row = scores[line][position]
    row[:] = 0.0
    row[INDEX[read]] = 1.0
    row[INDEX[runner_up]] = 1.0 - gap
    return scores


def test_a_misread_nationality_becomes_the_close_valid_code() -> None:
    scores = _scores_with(1, 12, read="F", runner_up="E", gap=0.1)  # "SWF" is no country
    data = parse_scored(scores, today=date(2010, 1, 1))
    assert data is not None and data.nationality == "SWE" and data.valid


def test_a_country_code_far_from_every_valid_one_is_kept_as_read() -> None:
    scores = _scores_with(1, 12, read="F", runner_up="E", gap=0.8)
    data = parse_scored(scores, today=date(2010, 1, 1))
    assert data is not None and data.nationality == "SWF"


def test_a_digit_field_takes_the_best_digit_not_the_best_character() -> None:
    # The birth date's "0" read as an "O" with the digit a close second: dates hold digits only.
    scores = _scores_with(1, 15, read="O", runner_up="0", gap=0.05)
    data = parse_scored(scores, today=date(2010, 1, 1))
    assert data is not None and data.lines == tuple(LINES) and data.birth_date == date(1974, 8, 12)


def test_a_check_digit_misread_is_repaired_only_when_the_composite_agrees() -> None:
    # Document number check digit "6" read as "5" with "6" close: the repaired field must also
    # satisfy the composite digit, which it does here.
    scores = _scores_with(1, 9, read="5", runner_up="6", gap=0.1)
    data = parse_scored(scores, today=date(2010, 1, 1))
    assert data is not None and data.valid and data.lines == tuple(LINES)
    # The same misread with no close runner-up stays invalid: a human looks at it.
    scores = _scores_with(1, 9, read="5", runner_up="6", gap=0.9)
    data = parse_scored(scores, today=date(2010, 1, 1))
    assert data is not None and not data.checks["document_number"]


@pytest.mark.parametrize("line", ["L0OC1IUO<<DQ0O8B5S", "OC<LUCO0LQ<K8B2Z"])
def test_templates_tell_ocr_b_look_alikes_apart(line: str) -> None:
    require_ocr_b_font()
    font = ImageFont.truetype(str(ocrb.OCR_B_FONT), 40)
    canvas = Image.new("L", (40 + round(font.getlength(line)), 130), 255)
    ImageDraw.Draw(canvas).text((20, 20), line, fill=0, font=font)
    ImageDraw.Draw(canvas).text((20, 70), line[::-1], fill=0, font=font)
    binary = (np.asarray(canvas) > 127).astype(np.uint8) * 255
    scores = ocrb.read_band_scores(binary, 2, len(line))
    assert scores is not None
    assert [ocrb.best_text(s) for s in scores] == [line, line[::-1]]
