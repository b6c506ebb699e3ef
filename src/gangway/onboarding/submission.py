"""The frozen onboarding submission: what the user confirmed on the review page, exactly.

``onboarding.service.submit`` builds it from the draft and stores its JSON on
``OnboardingSubmission.data``; the back office shows its sections in this order, the automated
checks read it, the consent flows prefill the address from it and the sandbox simulation produces
one through the same ``submit``. Field names are part of the stored data: renaming one needs a
data migration.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubmittedPersonal(_Frozen):
    first_name: str
    last_name: str
    date_of_birth: str = Field(description="YYYY-MM-DD")
    nationality: str = Field(description="ISO 3166-1 alpha-2")


class SubmittedAddress(_Frozen):
    street1: str
    street2: str | None
    postal_code: str
    city: str
    region: str | None
    country_code: str


class SubmittedPhone(_Frozen):
    phone_number: str
    verified: bool


class SubmittedDocument(_Frozen):
    type: str
    number: str
    issuing_country: str
    expiry_date: str


class SubmittedAnswers(_Frozen):
    """The due-diligence questions."""

    employment_status: str
    occupation: str
    source_of_funds: str
    expected_monthly_amount: str
    purpose: str
    tax_residence_country: str
    tax_id: str
    us_person: bool
    pep: bool
    pep_details: str | None


class SubmittedSecurity(_Frozen):
    passkey: bool


class SubmittedOnboarding(_Frozen):
    email: str
    personal: SubmittedPersonal
    address: SubmittedAddress
    phone: SubmittedPhone
    document: SubmittedDocument
    questions: SubmittedAnswers
    security: SubmittedSecurity

    @classmethod
    def from_draft(cls, draft: dict[str, Any], email: str) -> SubmittedOnboarding:
        """Freeze a complete draft (its steps as the flow saved them)."""
        address = draft["address"]
        questions = draft["questions"]
        return cls(
            email=email,
            personal=SubmittedPersonal.model_validate(
                {k: draft["personal"][k] for k in SubmittedPersonal.model_fields}
            ),
            address=SubmittedAddress.model_validate(
                {
                    k: (address.get(k) or None) if k in ("street2", "region") else address[k]
                    for k in SubmittedAddress.model_fields
                }
            ),
            phone=SubmittedPhone(
                phone_number=draft["phone"]["phone_number"],
                verified=bool(draft["phone"].get("verified")),
            ),
            document=SubmittedDocument.model_validate(
                {k: draft["document"][k] for k in SubmittedDocument.model_fields}
            ),
            questions=SubmittedAnswers.model_validate(
                {
                    **{
                        k: questions[k] for k in SubmittedAnswers.model_fields if k != "pep_details"
                    },
                    "us_person": bool(questions["us_person"]),
                    "pep": bool(questions["pep"]),
                    "pep_details": questions.get("pep_details") or None,
                }
            ),
            security=SubmittedSecurity(passkey=bool(draft.get("security", {}).get("passkey"))),
        )


# The back office's section titles, in the model's order (``email`` is shown as "Contact").
SECTION_TITLES = {
    "personal": "Personal",
    "address": "Address",
    "phone": "Phone",
    "document": "Identity document",
    "questions": "Due-diligence answers",
    "security": "Security",
}


def section_fields(section: str) -> tuple[str, ...]:
    """The fields of one section, in the order a reviewer reads them."""
    annotation = SubmittedOnboarding.model_fields[section].annotation
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return tuple(annotation.model_fields)
