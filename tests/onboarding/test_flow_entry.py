from __future__ import annotations

from typing import Any

from gangway.kit.clock import FrozenClock
from tests.conftest import PartnerHandle
from tests.onboarding.conftest import (
    ADDRESS,
    PERSONAL,
    FlowClient,
    new_flow_client,
    onboard,
)


async def test_start_sets_a_strict_cookie_and_redirects_without_the_token(
    flow: FlowClient, link: dict[str, Any]
) -> None:
    response = await flow.start(link["token"])
    assert response.status_code == 303
    assert response.headers["location"] == "/flow/onboarding/welcome"
    cookie = response.headers["set-cookie"].lower()
    assert "gangway_flow=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/flow" in cookie and "secure" not in cookie
    page = await flow.get(response.headers["location"])
    assert page.status_code == 200
    assert link["token"] not in page.text
    assert "Acme Pay" in page.text and "Step 1 of 9" in page.text


async def test_unknown_token_shows_the_expired_page(flow: FlowClient) -> None:
    response = await flow.start("not-a-real-token")
    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_expired_link_shows_the_expired_page(
    flow: FlowClient, link: dict[str, Any], clock: FrozenClock
) -> None:
    clock.advance(seconds=3600)
    response = await flow.start(link["token"])
    assert response.status_code == 410
    assert "This link has expired" in response.text


async def test_link_of_a_submitted_onboarding_is_gone(
    partner: PartnerHandle, flow: FlowClient, individual: dict[str, Any], link: dict[str, Any]
) -> None:
    done = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert done.status_code == 200
    response = await flow.start(link["token"])
    assert response.status_code == 410
    assert "This onboarding was already submitted" in response.text


async def test_requests_without_the_flow_cookie_are_refused(flow: FlowClient) -> None:
    response = await flow.get("/flow/onboarding/personal")
    assert response.status_code == 410
    assert "This link has expired" in response.text


async def test_steps_ahead_of_the_progress_redirect_to_the_first_open_step(
    started: FlowClient,
) -> None:
    response = await started.get("/flow/onboarding/review")
    assert response.status_code == 303
    assert response.headers["location"] == "/flow/onboarding/welcome"
    unknown = await started.get("/flow/onboarding/nope")
    assert unknown.status_code == 404


async def test_a_new_link_resumes_the_saved_draft(
    app: Any, partner: PartnerHandle, individual: dict[str, Any], started: FlowClient
) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    await started.step("personal", {**PERSONAL, "first_name": "Johnny"})
    await started.step("address", {**ADDRESS, "street2": "lgh 1101"})
    second_link = await onboard(partner, individual["id"])
    async with new_flow_client(app) as http:
        other_device = FlowClient(http)
        response = await other_device.start(second_link["token"])
        assert response.headers["location"] == "/flow/onboarding/phone"
        personal = await other_device.get("/flow/onboarding/personal")
        assert 'value="Johnny"' in personal.text
        address = await other_device.get("/flow/onboarding/address")
        assert 'value="lgh 1101"' in address.text


async def test_the_first_link_keeps_working_after_a_second_one(
    app: Any, partner: PartnerHandle, individual: dict[str, Any], link: dict[str, Any]
) -> None:
    await onboard(partner, individual["id"])
    async with new_flow_client(app) as http:
        response = await FlowClient(http).start(link["token"])
    assert response.status_code == 303


async def test_personal_and_address_are_prefilled_from_the_individual(started: FlowClient) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    personal = await started.get("/flow/onboarding/personal")
    assert 'value="de Mayor"' in personal.text and 'value="1991-12-06"' in personal.text
    await started.step("personal", PERSONAL)
    address = await started.get("/flow/onboarding/address")
    assert 'value="Mälarö torg 2"' in address.text
    assert '<option value="SE" selected>' in address.text


async def test_swedish_is_chosen_by_accept_language_or_lang(started: FlowClient) -> None:
    swedish = await started.http.get(
        "/flow/onboarding/welcome", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}
    )
    assert "Steg 1 av 9" in swedish.text and '<html lang="sv">' in swedish.text
    english = await started.http.get("/flow/onboarding/welcome", headers={"Accept-Language": "en"})
    assert "Step 1 of 9" in english.text
    forced = await started.http.get("/flow/onboarding/welcome", params={"lang": "sv"})
    assert "Fortsätt" in forced.text
    # The choice sticks for the following pages.
    after = await started.http.get("/flow/onboarding/welcome")
    assert "Fortsätt" in after.text


async def test_every_step_page_stays_under_50_kb(started: FlowClient) -> None:
    from tests.onboarding.conftest import fill_until

    await fill_until(started)
    for step in (
        "welcome",
        "personal",
        "address",
        "phone",
        "document",
        "selfie",
        "questions",
        "security",
        "review",
    ):
        page = await started.get(f"/flow/onboarding/{step}")
        assert page.status_code == 200, step
        assert len(page.content) < 50 * 1024, (step, len(page.content))
    css = await started.http.get("/flow/static/flow.css")
    assert css.status_code == 200 and len(css.content) < 10 * 1024


async def test_every_field_has_a_visible_label(started: FlowClient) -> None:
    import re

    from tests.onboarding.conftest import fill_until

    await fill_until(started, "questions")
    for step in (
        "welcome",
        "personal",
        "address",
        "phone",
        "document",
        "selfie",
        "questions",
        "security",
    ):
        html = (await started.get(f"/flow/onboarding/{step}")).text
        controls = re.findall(r"<(input|select|textarea)\b([^>]*)>", html)
        for tag, attributes in controls:
            if 'type="hidden"' in attributes:
                continue
            control_id = re.search(r'id="([^"]+)"', attributes)
            if control_id:
                assert f'<label for="{control_id.group(1)}"' in html or (
                    f'<label class="choice"><input type="checkbox" id="{control_id.group(1)}"'
                    in html
                ), (step, tag, attributes)
            else:
                assert 'type="radio"' in attributes, (step, attributes)
        radios = html.count('type="radio"')
        assert html.count('<label class="choice"><input type="radio"') == radios


async def test_expired_flow_sessions_and_links_are_purged(
    services: Any, started: FlowClient, clock: FrozenClock, inspect_db: Any
) -> None:
    from sqlalchemy import func, select

    from gangway.bootstrap import retention_task
    from gangway.models import FlowSession, OnboardingLink

    purge = retention_task(services).run
    assert (await purge(clock.now()))["links"] == 0
    clock.advance(days=31)
    counts = await purge(clock.now())
    assert (counts["flow_sessions"], counts["links"]) == (1, 1)
    assert await inspect_db.scalar(select(func.count()).select_from(FlowSession)) == 0
    assert await inspect_db.scalar(select(func.count()).select_from(OnboardingLink)) == 0
    expired = await started.get("/flow/onboarding/welcome")
    assert expired.status_code == 410
