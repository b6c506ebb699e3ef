"""The subject-access export of one individual (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gangway.audit import service as audit
from gangway.individuals import decisions
from gangway.models import ActorType
from gangway.review.deps import AdminDep, ServicesDep
from gangway.subject_access import export as subject_access
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.post("/individuals/{individual_id}/export")
async def export_individual(
    request: Request,
    individual_id: str,
    staff: AdminDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Everything held about the individual as one ZIP (records in JSON, the files they sent).

    A POST with the form's CSRF token, so that no link or image can start a download; the audit
    entry (who, when, which individual; counts only, no personal data) is committed with the
    request's unit of work before a byte of the archive is sent."""
    person = await decisions.load_individual(session, individual_id)
    now = services.clock.now()
    archive = await subject_access.export(session, person, now=now)
    await audit.record(
        session,
        action="individual.exported",
        now=now,
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        subject_id=person.id,
        client_ip=client_ip(request.scope),
        detail={
            "documents": archive.document_count,
            "records": archive.record_count,
            "bytes": len(archive.content),
        },
    )
    return Response(
        archive.content,
        media_type="application/zip",
        headers={
            "Cache-Control": "no-store, private",
            "Content-Disposition": f'attachment; filename="{archive.filename}"',
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
