"""Form parsing and validation for each step: pure functions from the submitted fields to cleaned
values or per-field errors (problem keys, ``messages.PROBLEMS``). No database access here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gangway.flow.messages import CHOICES
from gangway.kit import validators
from gangway.onboarding.credentials import passcode_problem

TEXT_MAX = validators.MAX_TEXT
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOC_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,39}$")
_TAX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .-]{0,29}$")


@dataclass
class FieldProblem:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    values: dict[str, str]
    errors: dict[str, FieldProblem] = field(default_factory=dict)
    cleaned: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, name: str, key: str, **params: Any) -> None:
        self.errors.setdefault(name, FieldProblem(key, params))


def _raw(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    return values


def _text(p: Parsed, name: str, *, required: bool = True, max_length: int = TEXT_MAX) -> None:
    value = p.values[name]
    if not value:
        if required:
            p.fail(name, "required")
        else:
            p.cleaned[name] = ""
        return
    if len(value) > max_length:
        p.fail(name, "too_long", num=max_length)
    elif _CONTROL.search(value):
        p.fail(name, "bad_chars")
    else:
        p.cleaned[name] = value


def _country(p: Parsed, name: str) -> None:
    try:
        p.cleaned[name] = validators.normalize_country(p.values[name])
    except ValueError:
        p.fail(name, "country")


def _date(p: Parsed, name: str) -> date | None:
    value = p.values[name]
    if not value:
        p.fail(name, "required")
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        p.fail(name, "date_format")
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        p.fail(name, "date_format")
        return None
    p.cleaned[name] = parsed.isoformat()
    return parsed


def _choice(p: Parsed, name: str, options: str | None = None) -> None:
    value = p.values[name]
    if value not in CHOICES[options or name]:
        p.fail(name, "required_choice")
    else:
        p.cleaned[name] = value


def _yes_no(p: Parsed, name: str) -> None:
    value = p.values[name]
    if value not in ("yes", "no"):
        p.fail(name, "required_choice")
    else:
        p.cleaned[name] = value == "yes"


def welcome(form: Any) -> Parsed:
    p = Parsed(_raw(form, ("accept_terms",)))
    if p.values["accept_terms"] != "yes":
        p.fail("accept_terms", "terms_required")
    else:
        p.cleaned["accepted_terms"] = True
    return p


def personal(form: Any, today: date) -> Parsed:
    p = Parsed(_raw(form, ("first_name", "last_name", "date_of_birth", "nationality")))
    _text(p, "first_name")
    _text(p, "last_name")
    born = _date(p, "date_of_birth")
    if born is not None:
        if born >= today:
            p.fail("date_of_birth", "date_past")
        elif born < validators.EARLIEST_BIRTH_DATE:
            p.fail("date_of_birth", "date_1900")
        elif validators.age_on(born, today) < 18:
            p.fail("date_of_birth", "age_18")
    _country(p, "nationality")
    return p


def address(form: Any) -> Parsed:
    p = Parsed(_raw(form, ("country_code", "street1", "street2", "city", "region", "postal_code")))
    _country(p, "country_code")
    _text(p, "street1")
    _text(p, "street2", required=False)
    _text(p, "city")
    _text(p, "region", required=False)
    _text(p, "postal_code", max_length=20)
    return p


def phone_number(form: Any) -> Parsed:
    p = Parsed(_raw(form, ("phone_number", "code", "action")))
    try:
        p.cleaned["phone_number"] = validators.normalize_phone(
            p.values["phone_number"].replace("-", "").replace("(", "").replace(")", "")
        )
    except ValueError:
        p.fail("phone_number", "phone_invalid")
    return p


def phone_code(p: Parsed) -> None:
    code = p.values["code"].replace(" ", "")
    if not re.fullmatch(r"\d{6}", code):
        p.fail("code", "code_format")
    else:
        p.cleaned["code"] = code


def document(form: Any, today: date) -> Parsed:
    p = Parsed(_raw(form, ("type", "number", "issuing_country", "expiry_date")))
    _choice(p, "type", "document_type")
    number = p.values["number"].upper()
    if not number:
        p.fail("number", "required")
    elif not _DOC_NUMBER.fullmatch(number):
        p.fail("number", "doc_number")
    else:
        p.cleaned["number"] = number
    _country(p, "issuing_country")
    expiry = _date(p, "expiry_date")
    if expiry is not None and expiry <= today:
        p.fail("expiry_date", "date_future")
    return p


def questions(form: Any) -> Parsed:
    names = (
        "employment_status",
        "occupation",
        "source_of_funds",
        "expected_monthly_amount",
        "purpose",
        "tax_residence_country",
        "tax_id",
        "us_person",
        "pep",
        "pep_details",
    )
    p = Parsed(_raw(form, names))
    for name in ("employment_status", "occupation", "source_of_funds"):
        _choice(p, name)
    _choice(p, "expected_monthly_amount")
    _choice(p, "purpose")
    _country(p, "tax_residence_country")
    tax_id = p.values["tax_id"]
    if not tax_id:
        p.fail("tax_id", "required")
    elif not _TAX_ID.fullmatch(tax_id):
        p.fail("tax_id", "tax_id_invalid")
    else:
        p.cleaned["tax_id"] = tax_id
    _yes_no(p, "us_person")
    _yes_no(p, "pep")
    p.cleaned["pep_details"] = None
    if p.cleaned.get("pep"):
        details = p.values["pep_details"]
        if not details:
            p.fail("pep_details", "pep_details_required")
        elif len(details) > 500:
            p.fail("pep_details", "too_long", num=500)
        else:
            p.cleaned["pep_details"] = details
    return p


def passcode(form: Any, *, changing: bool = False) -> Parsed:
    """A new passcode, twice; ``changing`` an already-set one needs the current one too."""
    names = ("passcode", "passcode_confirm", "current_passcode")
    raw = {name: str(form.get(name) or "") for name in names}
    # Never echo a passcode back into the page.
    p = Parsed(dict.fromkeys(names, ""))
    if changing:
        if not raw["current_passcode"]:
            p.fail("current_passcode", "required")
        else:
            p.cleaned["current_passcode"] = raw["current_passcode"][:64]
    problem = passcode_problem(raw["passcode"])
    if problem:
        p.fail("passcode", problem)
    elif raw["passcode"] != raw["passcode_confirm"]:
        p.fail("passcode_confirm", "passcode_mismatch")
    else:
        p.cleaned["passcode"] = raw["passcode"]
    return p


# --- consent flows -----------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def confirm_passcode(form: Any) -> Parsed:
    """The passcode typed on "Confirm it's you" (checked against the stored hash elsewhere)."""
    p = Parsed(_raw(form, ("passcode",)))
    value = p.values["passcode"]
    if not value:
        p.fail("passcode", "required")
    elif len(value) != 6 or not value.isascii() or not value.isdigit():
        p.fail("passcode", "passcode_format")
    else:
        p.cleaned["passcode"] = value
    p.values["passcode"] = ""  # never echo a passcode back into the page
    return p


def proof(form: Any, today: date) -> Parsed:
    """Proof of address: document type and an issue date within the last 3 months."""
    p = Parsed(_raw(form, ("proof_type", "issue_date")))
    _choice(p, "proof_type")
    issued = _date(p, "issue_date")
    if issued is not None:
        if issued > today:
            p.fail("issue_date", "issue_date_future")
        elif issued < months_before(today, 3):
            p.fail("issue_date", "issue_date_old")
    return p
