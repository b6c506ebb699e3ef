"""The checks that need nothing but the submission (and the individual record): pure functions.

Each takes the frozen submission data (the shape documented in ``docs/back-office.md``) and returns
one :class:`CheckResult`; missing or malformed values fail with a reason instead of raising.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gangway.checks.results import CheckResult, Outcome
from gangway.kit.validators import age_on

ADULT_AGE = 18
# Older than this is more likely a typo in the date of birth than a real applicant.
IMPLAUSIBLE_AGE = 100
EXPIRY_MARGIN = timedelta(days=30)


def section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def normalize_name(text: str) -> str:
    """Case, accents, punctuation and spacing removed: ``"José  O'Neil"`` → ``"jose o neil"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(letters.casefold().split())


def check_age(data: dict[str, Any], today: date) -> CheckResult:
    birth = parse_date(section(data, "personal").get("date_of_birth"))
    if birth is None:
        return CheckResult("age", Outcome.fail, "No valid date of birth was submitted.")
    age = age_on(birth, today)
    if age < ADULT_AGE:
        return CheckResult(
            "age", Outcome.fail, f"The applicant is {age}, under {ADULT_AGE}.", {"age": age}
        )
    if age > IMPLAUSIBLE_AGE:
        return CheckResult(
            "age",
            Outcome.warn,
            f"The applicant would be {age}: check the date of birth.",
            {"age": age},
        )
    return CheckResult("age", Outcome.passed, f"The applicant is {age}.", {"age": age})


def check_document_expiry(data: dict[str, Any], today: date) -> CheckResult:
    expiry = parse_date(section(data, "document").get("expiry_date"))
    if expiry is None:
        return CheckResult("document_expiry", Outcome.fail, "No valid document expiry date.")
    detail = {"expiry_date": expiry.isoformat()}
    if expiry < today:
        return CheckResult(
            "document_expiry", Outcome.fail, f"The document expired on {expiry}.", detail
        )
    if expiry < today + EXPIRY_MARGIN:
        return CheckResult(
            "document_expiry",
            Outcome.warn,
            f"The document expires on {expiry}, within {EXPIRY_MARGIN.days} days.",
            detail,
        )
    return CheckResult("document_expiry", Outcome.passed, f"Valid until {expiry}.", detail)


@dataclass(frozen=True)
class RecordedIdentity:
    """What the partner registered for the individual (the ``individuals`` row)."""

    first_name: str
    last_name: str
    date_of_birth: date
    phone_number: str = ""


def check_data_consistency(data: dict[str, Any], record: RecordedIdentity) -> CheckResult:
    personal = section(data, "personal")
    differences: dict[str, dict[str, str]] = {}
    for name in ("first_name", "last_name"):
        submitted = str(personal.get(name) or "")
        registered = getattr(record, name)
        if normalize_name(submitted) != normalize_name(registered):
            differences[name] = {"submitted": submitted, "registered": registered}
    submitted_birth = parse_date(personal.get("date_of_birth"))
    if submitted_birth != record.date_of_birth:
        differences["date_of_birth"] = {
            "submitted": str(personal.get("date_of_birth") or ""),
            "registered": record.date_of_birth.isoformat(),
        }
    if differences:
        fields = ", ".join(differences)
        return CheckResult(
            "data_consistency",
            Outcome.warn,
            f"Differs from the partner's record: {fields}.",
            {"differences": differences},
        )
    return CheckResult(
        "data_consistency", Outcome.passed, "Names and date of birth match the partner's record."
    )


def check_phone_verified(data: dict[str, Any], registered_phone: str = "") -> CheckResult:
    phone = section(data, "phone")
    if phone.get("verified") is not True:
        return CheckResult("phone_verified", Outcome.fail, "The phone number was not verified.")
    number = _digits(phone.get("phone_number"))
    if registered_phone and number and number != _digits(registered_phone):
        return CheckResult(
            "phone_verified",
            Outcome.warn,
            "A code was confirmed, but on another number than the partner registered.",
            {"verified": number, "registered": _digits(registered_phone)},
        )
    return CheckResult("phone_verified", Outcome.passed, "The one-time code was confirmed.")


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def check_pep(data: dict[str, Any]) -> CheckResult:
    questions = section(data, "questions")
    if questions.get("pep") is True:
        details = questions.get("pep_details") or "no details given"
        return CheckResult(
            "pep",
            Outcome.warn,
            "Self-declared politically exposed person: enhanced due diligence.",
            {"pep_details": str(details)},
        )
    return CheckResult("pep", Outcome.passed, "Not a politically exposed person (self-declared).")
