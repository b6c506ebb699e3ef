"""Validators for personal data fields (phone, email, country, names), shared by API and flow."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

MAX_TEXT = 100
COUNTRY_CODES = tuple(sorted(country.alpha_2 for country in pycountry.countries))
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def normalize_phone(value: str) -> str:
    """Digits with the country code, no ``+``; raises ValueError unless a possible number."""
    text = value.strip().replace(" ", "")
    text = text.removeprefix("+")
    if not text.isdigit() or not 6 <= len(text) <= 15 or not text.isascii():
        raise ValueError("Give the number as digits with the country code, e.g. 46701234567.")
    try:
        parsed = phonenumbers.parse("+" + text, None)
    except phonenumbers.NumberParseException:
        raise ValueError("The phone number has no valid country code.") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("This is not a possible phone number for its country.")
    return text


def normalize_email(value: str) -> str:
    text = value.strip()
    if len(text) > 320:
        raise ValueError("The email address is too long.")
    try:
        # Syntax only (no DNS). `.test` (RFC 2606) is accepted, so sandbox data can use it; the
        # other special-use names (`.local`, `localhost`, `.invalid`...) can receive no mail.
        validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValueError(f"Not a valid email address: {error}") from None
    return text


def normalize_country(value: str) -> str:
    text = value.strip().upper()
    if text not in COUNTRY_CODES:
        raise ValueError("Use an ISO 3166-1 alpha-2 country code, e.g. SE.")
    return text


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date_text(value: object) -> object:
    """Dates on the wire are ``YYYY-MM-DD`` strings only (no numbers, no other formats)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError("Use the format YYYY-MM-DD.")
    return value.strip()


def check_birth_date(value: date, today: date | None = None) -> date:
    today = today or datetime.now(UTC).date()
    if value >= today:
        raise ValueError("The date of birth must be in the past.")
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError("The date of birth cannot be before 1900-01-01.")
    return value


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or getattr(country, "name", code))
