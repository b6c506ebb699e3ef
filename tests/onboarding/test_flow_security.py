from __future__ import annotations

from typing import Any

from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import FlowClient, new_flow_client, onboard


async def test_post_without_or_with_a_foreign_csrf_token_is_refused(
    app: Any, partner: PartnerHandle, started: FlowClient
) -> None:
    missing = await started.http.post("/flow/onboarding/welcome", data={"accept_terms": "yes"})
    assert missing.status_code == 403
    assert "The form expired or did not come from this page." in missing.text
    # A token from another flow session (another user) does not work here either.
    other = await create_individual(partner, email="other@example.com")
    other_link = await onboard(partner, other["id"])
    async with new_flow_client(app) as http:
        attacker = FlowClient(http)
        await attacker.start(other_link["token"])
        await attacker.get("/flow/onboarding/welcome")
        foreign_token = attacker.csrf()
    forged = await started.http.post(
        "/flow/onboarding/welcome", data={"accept_terms": "yes", "csrf_token": foreign_token}
    )
    assert forged.status_code == 403
    cancel = await started.http.post("/flow/cancel", data={})
    assert cancel.status_code == 403


async def test_security_headers_on_flow_pages(started: FlowClient) -> None:
    page = await started.get("/flow/onboarding/welcome")
    headers = page.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "no-store" in headers["cache-control"]
    assert "<script>" not in page.text  # only external scripts
    assert "style=" not in page.text  # no inline styles either
    start_error = await started.start("unknown")
    assert start_error.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in start_error.headers["content-security-policy"]


async def test_token_leaves_the_address_bar_and_the_page(
    flow: FlowClient, link: dict[str, Any]
) -> None:
    response = await flow.start(link["token"])
    assert link["token"] not in response.headers["location"]
    page = await flow.get(response.headers["location"])
    assert link["token"] not in page.text
    assert link["token"] not in page.headers.get("set-cookie", "")


async def test_names_with_markup_are_rendered_inert(app: Any, partner: PartnerHandle) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    individual = await create_individual(partner, first_name=payload, last_name='"><svg onload=1>')
    link = await onboard(partner, individual["id"])
    async with new_flow_client(app) as http:
        flow = FlowClient(http)
        await flow.start(link["token"])
        await flow.step("welcome", {"accept_terms": "yes"})
        page = await flow.get("/flow/onboarding/personal")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert '"><svg' not in page.text


async def test_a_partner_name_with_markup_is_escaped(app: Any, started: FlowClient) -> None:
    from sqlalchemy import update

    from gangway.db.session import transaction
    from gangway.models import Partner

    async with transaction(app.state.services.sessions) as session:
        await session.execute(update(Partner).values(name="<b>Evil</b> & Co"))
    page = await started.get("/flow/onboarding/welcome")
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in page.text and "<b>Evil" not in page.text


async def test_cancel_asks_first_then_returns_with_status_canceled(
    started: FlowClient, individual: dict[str, Any]
) -> None:
    confirm = await started.get("/flow/cancel")
    assert confirm.status_code == 200 and "Yes, cancel" in confirm.text
    response = await started.post("/flow/cancel")
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"https://partner.example/back?x=1&individual_id={individual['id']}&status=canceled"
    )


async def test_cancel_without_return_url_shows_a_closing_page(
    app: Any, partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    link = await onboard(partner, individual["id"])
    async with new_flow_client(app) as http:
        flow = FlowClient(http)
        await flow.start(link["token"])
        await flow.get("/flow/cancel")
        response = await flow.post("/flow/cancel")
    assert response.status_code == 200
    assert "You can close this window." in response.text


async def test_an_internal_error_renders_a_friendly_page_with_a_reference(
    app: Any, partner: PartnerHandle, individual: dict[str, Any], link: dict[str, Any]
) -> None:
    import httpx

    from tests.onboarding.conftest import fill_until

    async def broken(*_: Any) -> None:
        raise RuntimeError("SELECT secret FROM somewhere")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        flow = FlowClient(http)
        await flow.start(link["token"], platform="ios", public_key=partner.public_key)
        await fill_until(flow)
        app.state.services.after_submission = (broken,)
        response = await flow.step("review")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert response.headers["x-request-id"] in response.text
    assert "SELECT secret" not in response.text and "Traceback" not in response.text
    assert "&#34;domain&#34;:&#34;unexpected_error&#34;" in response.text
    status = (await partner.http.get(f"/v3/individuals/{individual['id']}")).json()["status"]
    assert status == "onboarding_requested"
