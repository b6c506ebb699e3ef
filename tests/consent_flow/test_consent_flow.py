"""The consent flows of pending actions through the hosted pages (httpx against the app)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import AuditEntry, Consent, Document, Event, PendingAction
from tests.conftest import PartnerHandle
from tests.consent_flow.conftest import (
    IDENTITY_DOCUMENT,
    IDV,
    PASSCODE,
    WRONG,
    identity_files,
    image_bytes,
    open_consent,
)
from tests.onboarding.conftest import CSRF, FlowClient, Inspector


def path(step: str, flow: str = IDV) -> str:
    return f"/flow/{flow}/{step}"


async def confirm(flow: FlowClient, passcode: str = PASSCODE, name: str = IDV) -> Any:
    """POST the passcode with the session's CSRF token (the locked page has no form to copy)."""
    page = await flow.http.get(path("confirm", name))
    match = CSRF.search(page.text)
    if match:
        flow.last_csrf = match.group(1)  # type: ignore[attr-defined]
    data = {"csrf_token": flow.last_csrf, "passcode": passcode, "action": "passcode"}  # type: ignore[attr-defined]
    response = await flow.http.post(path("confirm", name), data=data)
    flow.page = page if response.status_code == 303 else response
    return response


async def walk_to_review(flow: FlowClient) -> None:
    assert (await confirm(flow)).headers["location"] == path("document")
    response = await flow.post(path("document"), IDENTITY_DOCUMENT, identity_files())
    assert response.status_code == 303, response.text[-2000:]
    assert response.headers["location"] == path("selfie")
    selfie = {"selfie": ("me.jpg", image_bytes("JPEG"), "image/jpeg")}
    response = await flow.post(path("selfie"), {}, selfie)
    assert response.headers["location"] == path("review")


async def completed_events(inspect_db: Inspector, individual_id: str) -> int:
    return int(
        await inspect_db.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.individual_id == uuid.UUID(individual_id),
                Event.name == "PendingActionCompleted",
            )
        )
    )


async def test_identity_verification_completes_the_pending_action(
    flow: FlowClient, idv: dict[str, Any], partner: PartnerHandle, inspect_db: Inspector
) -> None:
    start = await flow.start(idv["token"])
    assert start.status_code == 303
    assert start.headers["location"] == path("confirm")
    page = await flow.get(path("confirm"))
    assert "Confirm it" in page.text and idv["token"] not in page.text
    await walk_to_review(flow)
    review = await flow.get(path("review"))
    assert "AB123456" in review.text and "National ID card" in review.text
    response = await flow.post(path("review"))
    assert response.headers["location"] == "/flow/done"
    done = await flow.get("/flow/done")
    assert done.status_code == 200
    expected = (
        f"https://partner.example/back?individual_id={idv['individual_id']}&amp;status=completed"
    )
    assert expected in done.text
    action = (await partner.http.get(f"/v3/pending_actions/{idv['action']['id']}")).json()
    assert action["status"] == "completed"
    consent = (await partner.http.get(f"/v3/consents/{idv['consent_id']}")).json()
    assert consent["status"] == "completed"
    documents = await inspect_db.all(
        select(Document).where(Document.consent_id == uuid.UUID(idv["consent_id"]))
    )
    assert sorted(d.kind for d in documents) == ["document_back", "document_front", "selfie"]
    assert all(d.individual_id == uuid.UUID(idv["individual_id"]) for d in documents)
    assert all(b"JFIF" not in d.sealed and b"PNG" not in d.sealed[:16] for d in documents)
    entry = await inspect_db.scalar(
        select(AuditEntry).where(AuditEntry.action == "pending_action.completed")
    )
    assert entry.detail["entered"]["document"]["number"] == "AB123456"
    assert entry.detail["confirmed_with"] == "passcode"
    assert await completed_events(inspect_db, idv["individual_id"]) == 1
    # The link, and the flow, are finished: the link now answers 410.
    again = await FlowClient(flow.http).start(idv["token"])
    assert again.status_code == 410 and "This link has expired" in again.text


async def test_wrong_passcodes_lock_the_consent_for_15_minutes(
    flow: FlowClient, idv: dict[str, Any], clock: FrozenClock, inspect_db: Inspector
) -> None:
    await flow.start(idv["token"])
    for attempt in range(1, 5):
        response = await confirm(flow, WRONG)
        assert response.status_code == 400
        left = 5 - attempt
        assert (f"{left} tries left" if left > 1 else "1 try left") in response.text
    locked = await confirm(flow, WRONG)
    assert locked.status_code == 400
    until = clock.now().replace(second=0, microsecond=0).strftime("%Y-%m-%d %H:%M")
    assert "Too many wrong passcodes" in locked.text
    consent = await inspect_db.scalar(
        select(Consent).where(Consent.id == uuid.UUID(idv["consent_id"]))
    )
    assert consent.locked_until == clock.now() + __import__("datetime").timedelta(minutes=15)
    assert until  # the page names the minute it unlocks
    # The sixth try is refused even with the right passcode, and the page says until when.
    refused = await confirm(flow, PASSCODE)
    assert refused.status_code == 400 and "Too many wrong passcodes" in refused.text
    shown = await flow.get(path("confirm"))
    assert 'id="locked"' in shown.text
    assert (await flow.get(path("document"))).headers["location"] == path("confirm")
    clock.advance(minutes=14, seconds=59)
    assert (await confirm(flow, PASSCODE)).status_code == 400
    clock.advance(seconds=1)
    response = await confirm(flow, PASSCODE)
    assert response.status_code == 303 and response.headers["location"] == path("document")
    consent = await inspect_db.scalar(
        select(Consent).where(Consent.id == uuid.UUID(idv["consent_id"]))
    )
    assert consent.failed_passcode_attempts == 0 and consent.locked_until is None
    actions = [
        e.action
        for e in await inspect_db.all(
            select(AuditEntry)
            .where(AuditEntry.action.in_(["consent.passcode_failed", "consent.locked"]))
            .order_by(AuditEntry.created_at)
        )
    ]
    assert actions.count("consent.passcode_failed") == 5
    assert actions.count("consent.locked") == 1


async def test_steps_are_unreachable_before_confirmation(
    flow: FlowClient, idv: dict[str, Any], app: Any, partner: PartnerHandle
) -> None:
    await flow.start(idv["token"])
    for step in ("document", "selfie", "review"):
        response = await flow.http.get(path(step))
        assert response.status_code == 303 and response.headers["location"] == path("confirm")
    csrf = (await flow.get(path("confirm"))) and flow.csrf()
    response = await flow.http.post(path("review"), data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == path("confirm")
    done = await flow.http.get("/flow/done")
    assert done.status_code == 303 and done.headers["location"] == path("confirm")
    # A wrong-format passcode is an error, not a confirmation.
    assert (await confirm(flow, "12ab")).status_code == 400
    # Another browser session on a new link must confirm again.
    assert (await confirm(flow)).status_code == 303
    from tests.onboarding.conftest import new_flow_client

    new_link = await open_consent(partner, idv["consent_id"])
    async with new_flow_client(app) as http:
        other = FlowClient(http)
        assert (await other.start(new_link["token"])).status_code == 303
        response = await other.http.get(path("document"))
        assert response.headers["location"] == path("confirm")


async def test_double_submit_emits_exactly_one_completed_event(
    flow: FlowClient, idv: dict[str, Any], inspect_db: Inspector
) -> None:
    await flow.start(idv["token"])
    await walk_to_review(flow)
    await flow.get(path("review"))
    csrf = flow.csrf()
    first, second = await asyncio.gather(
        flow.http.post(path("review"), data={"csrf_token": csrf}),
        flow.http.post(path("review"), data={"csrf_token": csrf}),
    )
    assert [first.status_code, second.status_code] == [303, 303]
    assert first.headers["location"] == second.headers["location"] == "/flow/done"
    assert await completed_events(inspect_db, idv["individual_id"]) == 1
    assert (await flow.http.get("/flow/done")).status_code == 200


async def test_expired_consent_link_is_410(
    flow: FlowClient, idv: dict[str, Any], clock: FrozenClock, services: Any
) -> None:
    consent_id = uuid.UUID(idv["consent_id"])
    async with transaction(services.sessions) as session:
        for model, key in ((Consent, Consent.id), (PendingAction, PendingAction.consent_id)):
            await session.execute(
                update(model).where(key == consent_id).values(expires_at=clock.now())
            )
    response = await flow.start(idv["token"])
    assert response.status_code == 410
    assert "This link has expired" in response.text


async def test_consent_expiring_mid_flow_stops_the_flow(
    flow: FlowClient, idv: dict[str, Any], clock: FrozenClock, services: Any
) -> None:
    await flow.start(idv["token"])
    await confirm(flow)
    async with transaction(services.sessions) as session:
        await session.execute(
            update(Consent)
            .where(Consent.id == uuid.UUID(idv["consent_id"]))
            .values(expires_at=clock.now())
        )
    response = await flow.http.get(path("document"))
    assert response.status_code == 410 and "This link has expired" in response.text


async def test_completed_consent_link_is_410(
    flow: FlowClient, idv: dict[str, Any], partner: PartnerHandle
) -> None:
    done = await partner.http.post(
        f"/v3/simulations/pending_actions/{idv['action']['id']}/complete"
    )
    assert done.status_code == 200
    response = await flow.start(idv["token"])
    assert response.status_code == 410 and "This link has expired" in response.text


async def test_sdk_mode_reports_an_expired_consent_to_the_bridge_at_once(
    flow: FlowClient, idv: dict[str, Any], partner: PartnerHandle
) -> None:
    await partner.http.post(f"/v3/simulations/pending_actions/{idv['action']['id']}/complete")
    response = await flow.start(idv["token"], platform="ios", public_key=partner.public_key)
    assert response.status_code == 410
    assert "bridge.js" in response.text
    assert "&#34;flow&#34;:&#34;identity_verification&#34;" in response.text
    assert "&#34;domain&#34;:&#34;token_expired&#34;" in response.text
    assert "&#34;individual_id&#34;:null" in response.text  # a refused token: see sdk-bridge.md


async def test_sdk_mode_reports_completion_with_the_consent_flow(
    flow: FlowClient, idv: dict[str, Any], partner: PartnerHandle
) -> None:
    start = await flow.start(idv["token"], platform="android", public_key=partner.public_key)
    assert start.headers["location"] == path("confirm")
    await walk_to_review(flow)
    await flow.post(path("review"))
    done = await flow.get("/flow/done")
    assert "&#34;status&#34;:&#34;completed&#34;" in done.text
    assert "&#34;flow&#34;:&#34;identity_verification&#34;" in done.text
    assert "partner.example" not in done.text


@pytest.mark.parametrize("lang", ["sv"])
async def test_confirm_page_in_swedish(flow: FlowClient, idv: dict[str, Any], lang: str) -> None:
    await flow.start(idv["token"], lang=lang)
    page = await flow.get(path("confirm"))
    assert "Bekräfta att det är du" in page.text
    assert page.headers["content-security-policy"]


async def test_passkey_confirmation_needs_an_enrolled_passkey_and_a_challenge(
    flow: FlowClient, idv: dict[str, Any]
) -> None:
    await flow.start(idv["token"])
    page = await flow.get(path("confirm"))
    assert "Use my passkey" not in page.text  # nothing enrolled: the passcode only
    token = flow.csrf()
    headers = {"X-CSRF-Token": token}
    assert (
        await flow.http.post("/flow/consent-passkey-options", headers=headers)
    ).status_code == 403
    assert (await flow.http.post("/flow/consent-passkey-options")).status_code == 403  # no CSRF
    response = await flow.http.post(
        "/flow/consent-passkey-verify", headers=headers, content=b'{"rawId": "x"}'
    )
    assert response.status_code == 400  # no challenge was issued
    assert (await flow.http.get(path("document"))).headers["location"] == path("confirm")


async def test_parallel_wrong_passcodes_are_each_counted(
    flow: FlowClient, idv: dict[str, Any], inspect_db: Inspector
) -> None:
    await flow.start(idv["token"])
    await flow.get(path("confirm"))
    data = {"csrf_token": flow.csrf(), "passcode": WRONG, "action": "passcode"}
    responses = await asyncio.gather(
        *(flow.http.post(path("confirm"), data=data) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [400] * 5
    consent = await inspect_db.scalar(
        select(Consent).where(Consent.id == uuid.UUID(idv["consent_id"]))
    )
    assert consent.locked_until is not None
    right = {**data, "passcode": PASSCODE}
    assert (await flow.http.post(path("confirm"), data=right)).status_code == 400


async def test_cancel_returns_with_status_canceled_and_leaves_the_action_pending(
    flow: FlowClient, idv: dict[str, Any], partner: PartnerHandle
) -> None:
    await flow.start(idv["token"])
    await flow.get("/flow/cancel")
    response = await flow.http.post("/flow/cancel", data={"csrf_token": flow.csrf()})
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"https://partner.example/back?individual_id={idv['individual_id']}&status=canceled"
    )
    action = (await partner.http.get(f"/v3/pending_actions/{idv['action']['id']}")).json()
    assert action["status"] == "pending"


async def test_a_consent_link_opens_in_one_browser_only(
    app: Any, flow: FlowClient, idv: dict[str, Any], partner: PartnerHandle
) -> None:
    from tests.onboarding.conftest import new_flow_client

    assert (await flow.start(idv["token"])).status_code == 303
    async with new_flow_client(app) as http:
        forwarded = FlowClient(http)
        refused = await forwarded.start(idv["token"])
        assert refused.status_code == 410
        assert "already opened on another device" in refused.text
        # A new link from the partner takes over, and the first browser's session ends.
        fresh = await open_consent(partner, idv["consent_id"])
        assert (await forwarded.start(fresh["token"])).status_code == 303
    assert (await flow.http.get(path("confirm"))).status_code == 410
