"""The subject-access export: an administrator downloads everything held about one individual."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import (
    AuditEntry,
    Document,
    DocumentKind,
    IndividualCredential,
    OnboardingLink,
    PhoneVerification,
    StaffUser,
)
from gangway.verification.engine import VerificationInputs, VerificationReport
from gangway.verification.jobs import VerificationJob
from gangway.verification.port import FakeEngine
from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import FlowClient, fill_until, image_bytes, new_flow_client, onboard
from tests.review.conftest import StaffBrowser, csrf_of

UNIQUE = {"first_name": "Philippa", "last_name": "Quaternion", "email": "pq.sar@example.org"}
# What the flow helpers upload (the images are drawn the same way every time).
UPLOADS = {
    DocumentKind.document_front: image_bytes("JPEG"),
    DocumentKind.document_back: image_bytes("PNG"),
    DocumentKind.selfie: image_bytes("JPEG"),
}


async def onboarded_through_the_flow(app: Any, partner: PartnerHandle, **overrides: Any) -> str:
    individual = await create_individual(partner, **overrides)
    link = await onboard(partner, individual["id"], return_url="https://partner.example/back")
    async with new_flow_client(app) as http:
        flow = FlowClient(http)
        assert (await flow.start(link["token"])).status_code == 303
        await fill_until(flow)
        submitted = await flow.step("review")
        assert submitted.status_code == 303, submitted.text[-2000:]
    return str(individual["id"])


async def export(staff: StaffBrowser, individual_id: str) -> Any:
    return await staff.post(f"/admin/individuals/{individual_id}/export")


def unzip(content: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("records.json")), files


async def test_the_export_holds_every_record_and_the_uploaded_files(
    app: Any,
    services: Any,
    partner: PartnerHandle,
    other_partner: PartnerHandle,
    admin: StaffBrowser,
) -> None:
    individual_id = await onboarded_through_the_flow(app, partner, **UNIQUE)
    stranger = await create_individual(other_partner, first_name="Zebedee", email="z@example.net")
    response = await export(admin, individual_id)
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store, private"
    records, files = unzip(response.content)

    person = records["Individual"]
    assert person["Individual id"] == individual_id
    assert (person["First name"], person["Last name"], person["Email"]) == (
        UNIQUE["first_name"],
        UNIQUE["last_name"],
        UNIQUE["email"],
    )
    assert person["Status"] == "onboarding_data_provided"
    assert person["Partner"] == "Acme Pay"
    (submission,) = records["Onboarding submissions"]
    submitted = submission["What was submitted"]
    assert submitted["Document"]["Number"] == "AB123456"
    assert submitted["Questions"]["Tax id"] == "19911206-1234"
    assert submitted["Address"]["Street1"] == "Mälarö torg 2"
    assert submission["Automated check results"]
    assert records["Onboarding drafts (as last entered in the flow)"][0]["Steps completed"]
    assert [e["Name"] for e in records["Events sent to the partner"]] == [
        "IndividualOnboardingDataProvided"
    ]
    assert records["Phone verifications"][0]["Phone number"] == "46627211111"
    assert records["Credentials (no secrets)"]["Passcode set"] is True
    assert len(records["Onboarding links"]) == 1
    assert len(records["Flow sessions (browsers that opened a link)"]) == 1

    # The files, decrypted: byte for byte what was uploaded, one per document record.
    listed = {d["Kind"]: d["File in this archive"] for d in records["Documents"]}
    assert set(listed) == {str(kind) for kind in UPLOADS}
    for kind, uploaded in UPLOADS.items():
        assert files[listed[str(kind)]] == uploaded, kind
    assert set(files) == set(listed.values())

    # No secrets, and nothing about anyone else.
    text = json.dumps(records)
    async with transaction(services.read_sessions) as session:
        link = await session.scalar(select(OnboardingLink))
        code = await session.scalar(select(PhoneVerification))
        credential = await session.get(IndividualCredential, uuid.UUID(individual_id))
        stored = list(await session.scalars(select(Document)))
    assert link is not None and code is not None and credential is not None
    for secret in (link.token_hash, code.code_hash, credential.passcode_hash or "?"):
        assert secret not in text
    assert all(d.sha256 in text for d in stored)
    assert stranger["id"] not in text and "Zebedee" not in text
    assert other_partner.partner_id not in text


async def test_the_download_is_audited_without_personal_data(
    app: Any, services: Any, partner: PartnerHandle, admin: StaffBrowser
) -> None:
    individual_id = await onboarded_through_the_flow(app, partner, **UNIQUE)
    assert (await export(admin, individual_id)).status_code == 200
    async with transaction(services.read_sessions) as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "individual.exported")
        )
        staff = await session.scalar(select(StaffUser).where(StaffUser.email == admin.email))
    assert entry is not None and staff is not None
    assert (entry.actor_type, entry.actor_id, entry.subject_id) == (
        "staff",
        str(staff.id),
        individual_id,
    )
    assert entry.created_at == services.clock.now()
    assert entry.detail["documents"] == 3
    detail = json.dumps(entry.detail)
    for value in (*UNIQUE.values(), "AB123456", "46627211111"):
        assert value not in detail
    # The export is listed in the person's audit trail, in the next export too.
    records, _ = unzip((await export(admin, individual_id)).content)
    assert "individual.exported" in [e["Action"] for e in records["Audit log entries"]]


async def test_a_reviewer_cannot_export_and_sees_no_export_button(
    services: Any, partner: PartnerHandle, reviewer: StaffBrowser, admin: StaffBrowser
) -> None:
    individual = await create_individual(partner, **UNIQUE)
    refused = await export(reviewer, individual["id"])
    assert refused.status_code == 403
    assert UNIQUE["last_name"] not in refused.text
    page = await reviewer.http.get(f"/admin/individuals/{individual['id']}")
    assert f"/admin/individuals/{individual['id']}/export" not in page.text
    page = await admin.http.get(f"/admin/individuals/{individual['id']}")
    assert f'action="/admin/individuals/{individual["id"]}/export"' in page.text
    async with transaction(services.read_sessions) as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "individual.exported")
        )
    assert entry is None


async def test_the_export_needs_the_csrf_token_and_a_known_individual(
    partner: PartnerHandle, admin: StaffBrowser
) -> None:
    individual = await create_individual(partner, **UNIQUE)
    path = f"/admin/individuals/{individual['id']}/export"
    forged = await admin.http.post(path, data={"csrf_token": "forged"})
    assert forged.status_code == 403
    missing = await admin.http.post(path)
    assert missing.status_code == 403
    page = await admin.http.get(f"/admin/individuals/{individual['id']}")
    unknown = await admin.http.post(
        f"/admin/individuals/{uuid.uuid4()}/export", data={"csrf_token": csrf_of(page.text)}
    )
    assert unknown.status_code == 404
    garbage = await admin.post("/admin/individuals/not-an-id/export")
    assert garbage.status_code == 404
    # Without any record beyond the partner's, the archive is still complete and valid.
    fine = await admin.post(path)
    records, files = unzip(fine.content)
    assert files == {} and records["Documents"] == []
    assert records["Individual"]["Email"] == UNIQUE["email"]


@dataclass
class CroppingEngine(FakeEngine):
    """The fake engine, with a face crop on its first check (as the built-in face match has)."""

    def verify(self, inputs: VerificationInputs) -> VerificationReport:
        report = super().verify(inputs)
        first, *rest = report.checks
        return replace(report, checks=(replace(first, attachments={"face.jpg": b"crop"}), *rest))


async def test_the_verification_report_and_its_face_crops_are_in_the_export(
    app: Any, services: Any, partner: PartnerHandle, admin: StaffBrowser
) -> None:
    individual_id = await onboarded_through_the_flow(app, partner, **UNIQUE)
    job = VerificationJob(
        sessions=services.sessions,
        read_sessions=services.read_sessions,
        clock=services.clock,
        engine=CroppingEngine(),
    )
    assert await job.run_due(services.clock.now()) == 1
    records, files = unzip((await export(admin, individual_id)).content)
    (run,) = records["Identity verification runs"]
    assert (run["Run number"], run["Status"], run["Engine"]) == (1, "done", "fake")
    assert run["Report"]["Checks"][0]["Reason"] == "fake_pass"
    (crop,) = run["Face crops in this archive"]
    assert crop.startswith("verification/run-1-") and crop.endswith("-face.jpg")
    assert files[crop] == b"crop"


async def test_an_export_over_the_size_cap_is_refused_whole(
    app: Any, services: Any, partner: PartnerHandle
) -> None:
    from gangway.errors import RequestBlocked
    from gangway.individuals import decisions
    from gangway.subject_access import export as subject_access

    individual_id = await onboarded_through_the_flow(app, partner, **UNIQUE)
    total = sum(len(content) for content in UPLOADS.values())
    async with transaction(services.read_sessions) as session:
        person = await decisions.load_individual(session, individual_id)
        fits = await subject_access.export(
            session,
            person,
            now=services.clock.now(),
            max_bytes=total,
        )
        assert fits.document_count == 3
        with pytest.raises(RequestBlocked, match="too large"):
            await subject_access.export(
                session,
                person,
                now=services.clock.now(),
                max_bytes=total - 1,
            )
