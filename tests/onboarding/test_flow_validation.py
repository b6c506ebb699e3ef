from __future__ import annotations

import re
from typing import Any

import pytest

from tests.onboarding.conftest import ADDRESS, PERSONAL, QUESTIONS, FlowClient


async def test_terms_must_be_accepted(started: FlowClient) -> None:
    response = await started.step("welcome", {})
    assert response.status_code == 400
    assert "Accept the terms to continue." in response.text
    assert 'aria-describedby="e-accept_terms"' in response.text
    assert "autofocus" in response.text


async def test_errors_are_shown_next_to_fields_and_nothing_typed_is_lost(
    started: FlowClient,
) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    response = await started.step(
        "personal",
        {"first_name": "Åsa", "last_name": "", "date_of_birth": "2015-01-01", "nationality": "SE"},
    )
    assert response.status_code == 400
    html = response.text
    assert 'value="Åsa"' in html and 'value="2015-01-01"' in html
    assert '<option value="SE" selected>' in html
    assert re.search(r'id="e-last_name">Fill in this field\.<', html)
    assert re.search(r'id="e-date_of_birth">You must be 18 or older\.<', html)
    # The first invalid field gets the focus and points at its error.
    last_name_input = re.search(r'<input id="f-last_name"[^>]*>', html)
    assert last_name_input and "autofocus" in last_name_input.group(0)
    assert 'aria-describedby="e-last_name"' in last_name_input.group(0)
    assert 'aria-invalid="true"' in last_name_input.group(0)
    assert '<label for="f-last_name">Last name</label>' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "06/12/1991", "Enter the date as YYYY-MM-DD."),
        ("date_of_birth", "1899-12-31", "The date cannot be before 1900."),
        ("date_of_birth", "2026-03-02", "The date must be in the past."),
        ("nationality", "XX", "Choose a country from the list."),
        ("first_name", "x" * 101, "Use at most 100 characters."),
        ("first_name", "a\x00b", "Remove the special characters."),
    ],
)
async def test_personal_details_rules(
    started: FlowClient, field: str, value: str, message: str
) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    response = await started.step("personal", {**PERSONAL, field: value})
    assert response.status_code == 400
    assert message in response.text


async def test_eighteenth_birthday_today_is_old_enough(started: FlowClient) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    response = await started.step("personal", {**PERSONAL, "date_of_birth": "2008-03-02"})
    assert response.status_code == 303


async def test_address_requires_street_city_and_postal_code(started: FlowClient) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    await started.step("personal", PERSONAL)
    response = await started.step(
        "address", {**ADDRESS, "street1": "", "city": "", "postal_code": ""}
    )
    assert response.status_code == 400
    for field in ("street1", "city", "postal_code"):
        assert f'id="e-{field}"' in response.text
    assert 'id="e-street2"' not in response.text and 'id="e-region"' not in response.text


async def test_pep_yes_needs_details(started: FlowClient) -> None:
    from tests.onboarding.conftest import fill_until

    await fill_until(started, "selfie")
    response = await started.step("questions", {**QUESTIONS, "pep": "yes", "pep_details": ""})
    assert response.status_code == 400
    assert "Tell us about the role." in response.text
    response = await started.step(
        "questions", {**QUESTIONS, "pep": "yes", "pep_details": "My uncle is a minister in SE"}
    )
    assert response.status_code == 303


async def test_questions_accept_only_listed_choices(started: FlowClient) -> None:
    from tests.onboarding.conftest import fill_until

    await fill_until(started, "selfie")
    response = await started.step(
        "questions",
        {**QUESTIONS, "employment_status": "astronaut", "us_person": "maybe", "tax_id": "<b>"},
    )
    assert response.status_code == 400
    for field in ("employment_status", "us_person", "tax_id"):
        assert f'id="e-{field}"' in response.text


@pytest.mark.parametrize(
    ("passcode", "confirm", "message"),
    [
        ("111111", "111111", "Do not use the same digit six times."),
        ("123456", "123456", "Do not use a sequence like 123456."),
        ("987654", "987654", "Do not use a sequence like 123456."),
        ("12345", "12345", "Enter exactly 6 digits."),
        ("28571a", "28571a", "Enter exactly 6 digits."),
        ("285714", "285715", "The passcodes do not match."),
    ],
)
async def test_passcode_rules(
    started: FlowClient, passcode: str, confirm: str, message: str
) -> None:
    from tests.onboarding.conftest import fill_until

    await fill_until(started, "questions")
    response = await started.step(
        "security", {"passcode": passcode, "passcode_confirm": confirm, "action": "passcode"}
    )
    assert response.status_code == 400
    assert message in response.text
    assert 'name="passcode" type="password" value=""' in response.text
    assert f'value="{passcode}"' not in response.text


async def test_security_cannot_be_skipped_without_a_passcode(started: FlowClient) -> None:
    from tests.onboarding.conftest import fill_until

    await fill_until(started, "questions")
    response = await started.step("security", {"action": "continue"})
    assert response.status_code == 400


async def test_review_lists_everything_with_edit_links_and_edits_come_back(
    started: FlowClient, individual: dict[str, Any]
) -> None:
    from tests.onboarding.conftest import fill_until

    await fill_until(started)
    review = await started.get("/flow/onboarding/review")
    for step in ("personal", "address", "phone", "document", "selfie", "questions", "security"):
        assert f'href="/flow/onboarding/{step}"' in review.text
    edited = await started.step("address", {**ADDRESS, "city": "Stockholm"})
    assert edited.headers["location"] == "/flow/onboarding/review"
    review = await started.get("/flow/onboarding/review")
    assert "Stockholm" in review.text
