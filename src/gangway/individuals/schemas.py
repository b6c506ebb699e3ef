from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from gangway.kit import validators
from gangway.kit.timefmt import Timestamp
from gangway.models import IndividualStatus
from gangway.web.schemas import NOT_BLANK, StrictInput, without_null

Text100 = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=validators.MAX_TEXT, pattern=NOT_BLANK
    ),
]
Phone = Annotated[
    str,
    StringConstraints(max_length=20),
    AfterValidator(validators.normalize_phone),
    Field(
        description="Digits with the country code, no `+` (a leading `+` is dropped); a possible "
        "number for its region (`format: phone`, checked with libphonenumber).",
        json_schema_extra={"format": "phone"},
    ),
]
Email = Annotated[
    str,
    StringConstraints(max_length=320),
    AfterValidator(validators.normalize_email),
    Field(
        description="Syntax-checked (no DNS); special-use domains other than `.test` are refused.",
        json_schema_extra={"format": "email"},
    ),
]
Country = Annotated[
    str,
    StringConstraints(max_length=2),
    AfterValidator(validators.normalize_country),
    Field(
        description="ISO 3166-1 alpha-2.",
        json_schema_extra={"enum": list(validators.COUNTRY_CODES)},
    ),
]
BirthDate = Annotated[
    date, BeforeValidator(validators.iso_date_text), AfterValidator(validators.check_birth_date)
]

SEED_EXAMPLE: dict[str, Any] = {
    "first_name": "John",
    "last_name": "de Mayor",
    "email": "m6dreey@goes.es",
    "phone_number": "46627211111",
    "date_of_birth": "1991-12-06",
    "address": {
        "country_code": "SE",
        "street1": "Mälarö torg 2",
        "city": "Ekerö",
        "region": "Ekerö",
        "postal_code": "178 30",
    },
}


class Address(StrictInput):
    country_code: Country
    street1: Text100
    street2: Text100 | None = None
    city: Text100
    region: Text100 | None = None
    postal_code: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=NOT_BLANK),
    ]


class IndividualCreate(StrictInput):
    first_name: Text100
    last_name: Text100
    email: Email
    phone_number: Phone
    date_of_birth: BirthDate
    address: Address | None = None
    model_config = ConfigDict(json_schema_extra={"examples": [SEED_EXAMPLE]})


class IndividualPatch(StrictInput):
    """Only these fields may change, and only before the onboarding data is provided."""

    email: Email | None = None
    phone_number: Phone | None = None
    address: Address | None = Field(default=None, description="A new address; `null` removes it.")
    model_config = ConfigDict(
        json_schema_extra=without_null(
            "email", "phone_number", examples=[{"email": "new@example.com"}]
        )
    )

    @model_validator(mode="after")
    def _no_null_contacts(self) -> IndividualPatch:
        for name in ("email", "phone_number"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class AddressOut(BaseModel):
    country_code: str
    street1: str
    street2: str | None = None
    city: str
    region: str | None = None
    postal_code: str


class IndividualOut(BaseModel):
    """Personal fields are `null` only once the individual was erased (`redacted_at` set)."""

    id: uuid.UUID
    status: IndividualStatus
    first_name: str | None
    last_name: str | None
    email: str | None
    phone_number: str | None
    date_of_birth: date | None
    address: AddressOut | None
    created_at: Timestamp
    updated_at: Timestamp
    redacted_at: Timestamp | None = Field(
        default=None, description="When the personal data was erased; `null` until then."
    )
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "9c017aec-c952-4713-aa10-11708cb0d11a",
                    "status": "pending_activation",
                    **SEED_EXAMPLE,
                    "address": {**SEED_EXAMPLE["address"], "street2": None},
                    "created_at": "2025-06-08T13:09:15.000Z",
                    "updated_at": "2025-06-08T13:09:15.000Z",
                }
            ]
        },
    )


class IndividualPage(BaseModel):
    data: list[IndividualOut]
    has_more: bool = Field(
        description="Whether another page follows; pass the last id as starting_after."
    )
