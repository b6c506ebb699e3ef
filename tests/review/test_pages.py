"""What staff see: dashboard, queue, the individual's file, documents, audit log, partners."""

from __future__ import annotations

import re

from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import AuditEntry
from gangway.services import Services
from tests.conftest import PartnerHandle, create_individual
from tests.review.conftest import StaffBrowser, submit_individual

DOCUMENT = re.compile(r'<img src="(/admin/individuals/[^"]+/documents/[^"]+)" alt="([^"]+)"')


async def test_dashboard_counts_statuses_and_the_queue(
    reviewer: StaffBrowser, partner: PartnerHandle
) -> None:
    await submit_individual(partner)
    await create_individual(partner, email="waiting@example.com")
    page = await reviewer.http.get("/admin")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert '<p class="big">1</p>' in text  # one in the review queue
    assert 'pending_activation</span></td><td class="num">1' in text
    assert "oldest waiting" in text


async def test_queue_lists_submitted_individuals_oldest_first_with_risk_and_failing_checks(
    reviewer: StaffBrowser, partner: PartnerHandle, other_partner: PartnerHandle, clock
) -> None:  # type: ignore[no-untyped-def]
    older = await submit_individual(partner, first_name="Olle", last_name="Older")
    clock.advance(minutes=5)
    newer = await submit_individual(
        other_partner, first_name="Nina", last_name="Newer", email="n@example.com"
    )
    await create_individual(partner, first_name="Not", last_name="Submitted", email="x@example.com")
    page = (await reviewer.http.get("/admin/queue")).text
    assert page.index("Olle Older") < page.index("Nina Newer")
    assert "Not Submitted" not in page
    assert "Acme Pay" in page and "Other Fintech" in page
    assert 'class="risk risk-medium"' in page
    assert ">sanctions</span>" in page  # no list loaded: a warning shown as a failing check
    only_other = (await reviewer.http.get(f"/admin/queue?partner={other_partner.partner_id}")).text
    assert "Nina Newer" in only_other and "Olle Older" not in only_other
    assert f'value="{other_partner.partner_id}" selected' in only_other
    high = (await reviewer.http.get("/admin/queue?risk=high")).text
    assert "Olle Older" not in high and "Nothing awaits review with these filters" in high
    medium = (await reviewer.http.get("/admin/queue?risk=medium")).text
    assert "Olle Older" in medium and "Nina Newer" in medium
    for bad in ("?partner=nonsense", "?risk=extreme", "?partner=" + "9" * 64):
        assert (await reviewer.http.get("/admin/queue" + bad)).status_code == 200
    assert older["id"] in page and newer["id"] in page


async def test_individual_file_shows_data_checks_documents_events_and_audit(
    reviewer: StaffBrowser, submitted: dict, services: Services
) -> None:
    page = await reviewer.http.get(f"/admin/individuals/{submitted['id']}")
    assert page.status_code == 200
    html = page.text
    for text in (
        "Automated checks",
        "document expiry",
        "duplicate identity",
        "Submitted data",
        "passport",
        "Due-diligence answers",
        "IndividualOnboardingDataProvided",
        "Audit trail",
        "Pending actions",
        "Approve",
        "Reject",
    ):
        assert text in html, text
    images = DOCUMENT.findall(html)
    assert {alt.split(" of ")[0] for _, alt in images} == {"document front", "selfie"}
    for src, _ in images:
        image = await reviewer.http.get(src)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content.startswith(b"\x89PNG")
        assert image.headers["cache-control"].startswith("no-store")
    async with transaction(services.read_sessions) as session:
        views = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "document.viewed"))
        )
    assert len(views) == 2 and all(v.subject_id == submitted["id"] for v in views)
    # The views now appear on the individual's own audit trail.
    assert (
        "document.viewed" in (await reviewer.http.get(f"/admin/individuals/{submitted['id']}")).text
    )


async def test_documents_are_only_for_logged_in_staff(
    reviewer: StaffBrowser,
    submitted: dict,
    client,
    partner: PartnerHandle,  # type: ignore[no-untyped-def]
) -> None:
    src = DOCUMENT.findall((await reviewer.http.get(f"/admin/individuals/{submitted['id']}")).text)[
        0
    ][0]
    assert (await client.get(src)).status_code == 303  # no session: to the login page
    assert (await partner.http.get(src)).status_code == 303  # a partner token is no staff session
    other = await submit_individual(partner, email="second@example.com")
    document_id = src.rsplit("/", 1)[1]
    mismatched = await reviewer.http.get(
        f"/admin/individuals/{other['id']}/documents/{document_id}"
    )
    assert mismatched.status_code == 404


async def test_find_by_email_or_id(reviewer: StaffBrowser, submitted: dict) -> None:
    by_email = await reviewer.http.get("/admin/individuals?q=M6DREEY@goes.es")
    assert submitted["id"] in by_email.text
    by_id = await reviewer.http.get(f"/admin/individuals?q={submitted['id']}")
    assert "de Mayor" in by_id.text
    nothing = await reviewer.http.get("/admin/individuals?q=nobody@example.com")
    assert "No individual matches." in nothing.text


async def test_audit_log_is_searchable(
    reviewer: StaffBrowser, admin: StaffBrowser, submitted: dict
) -> None:
    await reviewer.decide(submitted["id"], "approve")
    everything = (await admin.http.get("/admin/audit")).text
    assert "individual.approved" in everything and "staff.login" in everything
    by_subject = (await admin.http.get(f"/admin/audit?q={submitted['id']}")).text
    assert "individual.approved" in by_subject and "staff.login<" not in by_subject
    by_action = (await admin.http.get("/admin/audit?action=staff.")).text
    assert "staff.login" in by_action and "individual.approved" not in by_action
    by_reviewer = (await admin.http.get(f"/admin/audit?q={reviewer.email}")).text
    assert "individual.approved" in by_reviewer and reviewer.email in by_reviewer
    assert admin.email not in by_reviewer.split("</header>", 1)[1]
    odd = await admin.http.get("/admin/audit?q=%25_%27&page=3")
    assert odd.status_code == 200 and "No audit entries." in odd.text


async def test_admin_sees_partners_keys_and_webhook_deliveries_and_retries_one(
    admin: StaffBrowser,
    reviewer: StaffBrowser,
    submitted: dict,
    partner: PartnerHandle,
    services: Services,
) -> None:
    endpoint = await partner.http.post("/v3/webhooks", json={"url": "http://127.0.0.1:9/hooks"})
    assert endpoint.status_code == 201, endpoint.text
    await reviewer.decide(submitted["id"], "approve")
    listing = (await admin.http.get("/admin/partners")).text
    assert "Acme Pay" in listing
    detail = await admin.http.get(f"/admin/partners/{partner.partner_id}")
    assert detail.status_code == 200
    html = detail.text
    assert partner.api_key[:14] in html and partner.api_key not in html  # prefix only
    assert "http://127.0.0.1:9/hooks" in html and "IndividualActivated" in html
    retry = re.search(r'action="(/admin/partners/[^"]+/deliveries/[^"]+/retry)"', html)
    assert retry is not None
    response = await admin.post(retry.group(1))
    assert response.status_code == 303 and response.headers["location"].endswith("done=retried")
    recover = re.search(r'action="(/admin/partners/[^"]+/recover)"', html)
    assert recover is not None
    assert (await admin.post(recover.group(1), days="7")).status_code == 303
    async with transaction(services.read_sessions) as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"webhook_delivery.retried", "webhook_endpoint.recovered"} <= actions
    missing = await admin.post(
        f"/admin/partners/{partner.partner_id}/webhooks/nope/deliveries/nope/retry"
    )
    assert missing.status_code == 404


async def test_admin_sees_staff_accounts(admin: StaffBrowser, reviewer: StaffBrowser) -> None:
    page = (await admin.http.get("/admin/staff")).text
    assert admin.email in page and reviewer.email in page
    # No password hash or TOTP secret is ever shown (the page has password *reset* forms now).
    assert "$argon2" not in page and "totp_secret" not in page
