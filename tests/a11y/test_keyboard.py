"""The whole onboarding with the keyboard only (Tab, Shift+Tab, typing, Space, Enter; the file
chooser opened by Space and answered by the test), from the link to the partner's return_url,
every focused element showing a visible focus indicator."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.a11y.conftest import RETURN_URL, Served
from tests.a11y.keyboard import Keyboard
from tests.e2e.support import photo

pytestmark = pytest.mark.browser

CONTINUE = "button.primary[type=submit]"


async def on_step(page: Page, title: str) -> None:
    """The step's page, its stylesheet and script loaded (before that, no focus ring yet)."""
    await expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    await page.wait_for_load_state("load")


async def test_the_whole_onboarding_with_the_keyboard_only(served: Served) -> None:
    link = await served.link(return_url=RETURN_URL)
    context, page = await served.new_page()
    keys = Keyboard(page)
    await page.goto(link["redirect_url"])

    await on_step(page, "Welcome")
    await keys.press_on("#f-accept_terms", "Space")
    await expect(page.locator("#f-accept_terms")).to_be_checked()
    await keys.press_on(CONTINUE)

    await on_step(page, "Personal details")
    await keys.type_into("#f-first_name", "Åsa", replace=True)
    await keys.tab_to("#f-date_of_birth")
    await keys.tab_to("#f-last_name", backwards=True)  # Shift+Tab goes back in order
    await keys.choose("#f-nationality", "Sweden")
    await expect(page.locator("#f-nationality")).to_have_value("SE")
    await keys.press_on(CONTINUE)

    await on_step(page, "Address")
    await keys.type_into("#f-street2", "lgh 1101")
    await keys.press_on(CONTINUE)

    await on_step(page, "Phone number")
    await keys.press_on("button[value=send]")
    await expect(page.locator("#f-code")).to_be_focused()  # the code field takes the focus
    await page.keyboard.type("000000")
    await keys.press_on("button[value=verify]")

    await on_step(page, "Identity document")
    await keys.choose("#f-type", "National")
    await expect(page.locator("#f-type")).to_have_value("national_id")
    await keys.type_into("#f-number", "AB1234567")
    await keys.choose("#f-issuing_country", "Sweden")
    await keys.type_date("#f-expiry_date", "2031-05-31")
    await expect(page.locator("#f-expiry_date")).to_have_value("2031-05-31")
    await keys.upload("#f-front", photo("front"))
    await keys.upload("#f-back", photo("back", "PNG"))
    await keys.press_on(CONTINUE)

    await on_step(page, "Selfie")
    await keys.upload("#f-selfie", photo("selfie"))
    await expect(page.locator("#selfie-preview")).to_be_visible()
    await keys.press_on(CONTINUE)

    await on_step(page, "A few questions")
    for name, text in (
        ("employment_status", "Employed"),
        ("occupation", "Professional"),
        ("source_of_funds", "Salary"),
        ("expected_monthly_amount", "1"),
        ("purpose", "Everyday"),
        ("tax_residence_country", "Sweden"),
    ):
        await keys.choose(f"#f-{name}", text)
        assert await page.locator(f"#f-{name}").input_value(), name
    await keys.type_into("#f-tax_id", "19911206-1234")
    for question in ("us_person", "pep"):
        await keys.tab_to(f"input[name={question}][value=yes]")  # a radio group is one stop
        await page.keyboard.press("ArrowDown")  # moves to and checks "No"
        await expect(page.locator(f"input[name={question}][value=no]")).to_be_checked()
    await expect(page.locator("#f-pep_details")).to_be_hidden()
    await keys.press_on(CONTINUE)

    await on_step(page, "Security")
    await keys.type_into("#f-passcode", "285714")
    await keys.type_into("#f-passcode_confirm", "285714")
    await keys.press_on(CONTINUE)
    await expect(page.get_by_text("Your passcode is saved.")).to_be_visible()
    await keys.press_on("button[value=continue]")

    await on_step(page, "Check your details")
    await expect(page.get_by_text("lgh 1101")).to_be_visible()
    await expect(page.get_by_text("Åsa")).to_be_visible()
    await keys.press_on(CONTINUE)

    await on_step(page, "Thank you")
    await keys.press_on("a.primary")
    await page.wait_for_url("https://partner.example/**")
    status = await served.partner.http.get(f"/v3/individuals/{link['individual_id']}")
    assert status.json()["status"] == "onboarding_data_provided"
    assert not keys.unseen_focus, "focus not visible:\n" + "\n".join(keys.unseen_focus)
    await context.close()
