"""Serving uploaded documents to staff only: decrypted on the fly, never cached, audited."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import NotFound
from gangway.kit.ids import parse_uuid
from gangway.models.onboarding import Document
from gangway.onboarding import documents as flow_documents

# Only these are served inline; anything else is offered as a download.
# Images are shown inline; PDFs are downloaded (never rendered in the back office's origin).
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})


async def load_document(
    session: AsyncSession, individual_id: uuid.UUID, document_id: str
) -> Document:
    parsed = parse_uuid(document_id)
    document = None
    if parsed is not None:
        document = await session.scalar(
            select(Document).where(Document.id == parsed, Document.individual_id == individual_id)
        )
    if document is None:
        raise NotFound("No document with this id.")
    return document


async def open_document(session: AsyncSession, document: Document) -> bytes:
    """The plaintext bytes, through the onboarding domain's own decryption."""
    _, content = await flow_documents.load_document_bytes(session, document.id)
    return content
