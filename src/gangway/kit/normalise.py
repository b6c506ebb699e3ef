"""The normal forms blind indexes are computed from: two spellings of one value index alike."""

from __future__ import annotations

import unicodedata
from datetime import date


def email(value: str | None) -> str | None:
    return value.strip().casefold() if value else None


def phone(value: str | None) -> str | None:
    """E.164 digits with the leading ``+`` (the API stores numbers in E.164 already)."""
    if not value:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return "+" + digits if digits else None


def document_number(country: str | None, number: str | None) -> str | None:
    number = "".join(ch for ch in str(number or "") if ch.isalnum()).upper()
    country = str(country or "").strip().upper()
    return f"{country}:{number}" if number and country else None


def name(value: str | None) -> str:
    """Case, accents, punctuation and spacing do not matter: "Ångström-Berg " ~ "angstrom berg"."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(letters.casefold().split())


def name_and_birth_date(first: str | None, last: str | None, born: date | None) -> str | None:
    full = name(f"{first or ''} {last or ''}")
    return f"{full}|{born.isoformat()}" if full and born else None
