"""ICAO 9303 machine-readable zones as text: layouts, check digits, parsing.

No image code here, and no OCR correction: :mod:`gangway.verification.engine.mrz_decode` chooses
the characters a reading allows and hands the lines to :func:`build`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

FILLER = "<"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
# ICAO codes that are not ISO 3166 alpha-3 (claims_match maps them, mrz_decode accepts them).
ICAO_COUNTRIES = {
    "D": "DE", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBP": "GB", "GBS": "GB", "RKS": "XK",
    "EUE": "EU", "UNO": "UN", "UNA": "UN", "UNK": "UN",
}  # fmt: skip


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


def fit_length(line: str, length: int) -> str:
    """``line`` cut or padded to ``length``; a lost or doubled filler is almost always at the end."""
    while len(line) > length and FILLER * 2 in line:
        index = line.rfind(FILLER * 2)
        line = line[:index] + line[index + 1 :]
    return line[:length].ljust(length, FILLER)


def field_checks(lines: list[str], layout: Layout) -> dict[str, bool]:
    """Validity of each checked field's check digit and of the composite check digit."""
    spans = {name: (line, start, end) for name, line, start, end, _ in layout.fields}
    results: dict[str, bool] = {}
    for name, (line, at) in layout.checks:
        _, start, end = spans[name]
        value, digit = lines[line][start:end], lines[line][at]
        # An empty optional field may carry a filler as its check digit.
        results[name] = digit == check_digit(value) or (set(value) == {FILLER} and digit == FILLER)
    results["composite"] = lines[layout.composite_at[0]][layout.composite_at[1]] == check_digit(
        composite_text(lines, layout)
    )
    return results


def composite_text(lines: list[str], layout: Layout) -> str:
    return "".join(lines[line][start:end] for line, start, end in layout.composite)


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


def build(lines: list[str], layout: Layout, *, corrections: int, today: date) -> MrzData:
    """Parse corrected zone lines of ``layout`` into their fields."""
    spans = {name: lines[line][start:end] for name, line, start, end, _ in layout.fields}
    names = spans["names"].rstrip(FILLER)
    surname, _, given = names.partition(FILLER * 2)
    return MrzData(
        layout=layout.name,
        lines=tuple(lines),
        document_type=spans["document_type"].rstrip(FILLER),
        issuing_country=spans["issuing_country"].rstrip(FILLER),
        surname=surname.replace(FILLER, " ").strip(),
        given_names=given.replace(FILLER, " ").strip(),
        document_number=spans["document_number"].rstrip(FILLER),
        nationality=spans["nationality"].rstrip(FILLER),
        birth_date=_date(spans["birth_date"], expiry=False, today=today),
        sex=spans["sex"].replace(FILLER, "X"),
        expiry_date=_date(spans["expiry_date"], expiry=True, today=today),
        checks=field_checks(lines, layout),
        corrections=corrections,
    )
