from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.conftest import PartnerHandle
from tests.onboarding.conftest import FlowClient, fill_until

BRIDGE = re.compile(r'id="gangway-bridge" hidden data-platform="([^"]+)" data-message="([^"]+)"')


def bridge_message(page: Any) -> tuple[str, dict[str, Any]]:
    match = BRIDGE.search(page.text)
    assert match, "no bridge on the page"
    assert '<script src="/flow/static/bridge.js"></script>' in page.text
    return match.group(1), json.loads(html.unescape(match.group(2)))


async def test_sdk_flow_reports_completed_instead_of_redirecting(
    partner: PartnerHandle, flow: FlowClient, link: dict[str, Any], individual: dict[str, Any]
) -> None:
    response = await flow.start(link["token"], platform="ios", public_key=partner.public_key)
    assert response.status_code == 303
    await fill_until(flow)
    await flow.step("review")
    done = await flow.get("/flow/done")
    platform, message = bridge_message(done)
    assert platform == "ios"
    assert message == {
        "type": "result",
        "status": "completed",
        "flow": "onboarding",
        "individual_id": individual["id"],
    }
    assert "partner.example" not in done.text  # no return_url redirect in SDK mode


async def test_sdk_cancel_reports_canceled(
    partner: PartnerHandle, flow: FlowClient, link: dict[str, Any]
) -> None:
    await flow.start(link["token"], platform="android", public_key=partner.public_key)
    await flow.get("/flow/cancel")
    response = await flow.post("/flow/cancel")
    assert response.status_code == 200
    platform, message = bridge_message(response)
    assert (platform, message["status"]) == ("android", "canceled")


async def test_sdk_expired_token_is_reported_at_once(flow: FlowClient) -> None:
    response = await flow.start("expired-or-unknown", platform="react-native", public_key="pk_x")
    assert response.status_code == 410
    platform, message = bridge_message(response)
    assert platform == "react-native"
    assert message["status"] == "error" and message["individual_id"] is None
    assert message["error"]["domain"] == "token_expired"
    assert message["error"]["code"] == "token_expired"
    assert "<form" not in response.text  # nothing to type


async def test_sdk_refuses_another_partners_public_key(
    flow: FlowClient, link: dict[str, Any], other_partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    response = await flow.start(link["token"], platform="ios", public_key=other_partner.public_key)
    assert response.status_code == 403
    assert (
        "set-cookie" not in response.headers or "gangway_flow" not in response.headers["set-cookie"]
    )
    _platform, message = bridge_message(response)
    assert message["error"]["domain"] == "invalid_public_key"
    assert message["individual_id"] == individual["id"]
    missing = await flow.start(link["token"], platform="ios")
    assert missing.status_code == 403


async def test_web_mode_error_pages_have_no_bridge(flow: FlowClient) -> None:
    response = await flow.start("unknown")
    assert "gangway-bridge" not in response.text


async def test_sdk_used_token_posts_no_individual_id(
    partner: PartnerHandle, flow: FlowClient, link: dict[str, Any], individual: dict[str, Any]
) -> None:
    """A refused token never learns whose it was, even when the server knows (sdk-bridge.md)."""
    submitted = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert submitted.status_code == 200, submitted.text
    response = await flow.start(link["token"], platform="android", public_key=partner.public_key)
    assert response.status_code == 410
    _platform, message = bridge_message(response)
    assert message["error"]["code"] == "already_submitted"
    assert message["error"]["domain"] == "token_expired"
    assert message["individual_id"] is None
    assert individual["id"] not in response.text
