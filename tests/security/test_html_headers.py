"""Every HTML page — each hosted-flow step, the flow's error pages, every back-office page and its
error pages — carries the strict headers: a CSP without inline scripts that forbids framing,
no referrer, no sniffing, no caching."""

from __future__ import annotations

import re

import httpx

from tests.conftest import PartnerHandle
from tests.onboarding.conftest import FlowClient, fill_until
from tests.review.conftest import StaffBrowser

LINKS = re.compile(r'href="(/admin[^"#?]*)"')


def assert_strict(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    assert response.headers["content-type"].startswith("text/html"), where
    csp = response.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives["frame-ancestors"] == "frame-ancestors 'none'", where
    script = directives.get("script-src", directives.get("default-src", ""))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    assert "<script>" not in response.text and "onclick=" not in response.text.lower(), where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "no-referrer", where
    assert "no-store" in response.headers["Cache-Control"], where


async def test_every_flow_page_is_strict(
    flow: FlowClient, partner: PartnerHandle, link: dict
) -> None:  # type: ignore[type-arg]
    assert_strict(await flow.http.get("/flow/start", params={"token": "unknown"}))  # 410 page
    await flow.start(link["token"])
    pages = [await flow.get("/flow/onboarding/welcome")]
    await fill_until(flow, "security")
    for step in ("personal", "address", "phone", "document", "selfie", "questions", "security"):
        pages.append(await flow.get(f"/flow/onboarding/{step}"))
    pages.append(await flow.get("/flow/onboarding/review"))
    for page in pages:
        assert page.status_code == 200, page.request.url
        assert_strict(page)


async def test_every_back_office_page_is_strict(
    reviewer: StaffBrowser, admin: StaffBrowser, submitted: dict
) -> None:  # type: ignore[type-arg]
    anonymous = httpx.AsyncClient(transport=reviewer.http._transport, base_url="http://testserver")
    assert_strict(await anonymous.get("/admin/login"))
    await anonymous.aclose()
    crawled: set[str] = set()
    for browser in (reviewer, admin):
        seen: set[str] = set()
        queue = ["/admin", "/admin/queue", f"/admin/individuals/{submitted['id']}"]
        while queue:
            path = queue.pop()
            if path in seen or "/documents/" in path or path.startswith("/admin/static"):
                continue
            seen.add(path)
            response = await browser.http.get(path)
            if response.status_code in (301, 302, 303):
                continue
            assert_strict(response)
            queue += LINKS.findall(response.text)
        crawled |= seen
    assert {"/admin/partners", "/admin/staff", "/admin/audit", "/admin/queue"} <= crawled, crawled
    forbidden = await reviewer.http.get("/admin/partners")
    assert forbidden.status_code == 403
    assert_strict(forbidden)
