"""The proof-of-address consent flow: address confirmation, the proof document and its rules."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gangway.kit.clock import FrozenClock
from gangway.models import AuditEntry, Document
from tests.conftest import PartnerHandle
from tests.consent_flow.conftest import POA, image_bytes, pdf_bytes
from tests.consent_flow.test_consent_flow import confirm, path
from tests.onboarding.conftest import FlowClient, Inspector

ADDRESS = {
    "country_code": "SE",
    "street1": "Storgatan 5",
    "street2": "",
    "city": "Uppsala",
    "region": "",
    "postal_code": "753 20",
}


def proof_fields(clock: FrozenClock, days_ago: int = 10) -> dict[str, str]:
    issued = (clock.now() - timedelta(days=days_ago)).date().isoformat()
    return {"proof_type": "utility_bill", "issue_date": issued}


async def to_proof(flow: FlowClient, poa: dict[str, Any]) -> None:
    await flow.start(poa["token"])
    response = await confirm(flow, name=POA)
    assert response.headers["location"] == path("address", POA)
    page = await flow.get(path("address", POA))
    assert "Mälarö torg 2" in page.text  # prefilled from the onboarding submission
    response = await flow.post(path("address", POA), ADDRESS)
    assert response.headers["location"] == path("proof", POA)


async def test_proof_of_address_with_a_pdf_completes(
    flow: FlowClient,
    poa: dict[str, Any],
    clock: FrozenClock,
    partner: PartnerHandle,
    inspect_db: Inspector,
) -> None:
    await to_proof(flow, poa)
    files = {"file": ("bill.pdf", pdf_bytes(), "application/pdf")}
    response = await flow.post(path("proof", POA), proof_fields(clock), files)
    assert response.status_code == 303, response.text[-2000:]
    review = await flow.get(path("review", POA))
    assert "Storgatan 5" in review.text and "Utility bill" in review.text
    assert (await flow.post(path("review", POA))).headers["location"] == "/flow/done"
    action = (await partner.http.get(f"/v3/pending_actions/{poa['action']['id']}")).json()
    assert action["status"] == "completed"
    documents = await inspect_db.all(
        select(Document).where(Document.consent_id == uuid.UUID(poa["consent_id"]))
    )
    assert [(d.kind, d.content_type) for d in documents] == [
        ("proof_of_address", "application/pdf")
    ]
    entry = await inspect_db.scalar(
        select(AuditEntry).where(AuditEntry.action == "pending_action.completed")
    )
    assert entry.detail["entered"]["address"]["street1"] == "Storgatan 5"
    assert entry.detail["entered"]["proof"]["proof_type"] == "utility_bill"


async def test_issue_date_older_than_three_months_is_refused(
    flow: FlowClient, poa: dict[str, Any], clock: FrozenClock
) -> None:
    await to_proof(flow, poa)
    files = {"file": ("bill.png", image_bytes("PNG"), "image/png")}
    response = await flow.post(path("proof", POA), proof_fields(clock, days_ago=95), files)
    assert response.status_code == 400
    assert "The document must be from the last 3 months." in response.text
    # The accepted file is kept while the date is corrected.
    assert "file_kept" not in response.text and 'id="k-file"' in response.text
    response = await flow.post(path("proof", POA), proof_fields(clock, days_ago=85))
    assert response.status_code == 303


async def test_issue_date_in_the_future_is_refused(
    flow: FlowClient, poa: dict[str, Any], clock: FrozenClock
) -> None:
    await to_proof(flow, poa)
    files = {"file": ("bill.jpg", image_bytes("JPEG"), "image/jpeg")}
    response = await flow.post(path("proof", POA), proof_fields(clock, days_ago=-1), files)
    assert response.status_code == 400
    assert "The issue date cannot be in the future." in response.text


async def test_a_file_that_is_neither_pdf_nor_image_is_refused(
    flow: FlowClient, poa: dict[str, Any], clock: FrozenClock
) -> None:
    await to_proof(flow, poa)
    files = {"file": ("bill.pdf", b"GIF89a not really a pdf", "application/pdf")}
    response = await flow.post(path("proof", POA), proof_fields(clock), files)
    assert response.status_code == 400
    assert "Upload a PDF, JPEG or PNG file." in response.text


async def test_proof_page_labels_in_swedish(
    flow: FlowClient, poa: dict[str, Any], clock: FrozenClock
) -> None:
    await flow.start(poa["token"], lang="sv")
    await confirm(flow, name=POA)
    await flow.post(path("address", POA), ADDRESS)
    page = await flow.get(path("proof", POA))
    for text in ("Typ av handling", "Utfärdandedatum", "Kontoutdrag", "Skattebesked"):
        assert text in page.text
