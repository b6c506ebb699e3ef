"""Uploaded documents: checked by content, sealed with AES-GCM, stored in the database.

Files are never served back to the end user or the partner; staff read them through
:func:`load_document_bytes`.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
import uuid
import warnings
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import NotFound
from gangway.kit.ids import new_id
from gangway.models import Document, DocumentKind, Individual
from gangway.models.sealed import row_sealer

# 25 megapixels: above what phones save by default -- 12 MP (4032 x 3024) for most Android phones
# and older iPhones, whose 48-200 MP sensors bin to 12 MP unless a "high resolution" mode is
# chosen, and 24 MP (5712 x 4284 = 24.5 MP) for iPhone 15/16 -- while a decoded 25 MP RGBA image
# still fits in ~100 MB. Decompression bombs are far larger.
MAX_PIXELS = 25_000_000
DEFAULT_DECODE_CONCURRENCY = 2
# Phones often save JPEGs with a multi-picture index, which Pillow reports as "MPO".
IMAGE_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
# Names of PDF features that run code, open other files or links, hide content or hide the file
# itself; a bill or statement has no need for them. Compared after decoding (``/J#61vaScript`` is
# ``/JavaScript``), as dictionary keys and as name values (``/S /JavaScript``).
PDF_ACTIVE_CONTENT = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/RichMedia",
        "/XFA",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/Encrypt",
    }
)
# A PDF name token in the raw bytes (delimiters end it), and a stream's body (binary, skipped).
_PDF_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]*)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
# Nodes visited while walking one PDF's objects; a bill has a few thousand.
PDF_MAX_NODES = 2_000_000
PDF = "application/pdf"


class UploadRejected(ValueError):
    """The file is not acceptable; the message is a key for the flow's translations."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str


def check_upload(content: bytes, *, limit: int, allow_pdf: bool = False) -> CheckedFile:
    """Identify ``content`` by its bytes (never by name or declared type) and validate it."""
    if not content:
        raise UploadRejected("file_empty")
    if len(content) > limit:
        raise UploadRejected("file_too_large")
    if content.startswith(b"%PDF-"):
        if not allow_pdf:
            raise UploadRejected("file_type")
        if b"%%EOF" not in content[-1024:]:
            raise UploadRejected("file_unreadable")
        _check_pdf(content)
        return CheckedFile(content, PDF)
    if not (content.startswith(b"\xff\xd8\xff") or content.startswith(b"\x89PNG\r\n\x1a\n")):
        raise UploadRejected("file_type_pdf" if allow_pdf else "file_type")
    return CheckedFile(content, _check_image(content))


def _check_pdf(content: bytes) -> None:
    """Refuse a PDF with active content (``file_type_pdf``) or one that does not parse.

    Two passes. The raw bytes outside streams are scanned for name tokens, decoded: this sees
    objects no cross-reference table points at (appended junk, a duplicate object number), which a
    viewer repairing the file could still pick up. Then pypdf parses the file and every indirect
    object it lists -- including objects packed in compressed object streams, which no byte grep
    can see -- is walked together with the trailer, catalog, pages, annotations, actions and name
    trees they form, and every dictionary key and name value is compared.
    """
    for token in _PDF_NAME.findall(_PDF_STREAM_BODY.sub(b" ", content)):
        name = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token)
        if "/" + name.decode("latin-1") in PDF_ACTIVE_CONTENT:
            raise UploadRejected("file_type_pdf")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise UploadRejected("file_type_pdf")
        if len(reader.pages) < 1:
            raise UploadRejected("file_unreadable")
        roots: list[PdfObject] = [reader.trailer]
        for generation, numbers in reader.xref.items():
            roots.extend(IndirectObject(number, generation, reader) for number in numbers)
        roots.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
        _walk_pdf_objects(roots)
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many types for broken files (and RecursionError)
        logging.getLogger("gangway.documents").info(
            "pdf refused as unreadable", extra={"error": type(exc).__name__}
        )
        raise UploadRejected("file_unreadable") from None


def _walk_pdf_objects(roots: list[PdfObject]) -> None:
    """Visit every object reachable from ``roots`` (iteratively: nesting can be hostile)."""
    pending = list(roots)
    seen: set[tuple[int, int]] = set()
    visited = 0
    while pending:
        visited += 1
        if visited > PDF_MAX_NODES:
            raise UploadRejected("file_unreadable")
        node = pending.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            resolved = node.get_object()
            if resolved is not None:
                pending.append(resolved)
        elif isinstance(node, NameObject):
            if node in PDF_ACTIVE_CONTENT:
                raise UploadRejected("file_type_pdf")
        elif isinstance(node, DictionaryObject):  # streams too (their dictionary, not data)
            for key, value in node.items():
                if key in PDF_ACTIVE_CONTENT:
                    raise UploadRejected("file_type_pdf")
                pending.append(value)
        elif isinstance(node, ArrayObject):
            pending.extend(node)


def _check_image(content: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in IMAGE_TYPES:
                    raise UploadRejected("file_type")
                if width * height > MAX_PIXELS or width < 16 or height < 16:
                    raise UploadRejected("file_dimensions")
                probe.verify()
            # verify() does not decode the pixels; a full load catches truncated data.
            with Image.open(io.BytesIO(content)) as image:
                image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("file_dimensions") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRejected("file_unreadable") from None
    return IMAGE_TYPES[kind]


# One semaphore per event loop and size (a process serves from one loop; tests start many).
_decode_slots: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]
] = weakref.WeakKeyDictionary()


async def check_upload_async(
    content: bytes,
    *,
    limit: int,
    allow_pdf: bool = False,
    concurrency: int = DEFAULT_DECODE_CONCURRENCY,
) -> CheckedFile:
    """:func:`check_upload` off the event loop (decoding an image is CPU work).

    At most ``concurrency`` checks run at once in this process (``GANGWAY_UPLOAD_DECODE_
    CONCURRENCY``); the others wait, so a burst of large uploads cannot take all the memory and
    threads.
    """
    by_size = _decode_slots.setdefault(asyncio.get_running_loop(), {})
    slots = by_size.setdefault(concurrency, asyncio.Semaphore(concurrency))
    async with slots:
        return await asyncio.to_thread(check_upload, content, limit=limit, allow_pdf=allow_pdf)


async def store(
    session: AsyncSession,
    individual: Individual,
    checked: CheckedFile,
    *,
    kind: DocumentKind,
    now: datetime,
    consent_id: uuid.UUID | None = None,
) -> Document:
    document_id = new_id()
    document = Document(
        id=document_id,
        individual_id=individual.id,
        partner_id=individual.partner_id,
        consent_id=consent_id,
        kind=kind,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        sealed=b"",
        created_at=now,
    )
    # Under the individual's data key: erasing the person makes the file unreadable everywhere.
    document.sealed = row_sealer(individual).seal(checked.content, document.associated_data())
    session.add(document)
    await session.flush()
    return document


async def discard_unsubmitted(
    session: AsyncSession, individual_id: uuid.UUID, document_id: str | None
) -> None:
    """Delete a replaced upload, unless it already belongs to a submission."""
    if not document_id:
        return
    document = await session.get(Document, uuid.UUID(document_id))
    if (
        document is not None
        and document.individual_id == individual_id
        and document.submission_id is None
    ):
        await session.delete(document)
        await session.flush()


# Where a draft's steps keep the ids of the files they took (onboarding and consent flows).
DOCUMENT_REFS = (
    ("document", "front_id"),
    ("document", "back_id"),
    ("selfie", "selfie_id"),
    ("proof", "file_id"),
)


def referenced_ids(draft_data: dict[str, Any]) -> list[uuid.UUID]:
    """The documents a draft refers to (the files to attach when it is submitted)."""
    found = []
    for step, key in DOCUMENT_REFS:
        value = (
            draft_data.get(step, {}).get(key) if isinstance(draft_data.get(step), dict) else None
        )
        if value:
            found.append(uuid.UUID(str(value)))
    return found


async def attach(
    session: AsyncSession,
    individual_id: uuid.UUID,
    document_ids: list[uuid.UUID],
    *,
    submission_id: uuid.UUID | None = None,
    consent_id: uuid.UUID | None = None,
) -> None:
    """Tie the individual's uploads to the submission or the consent they were sent for."""
    if not document_ids:
        return
    values: dict[str, uuid.UUID] = {}
    if submission_id is not None:
        values["submission_id"] = submission_id
    if consent_id is not None:
        values["consent_id"] = consent_id
    await session.execute(
        update(Document)
        .where(Document.id.in_(document_ids), Document.individual_id == individual_id)
        .values(**values)
    )


async def load_document_bytes(
    session: AsyncSession, document_id: uuid.UUID | str
) -> tuple[str, bytes]:
    """``(content_type, plaintext)`` of a document, for staff pages only (404 when unknown)."""
    try:
        parsed = document_id if isinstance(document_id, uuid.UUID) else uuid.UUID(document_id)
    except ValueError:
        raise NotFound("No document with this id.") from None
    document = await session.scalar(select(Document).where(Document.id == parsed))
    if document is None:
        raise NotFound("No document with this id.")
    return document.content_type, open_sealed(document)


def open_sealed(document: Document) -> bytes:
    """The plaintext of a loaded document."""
    return row_sealer(document).open(document.sealed, document.associated_data())
