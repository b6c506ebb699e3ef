from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gangway.app import create_app
from gangway.bootstrap import build_services
from gangway.kit.clock import FrozenClock
from gangway.onboarding.sms import FakeSmsSender
from tests.conftest import make_settings, new_partner
from tests.onboarding.conftest import (
    ADDRESS,
    PERSONAL,
    FlowClient,
    new_flow_client,
    onboard,
)

PHONE = "+46627211111"


async def _to_phone_step(flow: FlowClient) -> None:
    await flow.step("welcome", {"accept_terms": "yes"})
    await flow.step("personal", PERSONAL)
    await flow.step("address", ADDRESS)


async def send(flow: FlowClient, number: str = PHONE) -> Any:
    return await flow.step("phone", {"phone_number": number, "action": "send"})


async def verify(flow: FlowClient, code: str, number: str = PHONE) -> Any:
    return await flow.step("phone", {"phone_number": number, "action": "verify", "code": code})


async def test_sandbox_accepts_000000_and_sends_nothing(app: Any, started: FlowClient) -> None:
    fake = FakeSmsSender()
    app.state.services.sms_sender = fake
    await _to_phone_step(started)
    page = await started.get("/flow/onboarding/phone")
    assert 'value="+46627211111"' in page.text  # prefilled from the individual
    assert (await send(started)).status_code == 303
    page = await started.get("/flow/onboarding/phone")
    assert "Verification code" in page.text and "000000" in page.text
    assert (await verify(started, "000000")).headers["location"] == "/flow/onboarding/document"
    assert fake.sent == []


async def test_wrong_codes_lock_after_five_tries(started: FlowClient) -> None:
    await _to_phone_step(started)
    await send(started)
    for attempt in range(4):
        response = await verify(started, "999999")
        assert response.status_code == 400, attempt
        assert "The code is not correct." in response.text
    response = await verify(started, "999999")
    assert "Too many wrong tries. Send a new code." in response.text
    # Even the right one is refused now (sandbox's 000000 aside, which is always accepted).
    assert (await verify(started, "123123")).status_code == 400


async def test_code_format_and_unsent_number(started: FlowClient) -> None:
    await _to_phone_step(started)
    response = await verify(started, "000000")
    assert "Send a code to this number first." in response.text
    await send(started)
    response = await verify(started, "12ab")
    assert "Enter the 6 digits of the code." in response.text
    response = await verify(started, "000000", number="+46701234567")
    assert "Send a code to this number first." in response.text


async def test_invalid_phone_number_is_refused(started: FlowClient) -> None:
    await _to_phone_step(started)
    response = await send(started, "12")
    assert response.status_code == 400
    assert "Enter a valid number with the country code" in response.text


async def test_resend_is_throttled(started: FlowClient, clock: FrozenClock) -> None:
    await _to_phone_step(started)
    await send(started)
    response = await send(started)
    assert response.status_code == 400
    assert "Wait 31 seconds before sending a new code." in response.text
    clock.advance(seconds=31)
    assert (await send(started)).status_code == 303


@pytest.fixture
async def live(app: Any, database_url: str, clock: FrozenClock) -> AsyncIterator[Any]:
    settings = make_settings(
        database_url,
        environment="live",
        public_url="https://testserver",
        sms_http_url="https://sms.example/send",
    )
    services = build_services(settings, clock=clock, sms_sender=FakeSmsSender())
    application = create_app(services=services)
    async with application.router.lifespan_context(application):
        yield application


async def _live_flow(live: Any) -> tuple[Any, FlowClient, Any]:
    handle = await new_partner(live, "Live Fintech")
    created = await handle.http.post(
        "/v3/individuals",
        json={
            "first_name": "Eva",
            "last_name": "Ek",
            "email": "eva@example.com",
            "phone_number": "46627211111",
            "date_of_birth": "1980-01-01",
        },
    )
    link = await onboard(handle, created.json()["id"])
    http = new_flow_client(live)
    http.base_url = httpx.URL(
        "https://testserver"
    )  # live needs an https public URL: Secure cookies
    flow = FlowClient(http)
    await flow.start(link["token"])
    await _to_phone_step(flow)
    return handle, flow, http


async def test_live_sends_a_real_code_valid_for_ten_minutes(live: Any, clock: FrozenClock) -> None:
    handle, flow, http = await _live_flow(live)
    fake = live.state.services.sms_sender
    assert isinstance(fake, FakeSmsSender)
    try:
        await send(flow)
        assert len(fake.sent) == 1
        number, text = fake.sent[0]
        assert number == "46627211111"
        code = text.rsplit(" ", 1)[1]
        assert len(code) == 6 and code.isdigit()
        page = await flow.get("/flow/onboarding/phone")
        assert "000000" not in page.text  # no sandbox hint in live
        if code != "000000":
            assert (await verify(flow, "000000")).status_code == 400
        clock.advance(minutes=10)
        expired = await verify(flow, code)
        assert "The code has expired." in expired.text
        await send(flow)
        fresh = fake.sent[-1][1].rsplit(" ", 1)[1]
        assert (await verify(flow, fresh)).status_code == 303
    finally:
        await handle.http.aclose()
        await http.aclose()


async def test_live_sms_failure_is_a_friendly_error(live: Any) -> None:
    handle, flow, http = await _live_flow(live)
    live.state.services.sms_sender = FakeSmsSender(fail=True)
    try:
        response = await send(flow)
        assert response.status_code == 400
        assert "We could not send the message." in response.text
    finally:
        await handle.http.aclose()
        await http.aclose()


async def test_live_refuses_http_localhost_return_urls_and_hides_simulations(live: Any) -> None:
    handle = await new_partner(live, "Live Fintech")
    try:
        created = await handle.http.post(
            "/v3/individuals",
            json={
                "first_name": "Eva",
                "last_name": "Ek",
                "email": "eva@example.com",
                "phone_number": "46627211111",
                "date_of_birth": "1980-01-01",
            },
        )
        individual_id = created.json()["id"]
        response = await handle.http.post(
            f"/v3/individuals/{individual_id}/onboard",
            json={"return_url": "http://localhost:3000/cb"},
        )
        assert response.status_code == 400
        simulation = await handle.http.post(
            "/v3/simulations/onboarding/kyc", json={"individual_id": individual_id}
        )
        assert simulation.status_code == 404
        assert simulation.json()["error"]["code"] == "not_found"
    finally:
        await handle.http.aclose()
