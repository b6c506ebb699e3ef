"""From an OCR reading to the zone's text: the field grammar, country codes and check digits decide.

A reading gives, for every position of every line, a score per character of the MRZ alphabet
(the OCR-B templates give correlations; a Tesseract text line becomes one-hot scores with OCR-B's
letter/digit look-alikes as runners-up). The decoder then chooses, position by position, the best
character the layout's grammar allows there (digits in dates and check digits, letters or fillers
in names and codes), and among the close alternatives:

- the issuing state and the nationality become the best-scoring *valid* code (ISO 3166 alpha-3 or
  an ICAO code such as ``D`` or ``GBD``), when one is close to what was read;
- each checked field (document number, dates, optional data) becomes its cheapest variant whose
  check digit agrees, and the combination of those variants must satisfy the composite check
  digit too: with a dozen ambiguous characters one variant in ten passes a single check digit by
  chance, the composite over all of them makes such a pass unlikely; dates must be dates too
  (month 01-12, day 01-31).

No image code here (:mod:`gangway.verification.engine.ocrb` scores the cells).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache

import numpy as np
import pycountry
from numpy.typing import NDArray

from gangway.verification.engine.mrz_format import (
    ALPHABET,
    FILLER,
    ICAO_COUNTRIES,
    LAYOUTS,
    Layout,
    MrzData,
    build,
    check_digit,
    composite_text,
    fit_length,
    layout_for,
)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# OCR-B look-alikes between letters and digits: where a Tesseract line has one and the grammar
# wants the other class, the look-alike is the runner-up.
TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2",
            "B": "8", "S": "5", "G": "6", "A": "4"}  # fmt: skip
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B", "7": "T"}
LOOK_ALIKE_SCORE = 0.7
# An alternative is considered when it scores at most this much below the position's best.
POSITION_MARGIN = 0.35
MAX_ALTERNATIVES = 3
# A country code is replaced by the best valid one only when that costs at most this much.
COUNTRY_MARGIN = 0.45
MAX_CANDIDATES = 512
FIELD_OPTIONS = 4
# ICAO 9303 part 3 codes for documents and persons without an ISO country (and the specimens').
SPECIAL_CODES = ("UTO", "XXA", "XXB", "XXC", "XXX", "XOM", "XPO", "XIM", "XCC", "XES", "XBA")

DATE_FIELDS = ("birth_date", "expiry_date")

Scores = NDArray[np.float32]
INDEX = {char: i for i, char in enumerate(ALPHABET)}


@cache
def country_codes() -> NDArray[np.intp]:
    """Every valid issuing-state/nationality code as alphabet indices, padded with fillers."""
    codes = {c.alpha_3 for c in pycountry.countries} | set(ICAO_COUNTRIES) | set(SPECIAL_CODES)
    return np.array([[INDEX[c] for c in code.ljust(3, FILLER)] for code in sorted(codes)], np.intp)


@cache
def _allowed(layout: Layout) -> tuple[tuple[str, ...], ...]:
    """The characters each position of ``layout`` admits."""
    allowed = [[ALPHABET] * layout.length for _ in range(layout.lines)]
    classes = {"A": LETTERS + FILLER, "N": DIGITS, "X": ALPHABET}
    for name, line, start, end, kind in layout.fields:
        chars = classes[kind]
        if name == "optional_1_check":
            chars = DIGITS + FILLER  # an empty optional field may have a filler here
        elif name == "sex":
            chars = "MFX" + FILLER
        for i in range(start, end):
            allowed[line][i] = chars
        if name == "document_type":
            allowed[line][start] = LETTERS
    return tuple(tuple(row) for row in allowed)


def text_scores(line: str) -> Scores:
    """One-hot scores for a text line, with letter/digit look-alikes as runners-up."""
    scores = np.zeros((len(line), len(ALPHABET)), np.float32)
    for i, char in enumerate(line):
        if char in INDEX:
            scores[i, INDEX[char]] = 1.0
        for other in (TO_DIGIT.get(char), TO_LETTER.get(char)):
            if other is not None:
                scores[i, INDEX[other]] = LOOK_ALIKE_SCORE
    return scores


def parse_corrected(raw_lines: list[str], *, today: date | None = None) -> MrzData | None:
    """Correct OCR text lines of an MRZ and parse them; None when no layout fits."""
    lines = [line.replace(" ", "").upper() for line in raw_lines]
    layout = layout_for(lines)
    if layout is None:
        return None
    return parse_scored(
        [text_scores(fit_length(line, layout.length)) for line in lines], today=today
    )


def parse_scored(score_lines: Sequence[Scores], *, today: date | None = None) -> MrzData | None:
    """Decode per-position character scores into a parsed zone; None when no layout fits."""
    layout = next(
        (
            candidate
            for candidate in LAYOUTS
            if len(score_lines) == candidate.lines
            and all(len(line) == candidate.length for line in score_lines)
        ),
        None,
    )
    if layout is None:
        return None
    allowed = _allowed(layout)
    masked = []
    for line, scores in zip(allowed, score_lines, strict=True):
        mask = np.full(scores.shape, -np.inf, np.float32)
        for i, chars in enumerate(line):
            columns = [INDEX[c] for c in chars]
            mask[i, columns] = scores[i, columns]
        masked.append(mask)
    rows = [[ALPHABET[int(i)] for i in m.argmax(axis=1)] for m in masked]
    spans = {name: (line, start, end) for name, line, start, end, _kind in layout.fields}
    for name in ("issuing_country", "nationality"):
        _choose_country(rows, masked, spans[name])
    _choose_checked(rows, masked, layout, spans)
    _clean_name_fillers(rows, spans["names"])
    lines = ["".join(row) for row in rows]
    unconstrained = ["".join(ALPHABET[int(i)] for i in s.argmax(axis=1)) for s in score_lines]
    corrections = sum(a != b for a, b in zip("".join(lines), "".join(unconstrained), strict=True))
    return build(lines, layout, corrections=corrections, today=today or date.today())


def _choose_country(
    rows: list[list[str]], masked: list[Scores], span: tuple[int, int, int]
) -> None:
    line, start, end = span
    codes = country_codes()
    scores = masked[line][start:end]
    totals = scores[np.arange(end - start), codes].sum(axis=1)
    best = int(np.argmax(totals))
    read = float(scores.max(axis=1).sum())
    if np.isfinite(totals[best]) and read - float(totals[best]) <= COUNTRY_MARGIN:
        rows[line][start:end] = [ALPHABET[int(i)] for i in codes[best]]


def _alternatives(scores: Scores, current: str) -> list[tuple[float, str]]:
    """(cost, character) of a position's close alternatives, the current choice first at 0."""
    best = float(scores[INDEX[current]])
    order = np.argsort(-scores)
    options = [(0.0, current)]
    for i in order:
        char = ALPHABET[int(i)]
        cost = best - float(scores[i])
        if char == current:
            continue
        if not np.isfinite(cost) or cost > POSITION_MARGIN or len(options) >= MAX_ALTERNATIVES:
            break
        options.append((cost, char))
    return options


def _cheapest(
    options: list[list[tuple[float, str]]], accept: Callable[[str], bool], limit: int
) -> list[tuple[float, str]]:
    """Up to ``limit`` cheapest combinations of ``options`` (one per position) that ``accept``."""
    start = (0,) * len(options)
    heap: list[tuple[float, tuple[int, ...]]] = [(0.0, start)]
    seen = {start}
    found: list[tuple[float, str]] = []
    for _ in range(MAX_CANDIDATES):
        if not heap or len(found) >= limit:
            break
        cost, picks = heapq.heappop(heap)
        text = "".join(options[i][p][1] for i, p in enumerate(picks))
        if accept(text):
            found.append((cost, text))
        for i, p in enumerate(picks):
            if p + 1 < len(options[i]):
                following = (*picks[:i], p + 1, *picks[i + 1 :])
                if following not in seen:
                    seen.add(following)
                    step = options[i][p + 1][0] - options[i][p][0]
                    heapq.heappush(heap, (cost + step, following))
    return found


def _choose_checked(
    rows: list[list[str]],
    masked: list[Scores],
    layout: Layout,
    spans: dict[str, tuple[int, int, int]],
) -> None:
    """Each checked field's cheapest variants that pass its check digit; the composite decides."""
    variants: list[tuple[tuple[int, int, int], list[tuple[float, str]]]] = []
    for name, (line, at) in layout.checks:
        _, start, end = spans[name]
        positions = [*range(start, end), at]
        options = [_alternatives(masked[line][i], rows[line][i]) for i in positions]

        def passes(text: str, is_date: bool = name in DATE_FIELDS) -> bool:
            value, digit = text[:-1], text[-1]
            if is_date and not _plausible_date(value):
                return False
            return digit == check_digit(value) or (set(value) == {FILLER} and digit == FILLER)

        found = _cheapest(options, passes, FIELD_OPTIONS)
        if found:
            variants.append(((line, start, at), found))
    comp_line, comp_at = layout.composite_at
    comp_options = _alternatives(masked[comp_line][comp_at], rows[comp_line][comp_at])
    best: tuple[float, tuple[tuple[float, str], ...], str] | None = None
    for choice in itertools.product(*(found for _span, found in variants)):
        trial = [list(row) for row in rows]
        for ((line, start, at), _found), (_cost, text) in zip(variants, choice, strict=True):
            trial[line][start:at] = text[:-1]
            trial[line][at] = text[-1]
        digit = check_digit(composite_text(["".join(r) for r in trial], layout))
        digit_cost = next((cost for cost, char in comp_options if char == digit), None)
        if digit_cost is None:
            continue
        total = digit_cost + sum(cost for cost, _text in choice)
        if best is None or total < best[0]:
            best = (total, choice, digit)
    if best is None:
        # The composite cannot be satisfied: a field's variant that passes its own check digit
        # may pass by chance, so nothing is changed and the failed digits send the read to a human.
        return
    _total, chosen, digit = best
    for ((line, start, at), _found), (_cost, text) in zip(variants, chosen, strict=True):
        rows[line][start:at] = text[:-1]
        rows[line][at] = text[-1]
    rows[comp_line][comp_at] = digit


def _plausible_date(text: str) -> bool:
    """YYMMDD with a real month and day (a misread 12 -> 98 may still pass the check digit)."""
    return text.isdigit() and 1 <= int(text[2:4]) <= 12 and 1 <= int(text[4:6]) <= 31


def _clean_name_fillers(rows: list[list[str]], span: tuple[int, int, int]) -> None:
    # A run of "<" is sometimes read with a K, C, L or E in it; a lone letter between fillers is
    # one of those (names have no one-letter parts in practice).
    line, start, end = span
    row = rows[line]
    for i in range(start + 3, end):
        left = row[i - 1]
        right = row[i + 1] if i + 1 < end else FILLER
        if row[i] != FILLER and left == FILLER and right == FILLER:
            row[i] = FILLER


__all__ = ["parse_corrected", "parse_scored", "text_scores"]
