"""Synthetic KYC data for the sandbox simulation, saved through the same draft and document
services as the hosted flow."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import DocumentKind, Individual
from gangway.onboarding import credentials, documents, service
from gangway.onboarding.service import submit as submit

__all__ = ["SANDBOX_PASSCODE", "fill_synthetic_draft", "submit"]

# The passcode of every individual onboarded by the KYC simulation (documented in
# docs/pending-actions.md): sandbox consent flows are confirmed with it.
SANDBOX_PASSCODE = "135790"


def synthetic_image(label: str) -> bytes:
    image = Image.new("RGB", (480, 300), (226, 232, 240))
    ImageDraw.Draw(image).text((24, 24), f"SANDBOX {label}", fill=(30, 41, 59))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def fill_synthetic_draft(
    session: AsyncSession, individual: Individual, now: datetime
) -> None:
    draft = await service.get_or_create_draft(session, individual, now)
    ids = {}
    for kind in (DocumentKind.document_front, DocumentKind.selfie):
        checked = documents.CheckedFile(synthetic_image(kind.value), "image/png")
        stored = await documents.store(session, individual, checked, kind=kind, now=now)
        ids[kind] = str(stored.id)
    address = individual.address or {
        "country_code": "SE",
        "street1": "Drottninggatan 1",
        "city": "Stockholm",
        "postal_code": "111 51",
    }
    country = address.get("country_code") or "SE"
    steps: dict[str, dict[str, Any]] = {
        "welcome": {"accepted_terms": True, "accepted_at": now.isoformat()},
        "personal": {
            "first_name": individual.first_name,
            "last_name": individual.last_name,
            "date_of_birth": individual.date_of_birth.isoformat(),
            "nationality": country,
        },
        "address": {k: address.get(k) or "" for k in service.ADDRESS_KEYS},
        "phone": {"phone_number": individual.phone_number, "verified": True},
        "document": {
            "type": "passport",
            "number": f"SB{secrets.randbelow(10**7):07d}",
            "issuing_country": country,
            "expiry_date": (now + timedelta(days=5 * 365)).date().isoformat(),
            "front_id": ids[DocumentKind.document_front],
            "back_id": None,
        },
        "selfie": {"selfie_id": ids[DocumentKind.selfie]},
        "questions": {
            "employment_status": "employed",
            "occupation": "office",
            "source_of_funds": "salary",
            "expected_monthly_amount": "1000_5000",
            "purpose": "everyday",
            "tax_residence_country": country,
            "tax_id": "SANDBOX-0001",
            "us_person": False,
            "pep": False,
            "pep_details": None,
        },
        "security": {"passcode_set": True, "passkey": False},
    }
    await credentials.set_passcode(session, individual.id, SANDBOX_PASSCODE, now)
    for step, values in steps.items():
        await service.save_step(session, draft, step, values, now)
