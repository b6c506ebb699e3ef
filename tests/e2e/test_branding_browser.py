"""A branded hosted flow in headless Chromium: the partner's colour on the primary button (the
computed style and the pixels of a screenshot), its logo loaded from our origin, its support
line, and no CSP violation. An unbranded partner's page, in the same run, keeps Gangway's blue:
the pixel checks tell the two apart. Screenshots go to var/artifacts/branding/."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Browser, Page, expect
from tests.conftest import START, PartnerHandle, create_individual, make_settings, new_partner
from tests.e2e import support
from tests.e2e.support import chromium, phone_page, require_browser, serve_app

from gangway.app import create_app
from gangway.kit.clock import FrozenClock

pytestmark = pytest.mark.browser

GREEN = (11, 110, 79)  # #0b6e4f, 5.72:1 on the page background
GANGWAY_BLUE = (29, 78, 216)  # #1d4ed8, flow.css
LOGO_ORANGE = (240, 120, 20)


def logo_png() -> str:
    image = Image.new("RGB", (240, 64), LOGO_ORANGE)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
async def served(app: Any, database_url: str) -> AsyncIterator[tuple[Any, Browser]]:
    require_browser()
    clock = FrozenClock(START)

    def build(base_url: str) -> Any:
        return create_app(make_settings(database_url, public_url=base_url), clock=clock)

    async with serve_app(build) as (_base_url, application), chromium() as browser:
        yield application, browser


async def open_welcome(partner: PartnerHandle, browser: Browser) -> tuple[Any, Page, list[str]]:
    individual = await create_individual(partner)
    link = await partner.http.post(f"/v3/individuals/{individual['id']}/onboard", json={})
    assert link.status_code == 200, link.text
    context, page = await phone_page(browser)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = await page.goto(link.json()["redirect_url"])
    assert response is not None and response.status == 200
    await page.wait_for_load_state("networkidle")
    return context, page, violations


async def pixel_of(page: Page, selector: str, dx: float, dy: float) -> tuple[int, int, int]:
    """The colour at (dx, dy) inside the element, read from a screenshot of the viewport."""
    box = await page.locator(selector).first.bounding_box()
    assert box is not None
    screenshot = Image.open(io.BytesIO(await page.screenshot())).convert("RGB")
    x = round(box["x"] + (dx if dx >= 1 else box["width"] * dx))
    y = round(box["y"] + (dy if dy >= 1 else box["height"] * dy))
    return screenshot.getpixel((x, y))  # type: ignore[return-value]


def close_to(actual: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - e) <= 3 for a, e in zip(actual, expected, strict=True))


async def test_a_branded_flow_page_shows_the_partners_colour_logo_and_support_line(
    served: tuple[Any, Browser],
) -> None:
    application, browser = served
    nordpay = await new_partner(application, "Nordpay AB")
    plain = await new_partner(application, "Plain Bank")
    try:
        branded = await nordpay.http.patch(
            "/v3/branding",
            json={
                "display_name": "Nordpay",
                "primary_color": "#0b6e4f",
                "support_email": "help@nordpay.test",
                "logo_png": logo_png(),
            },
        )
        assert branded.status_code == 200, branded.text

        context, page, violations = await open_welcome(nordpay, browser)
        button = page.locator("button.primary").first
        await expect(button).to_be_visible()
        color = await button.evaluate("b => getComputedStyle(b).backgroundColor")
        assert color == "rgb(11, 110, 79)"
        link_color = await page.locator(".support a").first.evaluate(
            "a => getComputedStyle(a).color"
        )
        assert link_color == "rgb(11, 110, 79)"
        await expect(page.locator(".partner")).to_have_text("Nordpay")
        await expect(
            page.get_by_text("Nordpay uses Gangway to verify your identity")
        ).to_be_visible()
        logo = page.locator("img.brand-logo")
        loaded = await logo.evaluate("i => [i.complete, i.naturalWidth, i.naturalHeight]")
        assert loaded == [True, 240, 64]
        await expect(page.get_by_role("link", name="help@nordpay.test")).to_be_visible()
        await support.shot(page, "branding", "nordpay-welcome")

        assert close_to(await pixel_of(page, "button.primary", 12, 0.5), GREEN)
        assert close_to(await pixel_of(page, "img.brand-logo", 0.5, 0.5), LOGO_ORANGE)
        # Shown at most 40 px high (the stylesheet), keeping the aspect ratio.
        box = await logo.bounding_box()
        assert box is not None and box["height"] == 40 and box["width"] == 150
        assert violations == []
        await context.close()

        context, page, violations = await open_welcome(plain, browser)
        await support.shot(page, "branding", "plain-welcome")
        assert close_to(await pixel_of(page, "button.primary", 12, 0.5), GANGWAY_BLUE)
        assert not close_to(await pixel_of(page, "button.primary", 12, 0.5), GREEN)
        assert await page.locator("img.brand-logo").count() == 0
        assert violations == []
        await context.close()
    finally:
        await nordpay.http.aclose()
        await plain.http.aclose()
