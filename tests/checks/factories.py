"""A valid submission in the frozen shape, to vary per test."""

from __future__ import annotations

import copy
from typing import Any

BASE: dict[str, Any] = {
    "personal": {
        "first_name": "Astrid",
        "last_name": "Lindqvist",
        "date_of_birth": "1990-04-17",
        "nationality": "SE",
    },
    "email": "astrid@example.com",
    "address": {
        "country_code": "SE",
        "street1": "Drottninggatan 1",
        "street2": None,
        "city": "Stockholm",
        "region": None,
        "postal_code": "111 51",
    },
    "phone": {"phone_number": "46701234567", "verified": True},
    "document": {
        "type": "passport",
        "number": "AB1234567",
        "issuing_country": "SE",
        "expiry_date": "2030-01-01",
    },
    "questions": {
        "employment_status": "employed",
        "occupation": "engineer",
        "source_of_funds": "salary",
        "expected_monthly_amount": "1000_5000",
        "purpose": "everyday",
        "tax_residence_country": "SE",
        "tax_id": "19900417-1234",
        "us_person": False,
        "pep": False,
        "pep_details": None,
    },
    "security": {"passkey": False},
}


def submission(**changes: dict[str, Any] | str) -> dict[str, Any]:
    """``submission(personal={"nationality": "IR"}, email="x@y.z")``: sections merged."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict):
            data[key] = {**data.get(key, {}), **value}
        else:
            data[key] = value
    return data
