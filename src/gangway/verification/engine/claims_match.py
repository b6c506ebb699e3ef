"""Comparing a read MRZ with the claimed identity (ICAO 9303 transliteration, country codes)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pycountry
from rapidfuzz.distance import Levenshtein

from gangway.verification.engine.claims import Claims, DocumentType
from gangway.verification.engine.mrz_format import FILLER, ICAO_COUNTRIES, MrzData

# ICAO 9303 part 3, 6.A: the recommended transliterations that differ from dropping the accent.
ICAO_TRANSLITERATION = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ö": "OE", "Ø": "OE", "Œ": "OE", "Ü": "UE", "ß": "SS",
    "ẞ": "SS", "Þ": "TH", "Ĳ": "IJ", "Ł": "L", "Đ": "D", "Ð": "D", "Ħ": "H", "Ŧ": "T",
}  # fmt: skip
# Letter/digit pairs whose values differ by a multiple of 10: the check digit cannot tell them
# apart, so an OCR confusion between them survives correction (G/6 and I/8 are the usual ones).
CHECK_DIGIT_BLIND = {frozenset(pair) for pair in ("G6", "I8", "B1", "S8", "O4", "Q6", "D3", "L1")}
CARD_TYPES = ("I", "A", "C")


@dataclass(frozen=True)
class Mismatch:
    field: str
    claimed: str
    read: str
    # Names carry no check digit: one wrong letter may be the OCR's (or a typo), not a lie.
    near: bool = False

    def as_evidence(self) -> dict[str, object]:
        return {"field": self.field, "claimed": self.claimed, "read": self.read, "near": self.near}


def mrz_name_forms(name: str) -> set[str]:
    """The MRZ spellings a typed name may have: ICAO transliteration, or accents simply dropped."""
    upper = name.strip().upper()
    icao = "".join(ICAO_TRANSLITERATION.get(char, char) for char in upper)
    forms = set()
    for variant in (icao, upper):
        stripped = "".join(
            c for c in unicodedata.normalize("NFKD", variant) if not unicodedata.combining(c)
        )
        stripped = "".join(ICAO_TRANSLITERATION.get(c, c) for c in stripped)
        # Apostrophes disappear; hyphens, spaces and other punctuation become a filler.
        stripped = stripped.replace("'", "").replace("\u2019", "")
        letters = "".join(c if "A" <= c <= "Z" else " " for c in stripped)
        forms.add(" ".join(letters.split()))
    return forms


def _name_matches(claimed: str, read: str, *, truncated: bool) -> bool:
    read = " ".join(read.replace(FILLER, " ").split())
    for form in mrz_name_forms(claimed):
        if form == read:
            return True
        # A long name is cut to fit the zone; the read part must then be a prefix of the claim.
        if truncated and read and form.startswith(read):
            return True
    return False


def _name_near(claimed: str, read: str) -> bool:
    read = " ".join(read.replace(FILLER, " ").split())
    return any(Levenshtein.distance(form, read) <= 1 for form in mrz_name_forms(claimed))


def country_alpha2(code: str) -> str | None:
    """ISO alpha-2 for an ISO alpha-2/alpha-3 or ICAO MRZ code; None when unknown."""
    code = code.strip().upper().rstrip(FILLER)
    if code in ICAO_COUNTRIES:
        return ICAO_COUNTRIES[code]
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    else:
        country = None
    return country.alpha_2 if country is not None else None


def _document_numbers_match(claimed: str, read: str) -> bool:
    claimed = "".join(c for c in claimed.upper() if c.isalnum())
    if claimed == read:
        return True
    if len(claimed) != len(read):
        return False
    return all(
        a == b or frozenset((a, b)) in CHECK_DIGIT_BLIND for a, b in zip(claimed, read, strict=True)
    )


def compare_with_claims(mrz: MrzData, claims: Claims) -> list[Mismatch]:
    """Fields where the claim and the MRZ disagree (claims left ``None`` are not compared)."""
    mismatches: list[Mismatch] = []
    if claims.document_number is not None and not _document_numbers_match(
        claims.document_number, mrz.document_number
    ):
        mismatches.append(Mismatch("document_number", claims.document_number, mrz.document_number))
    if claims.last_name is not None and not _name_matches(
        claims.last_name, mrz.surname, truncated=mrz.names_truncated
    ):
        mismatches.append(
            Mismatch(
                "last_name",
                claims.last_name,
                mrz.surname,
                _name_near(claims.last_name, mrz.surname),
            )
        )
    if claims.first_names is not None and not _name_matches(
        claims.first_names, mrz.given_names, truncated=mrz.names_truncated
    ):
        near = _name_near(claims.first_names, mrz.given_names)
        mismatches.append(Mismatch("first_names", claims.first_names, mrz.given_names, near))
    if claims.date_of_birth is not None and claims.date_of_birth != mrz.birth_date:
        read = mrz.birth_date.isoformat() if mrz.birth_date else ""
        mismatches.append(Mismatch("date_of_birth", claims.date_of_birth.isoformat(), read))
    if claims.expiry_date is not None and claims.expiry_date != mrz.expiry_date:
        read = mrz.expiry_date.isoformat() if mrz.expiry_date else ""
        mismatches.append(Mismatch("expiry_date", claims.expiry_date.isoformat(), read))
    for name, claimed, read in (
        ("nationality", claims.nationality, mrz.nationality),
        ("issuing_country", claims.issuing_country, mrz.issuing_country),
    ):
        if claimed is not None and country_alpha2(claimed) != country_alpha2(read):
            mismatches.append(Mismatch(name, claimed, read))
    if claims.document_type is not None:
        is_passport = mrz.document_type.startswith("P")
        if (claims.document_type is DocumentType.passport) != is_passport or (
            not is_passport and not mrz.document_type.startswith(CARD_TYPES)
        ):
            mismatches.append(
                Mismatch("document_type", str(claims.document_type), mrz.document_type)
            )
    return mismatches
