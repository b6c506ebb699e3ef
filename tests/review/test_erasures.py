"""The back office's erasure requests, early approval, the tombstone page and Find by name."""

from __future__ import annotations

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.privacy import service as privacy
from gangway.services import Services
from tests.conftest import PartnerHandle
from tests.review.conftest import StaffBrowser


async def test_a_held_erasure_is_listed_approved_with_a_reason_and_completed(
    reviewer: StaffBrowser,
    partner: PartnerHandle,
    submitted: dict,
    services: Services,
    clock: FrozenClock,
) -> None:
    answer = await partner.http.post(f"/v3/individuals/{submitted['id']}/redact", json={})
    assert answer.status_code == 202
    listed = await reviewer.http.get("/admin/erasures")
    assert listed.status_code == 200 and submitted["id"] in listed.text
    page = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert "Erasure requested" in page.text
    missing = await reviewer.post(f"/admin/erasures/{submitted['id']}/approve", note="  ")
    assert missing.status_code == 400 and "audit log" in missing.text
    approved = await reviewer.post(
        f"/admin/erasures/{submitted['id']}/approve", note="Customer left; no AML case open"
    )
    assert approved.status_code == 303
    async with transaction(services.sessions) as session:
        assert await privacy.complete_due(session, clock.now()) == 1
    tombstone = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert tombstone.status_code == 200
    assert "Erased individual" in tombstone.text and "de Mayor" not in tombstone.text
    assert "No erasure is waiting." in (await reviewer.http.get("/admin/erasures")).text
    audit = (await reviewer.http.get(f"/admin/audit?q={submitted['id']}")).text
    assert "individual.redaction_approved" in audit and "individual.redacted" in audit


async def test_find_by_phone_and_by_name_and_birth_date(
    reviewer: StaffBrowser, submitted: dict
) -> None:
    by_phone = await reviewer.http.get("/admin/individuals", params={"q": "+46627211111"})
    assert submitted["id"] in by_phone.text
    by_name = await reviewer.http.get(
        "/admin/individuals", params={"q": "john DE MAYOR 1991-12-06"}
    )
    assert submitted["id"] in by_name.text
    wrong_date = await reviewer.http.get(
        "/admin/individuals", params={"q": "John de Mayor 1991-12-07"}
    )
    assert "No individual matches." in wrong_date.text
