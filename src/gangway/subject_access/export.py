"""The subject-access export: every record about one individual in plain-language JSON, and the
files they sent, as one ZIP.

Records are read through the ORM and the domains' own services (documents are decrypted by the
onboarding domain, face crops by the verification domain), and selected by the individual's id
(and its partner for events), never by a personal column. Secrets are left out: token and code
hashes, the passcode hash, WebAuthn challenges and public keys.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import RequestBlocked
from gangway.models import Individual
from gangway.onboarding import documents
from gangway.subject_access import records
from gangway.verification import service as verification

# Files are read into memory to build the archive: an individual has a handful of uploads of at
# most 10 MiB each, so this is far above any real case and still bounds a process's memory.
MAX_EXPORT_BYTES = 200 * 1024 * 1024
RECORDS_NAME = "records.json"


@dataclass(frozen=True)
class SubjectAccessExport:
    filename: str
    content: bytes
    document_count: int
    record_count: int


async def export(
    session: AsyncSession,
    individual: Individual,
    *,
    now: datetime,
    max_bytes: int = MAX_EXPORT_BYTES,
) -> SubjectAccessExport:
    """Build the ZIP: ``records.json``, ``documents/...`` and ``verification/...`` (face crops),
    the files decrypted under the individual's data key. Over ``max_bytes`` of files,
    ``RequestBlocked`` (nothing is half-exported)."""
    held = await records.load(session, individual)
    docs, runs = held.docs, held.runs
    files: dict[str, bytes] = {}
    total = 0
    for document in docs:
        total += document.size
        if total > max_bytes:
            raise RequestBlocked("This individual's files are too large to export at once.")
        _, content = await documents.load_document_bytes(session, document.id)
        files[records.document_path(document)] = content
    crops: dict[str, list[str]] = {}
    for run in runs:
        for check, images in verification.attachments_of(run).items():
            for name, encoded in images.items():
                path = f"verification/run-{run.version}-{check}-{name}"
                files[path] = base64.b64decode(encoded)
                crops.setdefault(str(run.id), []).append(path)

    described = records.describe(held, crops, now)
    record_count = sum(len(v) for v in described.values() if isinstance(v, list)) + 1
    body = json.dumps(described, default=records.json_default, ensure_ascii=False, indent=2)
    content = await asyncio.to_thread(_zip, {RECORDS_NAME: body.encode(), **files}, now)
    return SubjectAccessExport(
        filename=f"gangway-individual-{individual.id}-{now:%Y%m%d}.zip",
        content=content,
        document_count=len(docs),
        record_count=record_count,
    )


def _zip(files: dict[str, bytes], now: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = (now.year, now.month, now.day, now.hour, now.minute, now.second)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            # The uploads are already compressed (JPEG, PNG, PDF): stored as they are.
            info.compress_type = (
                zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            )
            archive.writestr(info, content)
    return buffer.getvalue()
