"""The audit itself: it finds a violation when there is one, and the pages' CSP refuses the
``<script>`` tag Playwright's ``add_script_tag`` would inject (hence ``page.evaluate``)."""

from __future__ import annotations

import pytest
from playwright.async_api import Error

from tests.a11y.axe import AXE_JS, Audit, require_axe
from tests.e2e.support import chromium

pytestmark = pytest.mark.browser

CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
# No lang, no title, an image without alt text, and a word too long for 320 px.
PAGE = '<!doctype html><html><body><main><img src="/x.png"><p>' + "x" * 400 + "</p></main>"


async def test_the_audit_reports_missing_lang_alt_text_and_sideways_scrolling() -> None:
    require_axe()
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 320, "height": 640})
        await page.route(
            "http://a11y.test/**",
            lambda route: route.fulfill(
                status=200,
                content_type="text/html",
                headers={"Content-Security-Policy": CSP},
                body=PAGE,
            ),
        )
        await page.goto("http://a11y.test/")
        with pytest.raises(Error, match="Content Security Policy"):
            await page.add_script_tag(path=str(AXE_JS))
        audit = Audit()
        await audit(page, "broken")
        with pytest.raises(AssertionError) as failed:
            audit.assert_clean(["broken"])
        for rule in ("html-has-lang", "image-alt", "document-title", "reflow"):
            assert rule in str(failed.value), rule
