"""What the engine is given: the photos and what the user typed or the partner sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class DocumentType(StrEnum):
    passport = "passport"
    id_card = "id_card"
    # Residence permits and other ICAO cards: compared as cards (type letters I, A, C).
    residence_permit = "residence_permit"


@dataclass(frozen=True)
class Claims:
    """Claimed identity; a ``None`` field was not claimed and is not compared.

    Countries may be ISO 3166 alpha-2 or alpha-3 codes; names are as typed (any case, accents).
    """

    document_number: str | None = None
    first_names: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    expiry_date: date | None = None
    nationality: str | None = None
    issuing_country: str | None = None
    document_type: DocumentType | None = None


@dataclass(frozen=True)
class VerificationInputs:
    """Photo bytes as uploaded (JPEG or PNG), already checked by the upload validation."""

    document_front: bytes
    selfie: bytes | None
    document_back: bytes | None = None
    claims: Claims = field(default_factory=Claims)
