"""ICAO 9303 machine-readable zones as text: layouts, check digits, OCR correction, parsing.

No image code here: :mod:`gangway.verification.engine.mrz` finds and reads the zone in a photo and
hands the text lines to :func:`parse_corrected`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

FILLER = "<"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

# OCR confusions between letters and digits in OCR-B. A digit-only field takes the digit, an
# alpha-only field the letter; a mixed field (document number, optional data) tries both and lets
# the check digit decide.
TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2",
            "B": "8", "S": "5", "G": "6", "A": "4"}  # fmt: skip
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B", "7": "T"}
MAX_CANDIDATES = 512


@dataclass(frozen=True)
class Layout:
    name: str
    lines: int
    length: int
    # (field, line, start, end, kind) with kind "A" letters, "N" digits, "X" either.
    fields: tuple[tuple[str, int, int, int, str], ...]
    # (field checked, check digit position (line, index)); the composite lists its spans.
    checks: tuple[tuple[str, tuple[int, int]], ...]
    composite: tuple[tuple[int, int, int], ...]
    composite_at: tuple[int, int]


TD1 = Layout(
    "TD1", 3, 30,
    fields=(
        ("document_type", 0, 0, 2, "A"), ("issuing_country", 0, 2, 5, "A"),
        ("document_number", 0, 5, 14, "X"), ("document_number_check", 0, 14, 15, "N"),
        ("optional_1", 0, 15, 30, "X"),
        ("birth_date", 1, 0, 6, "N"), ("birth_date_check", 1, 6, 7, "N"), ("sex", 1, 7, 8, "A"),
        ("expiry_date", 1, 8, 14, "N"), ("expiry_date_check", 1, 14, 15, "N"),
        ("nationality", 1, 15, 18, "A"), ("optional_2", 1, 18, 29, "X"),
        ("composite_check", 1, 29, 30, "N"), ("names", 2, 0, 30, "A"),
    ),
    checks=(("document_number", (0, 14)), ("birth_date", (1, 6)), ("expiry_date", (1, 14))),
    composite=((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
    composite_at=(1, 29),
)  # fmt: skip
TD2 = Layout(
    "TD2", 2, 36,
    fields=(
        ("document_type", 0, 0, 2, "A"), ("issuing_country", 0, 2, 5, "A"), ("names", 0, 5, 36, "A"),
        ("document_number", 1, 0, 9, "X"), ("document_number_check", 1, 9, 10, "N"),
        ("nationality", 1, 10, 13, "A"), ("birth_date", 1, 13, 19, "N"),
        ("birth_date_check", 1, 19, 20, "N"), ("sex", 1, 20, 21, "A"),
        ("expiry_date", 1, 21, 27, "N"), ("expiry_date_check", 1, 27, 28, "N"),
        ("optional_1", 1, 28, 35, "X"), ("composite_check", 1, 35, 36, "N"),
    ),
    checks=(("document_number", (1, 9)), ("birth_date", (1, 19)), ("expiry_date", (1, 27))),
    composite=((1, 0, 10), (1, 13, 20), (1, 21, 35)),
    composite_at=(1, 35),
)  # fmt: skip
TD3 = Layout(
    "TD3", 2, 44,
    fields=(
        ("document_type", 0, 0, 2, "A"), ("issuing_country", 0, 2, 5, "A"), ("names", 0, 5, 44, "A"),
        ("document_number", 1, 0, 9, "X"), ("document_number_check", 1, 9, 10, "N"),
        ("nationality", 1, 10, 13, "A"), ("birth_date", 1, 13, 19, "N"),
        ("birth_date_check", 1, 19, 20, "N"), ("sex", 1, 20, 21, "A"),
        ("expiry_date", 1, 21, 27, "N"), ("expiry_date_check", 1, 27, 28, "N"),
        ("optional_1", 1, 28, 42, "X"), ("optional_1_check", 1, 42, 43, "N"),
        ("composite_check", 1, 43, 44, "N"),
    ),
    checks=(
        ("document_number", (1, 9)), ("birth_date", (1, 19)), ("expiry_date", (1, 27)),
        ("optional_1", (1, 42)),
    ),
    composite=((1, 0, 10), (1, 13, 20), (1, 21, 43)),
    composite_at=(1, 43),
)  # fmt: skip
LAYOUTS = (TD1, TD2, TD3)


def check_digit(text: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1; digits as such, A=10 … Z=35, filler 0."""
    total = 0
    for i, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        else:
            value = 0
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


@dataclass(frozen=True)
class MrzData:
    """A parsed zone. ``checks`` maps each checked field (and ``composite``) to its validity."""

    layout: str
    lines: tuple[str, ...]
    document_type: str
    issuing_country: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | None
    sex: str
    expiry_date: date | None
    checks: dict[str, bool] = field(default_factory=dict)
    corrections: int = 0

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    @property
    def names_truncated(self) -> bool:
        # A name field with no filler left at its end may have been cut to fit.
        return not self.lines[2 if self.layout == "TD1" else 0].endswith(FILLER)

    def as_evidence(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "lines": list(self.lines),
            "document_type": self.document_type,
            "issuing_country": self.issuing_country,
            "surname": self.surname,
            "given_names": self.given_names,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "checks": self.checks,
            "corrections": self.corrections,
        }


def layout_for(lines: list[str]) -> Layout | None:
    """The layout whose line count and length fit ``lines`` (OCR may lose or add a filler)."""
    for layout in LAYOUTS:
        if len(lines) == layout.lines and all(
            abs(len(line) - layout.length) <= 2 for line in lines
        ):
            return layout
    return None


def _fit_length(line: str, length: int) -> str:
    # A lost or doubled filler is almost always in a run of fillers at the end of the line.
    while len(line) > length and FILLER * 2 in line:
        index = line.rfind(FILLER * 2)
        line = line[:index] + line[index + 1 :]
    return line[:length].ljust(length, FILLER)


def _coerce(lines: list[str], layout: Layout) -> list[str]:
    """Force each field's character class: digits in date fields, letters in names."""
    chars = [list(_fit_length(line, layout.length)) for line in lines]
    for _name, line, start, end, kind in layout.fields:
        for i in range(start, end):
            char = chars[line][i]
            if kind == "N" and char not in "0123456789<":
                chars[line][i] = TO_DIGIT.get(char, char)
            elif kind == "A" and char not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ<":
                chars[line][i] = TO_LETTER.get(char, char)
    _clean_name_fillers(chars, layout)
    return ["".join(row) for row in chars]


def _clean_name_fillers(chars: list[list[str]], layout: Layout) -> None:
    # Runs of "<" are often misread as K, C, L or E; a lone letter between fillers, or at the end
    # after a filler, is one of those (names have no one-letter parts in practice).
    for name, line, start, end, _kind in layout.fields:
        if name != "names":
            continue
        row = chars[line]
        for i in range(start, end):
            left = row[i - 1] if i > start else FILLER
            right = row[i + 1] if i + 1 < end else FILLER
            if row[i] != FILLER and left == FILLER and right == FILLER and i > start + 2:
                row[i] = FILLER


def _alternatives(char: str, kind: str) -> list[str]:
    if kind == "X":
        options = [char]
        if char in TO_DIGIT:
            options.append(TO_DIGIT[char])
        if char in TO_LETTER:
            options.append(TO_LETTER[char])
        return options
    return [char]


def _checks(lines: list[str], layout: Layout) -> dict[str, bool]:
    spans = {name: (line, start, end) for name, line, start, end, _ in layout.fields}
    results: dict[str, bool] = {}
    for name, (line, at) in layout.checks:
        _, start, end = spans[name]
        value, digit = lines[line][start:end], lines[line][at]
        # An empty optional field may carry a filler as its check digit.
        results[name] = digit == check_digit(value) or (set(value) == {FILLER} and digit == FILLER)
    composite = "".join(lines[line][start:end] for line, start, end in layout.composite)
    results["composite"] = lines[layout.composite_at[0]][layout.composite_at[1]] == check_digit(
        composite
    )
    return results


def _search_corrections(lines: list[str], layout: Layout) -> tuple[list[str], int]:
    """Try letter/digit swaps in mixed fields until their check digits agree (bounded search).

    Each checked mixed field is searched on its own, fewest swaps first; among equally small fixes
    the one that also satisfies the composite check digit wins.
    """
    spans = {name: (line, start, end, kind) for name, line, start, end, kind in layout.fields}
    rows = [list(row) for row in lines]
    total_changes = 0
    for name, _at in layout.checks:
        line, start, end, kind = spans[name]
        if kind != "X" or _checks(["".join(r) for r in rows], layout)[name]:
            continue
        positions = [i for i in range(start, end) if len(_alternatives(rows[line][i], kind)) > 1]
        options = [_alternatives(rows[line][i], kind) for i in positions]
        fixes: list[tuple[int, bool, list[str]]] = []
        for count, combo in enumerate(itertools.product(*options)):
            if count >= MAX_CANDIDATES:
                break
            trial = list(rows[line])
            for i, char in zip(positions, combo, strict=True):
                trial[i] = char
            candidate = ["".join(r) for r in rows]
            candidate[line] = "".join(trial)
            checks = _checks(candidate, layout)
            if checks[name]:
                changes = sum(a != b for a, b in zip(trial, rows[line], strict=True))
                fixes.append((changes, not checks["composite"], trial))
        if fixes:
            changes, _, trial = min(fixes, key=lambda fix: (fix[0], fix[1]))
            rows[line] = trial
            total_changes += changes
    corrected = ["".join(r) for r in rows]
    # With several ambiguous characters one swap combination in ten passes a field's check digit by
    # chance; the composite digit over all fields must confirm the fixes, or none is kept.
    if total_changes and not _checks(corrected, layout)["composite"]:
        return lines, 0
    return corrected, total_changes


def _date(text: str, *, expiry: bool, today: date) -> date | None:
    if not text.isdigit():
        return None
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    if expiry:
        # Expiry dates lie within a few decades of today, mostly ahead.
        century = 2000 if year < 70 else 1900
    else:
        century = 1900 if 2000 + year > today.year else 2000
    try:
        return date(century + year, month, day)
    except ValueError:
        return None


def parse_corrected(raw_lines: list[str], *, today: date | None = None) -> MrzData | None:
    """Correct OCR text lines of an MRZ and parse them; None when no layout fits."""
    today = today or date.today()
    lines = [line.replace(" ", "").upper() for line in raw_lines]
    layout = layout_for(lines)
    if layout is None:
        return None
    coerced = _coerce(lines, layout)
    corrected, changes = _search_corrections(coerced, layout)
    spans = {name: corrected[line][start:end] for name, line, start, end, _ in layout.fields}
    fitted = "".join(_fit_length(line, layout.length) for line in lines)
    changes += sum(a != b for a, b in zip(fitted, "".join(coerced), strict=True))
    names = spans["names"].rstrip(FILLER)
    surname, _, given = names.partition(FILLER * 2)
    return MrzData(
        layout=layout.name,
        lines=tuple(corrected),
        document_type=spans["document_type"].rstrip(FILLER),
        issuing_country=spans["issuing_country"].rstrip(FILLER),
        surname=surname.replace(FILLER, " ").strip(),
        given_names=given.replace(FILLER, " ").strip(),
        document_number=spans["document_number"].rstrip(FILLER),
        nationality=spans["nationality"].rstrip(FILLER),
        birth_date=_date(spans["birth_date"], expiry=False, today=today),
        sex=spans["sex"].replace(FILLER, "X"),
        expiry_date=_date(spans["expiry_date"], expiry=True, today=today),
        checks=_checks(corrected, layout),
        corrections=changes,
    )
