from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.errors import NotFound
from gangway.models import Document
from gangway.models.sealed import row_sealer
from gangway.onboarding import documents
from gangway.onboarding.documents import UploadRejected, check_upload, load_document_bytes
from tests.onboarding.conftest import DOCUMENT, FlowClient, fill_until, image_bytes

LIMIT = 10 * 1024 * 1024


def test_images_are_identified_by_content_not_by_name() -> None:
    assert check_upload(image_bytes("JPEG"), limit=LIMIT).content_type == "image/jpeg"
    assert check_upload(image_bytes("PNG"), limit=LIMIT).content_type == "image/png"
    with pytest.raises(UploadRejected, match="file_type"):
        check_upload(b"GIF89a" + b"\0" * 100, limit=LIMIT)
    with pytest.raises(UploadRejected, match="file_type"):
        check_upload(b"<html><script>alert(1)</script></html>", limit=LIMIT)


def test_pdf_only_where_allowed() -> None:
    writer = PdfWriter()  # a PDF must parse now (see test_pdf_parsing.py), so a real one
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = buffer.getvalue()
    with pytest.raises(UploadRejected, match="file_type"):
        check_upload(pdf, limit=LIMIT)
    assert check_upload(pdf, limit=LIMIT, allow_pdf=True).content_type == "application/pdf"


def test_empty_oversized_truncated_and_bomb_images_are_refused() -> None:
    with pytest.raises(UploadRejected, match="file_empty"):
        check_upload(b"", limit=LIMIT)
    with pytest.raises(UploadRejected, match="file_too_large"):
        check_upload(image_bytes("PNG"), limit=100)
    with pytest.raises(UploadRejected, match="file_unreadable"):
        check_upload(image_bytes("JPEG")[:300], limit=LIMIT)
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")  # 400 MP, ~50 KB compressed
    assert len(buffer.getvalue()) < LIMIT
    with pytest.raises(UploadRejected, match="file_dimensions"):
        check_upload(buffer.getvalue(), limit=LIMIT)


async def test_uploads_are_sealed_and_only_readable_through_the_service(
    started: FlowClient, services: Any, inspect_db: Any
) -> None:
    await fill_until(started, "selfie")
    front = image_bytes("JPEG")
    stored = await inspect_db.all(select(Document))
    assert {d.kind for d in stored} == {"document_front", "document_back", "selfie"}
    for document in stored:
        assert image_bytes("JPEG")[:64] not in document.sealed
        assert document.size > 0 and len(document.sha256) == 64
    document = next(d for d in stored if d.kind == "document_front")
    async with services.read_sessions() as session:
        content_type, content = await load_document_bytes(session, document.id)
        assert (content_type, content) == ("image/jpeg", front)
        assert (await load_document_bytes(session, str(document.id)))[1] == front
        with pytest.raises(NotFound):
            await load_document_bytes(session, "nope")
    # The ciphertext is bound to its row: moved to another id it does not open.
    other = next(d for d in stored if d.kind == "selfie")
    assert row_sealer(document).open(document.sealed, document.associated_data()) == front
    with pytest.raises(InvalidTag):
        row_sealer(document).open(document.sealed, other.associated_data())


async def test_wrong_files_get_friendly_errors_and_good_ones_are_kept(
    started: FlowClient, inspect_db: Any
) -> None:
    await fill_until(started, "phone")
    response = await started.step(
        "document",
        {**DOCUMENT, "expiry_date": "2020-01-01"},
        {
            "front": ("front.jpg", image_bytes("JPEG"), "image/jpeg"),
            "back": ("back.png", b"not an image at all", "image/png"),
        },
    )
    assert response.status_code == 400
    assert "The document has expired." in response.text
    assert "Upload a JPEG or PNG image." in response.text
    assert 'value="AB123456"' in response.text
    # The accepted front is kept: the page says so and no longer requires it.
    assert "A file is saved." in response.text
    assert len(await inspect_db.all(select(Document))) == 1
    response = await started.step(
        "document", DOCUMENT, {"back": ("back.png", image_bytes("PNG"), "image/png")}
    )
    assert response.status_code == 303
    assert len(await inspect_db.all(select(Document))) == 2


async def test_back_is_required_except_for_passports(started: FlowClient, inspect_db: Any) -> None:
    await fill_until(started, "phone")
    front = {"front": ("f.png", image_bytes("PNG"), "image/png")}
    response = await started.step("document", DOCUMENT, front)
    assert response.status_code == 400 and 'id="e-back"' in response.text
    passport = await started.step("document", {**DOCUMENT, "type": "passport"})
    assert passport.status_code == 303


async def test_replacing_a_file_deletes_the_unsubmitted_old_one(
    started: FlowClient, inspect_db: Any
) -> None:
    await fill_until(started, "document")
    before = {d.id for d in await inspect_db.all(select(Document).where(Document.kind == "selfie"))}
    await started.step("selfie", {}, {"selfie": ("a.png", image_bytes("PNG"), "image/png")})
    await started.step("selfie", {}, {"selfie": ("b.png", image_bytes("PNG"), "image/png")})
    after = await inspect_db.all(select(Document).where(Document.kind == "selfie"))
    assert len(after) == 1 and not before


async def test_a_file_over_the_limit_is_refused(
    app: Any, started: FlowClient, inspect_db: Any
) -> None:
    await fill_until(started, "document")
    app.state.services.settings.upload_limit = 2048
    try:
        response = await started.step(
            "selfie",
            {},
            {"selfie": ("big.png", image_bytes("PNG", (900, 900)) + b"\0" * 4096, "image/png")},
        )
    finally:
        app.state.services.settings.upload_limit = LIMIT
    assert response.status_code == 400
    assert "The file is larger than 10 MB." in response.text or "larger" in response.text


async def test_selfie_is_required(started: FlowClient) -> None:
    await fill_until(started, "document")
    response = await started.step("selfie", {}, {})
    assert response.status_code == 400
    assert 'capture="user"' in response.text and 'accept="image/*"' in response.text


async def test_documents_are_not_served_by_any_flow_or_partner_route(
    app: Any, started: FlowClient
) -> None:
    await fill_until(started)
    review = await started.get("/flow/onboarding/review")
    assert "<img" not in review.text and "data:image" not in review.text
    paths = [getattr(route, "path", "") for route in app.routes]
    assert not [
        p for p in paths if "document" in p and (p.startswith("/flow") or p.startswith("/v3"))
    ]


async def test_store_and_load_roundtrip_via_service(
    services: Any, partner: Any, individual: Any
) -> None:
    from gangway.models import Individual

    async with transaction(services.sessions) as session:
        person = await session.get(Individual, __import__("uuid").UUID(individual["id"]))
        checked = documents.check_upload(image_bytes("PNG"), limit=LIMIT)
        stored = await documents.store(
            session,
            person,
            checked,
            kind="proof_of_address",
            now=services.clock.now(),
        )
        assert (await load_document_bytes(session, stored.id))[1] == checked.content
