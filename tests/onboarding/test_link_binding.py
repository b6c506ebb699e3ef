"""An onboarding link binds to the first browser that opens it (a forwarded link opens nothing);
a new link takes over from older sessions; cancel ends the session; changing a passcode needs the
current one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gangway.models import FlowSession
from tests.conftest import PartnerHandle
from tests.onboarding.conftest import FlowClient, fill_until, new_flow_client, onboard


async def test_a_second_browser_on_the_same_link_sees_nothing_of_the_draft(
    app: Any, started: FlowClient, link: dict[str, Any]
) -> None:
    await fill_until(started)
    review = await started.get("/flow/onboarding/review")
    assert review.status_code == 200
    async with new_flow_client(app) as http:
        intruder = FlowClient(http)
        response = await intruder.start(link["token"])
        assert response.status_code == 410
        assert "already opened on another device" in response.text
        assert "gangway_flow" not in response.cookies
        # Nothing of the draft: every step and the review answer 410 without a session.
        page = await intruder.get("/flow/onboarding/review")
        assert page.status_code == 410
    # The first browser goes on undisturbed.
    assert (await started.get("/flow/onboarding/review")).status_code == 200


async def test_reopening_the_link_in_the_same_browser_resumes(
    started: FlowClient, link: dict[str, Any]
) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    again = await started.start(link["token"])
    assert again.status_code == 303
    assert again.headers["location"] == "/flow/onboarding/personal"


async def test_a_new_link_in_another_browser_takes_over(
    app: Any,
    partner: PartnerHandle,
    individual: dict[str, Any],
    started: FlowClient,
    inspect_db: Any,
) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    fresh = await onboard(partner, individual["id"])
    async with new_flow_client(app) as http:
        phone = FlowClient(http)
        response = await phone.start(fresh["token"])
        assert response.headers["location"] == "/flow/onboarding/personal"  # resumed
    sessions = await inspect_db.scalar(select(func.count(FlowSession.id)))
    assert sessions == 1
    # The older browser's session has ended.
    assert (await started.get("/flow/onboarding/personal")).status_code == 410


async def test_cancel_ends_the_flow_session(app: Any, started: FlowClient, inspect_db: Any) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    page = await started.get("/flow/cancel")
    cookie = started.http.cookies.get("gangway_flow")
    assert cookie
    response = await started.http.post("/flow/cancel", data={"csrf_token": started.csrf()})
    assert response.status_code in (200, 303)
    assert 'gangway_flow=""' in response.headers.get("set-cookie", "") or (
        "gangway_flow=" in response.headers.get("set-cookie", "")
        and "Max-Age=0" in response.headers.get("set-cookie", "")
    )
    assert page.status_code == 200
    assert await inspect_db.scalar(select(func.count(FlowSession.id))) == 0
    # The same cookie, replayed by hand, sees no personal data.
    async with new_flow_client(app) as http:
        http.cookies.set("gangway_flow", cookie, path="/flow")
        replay = await http.get("/flow/onboarding/personal")
        assert replay.status_code == 410
        assert "de Mayor" not in replay.text


async def test_changing_a_set_passcode_needs_the_current_one(started: FlowClient) -> None:
    await fill_until(started, "questions")
    await started.get("/flow/onboarding/security")
    first = await started.step(
        "security", {"passcode": "135790", "passcode_confirm": "135790", "action": "passcode"}
    )
    assert first.status_code == 303
    await started.get("/flow/onboarding/security", change="1")
    missing = await started.step(
        "security", {"passcode": "246802", "passcode_confirm": "246802", "action": "passcode"}
    )
    assert missing.status_code == 400
    wrong = await started.step(
        "security",
        {
            "current_passcode": "111222",
            "passcode": "246802",
            "passcode_confirm": "246802",
            "action": "passcode",
        },
    )
    assert wrong.status_code == 400
    assert "This is not your current passcode." in wrong.text
    right = await started.step(
        "security",
        {
            "current_passcode": "135790",
            "passcode": "246802",
            "passcode_confirm": "246802",
            "action": "passcode",
        },
    )
    assert right.status_code == 303
