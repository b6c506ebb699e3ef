"""Keyset pagination: newest first by ``(created_at, id)``, cursor = the last id of the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from gangway.errors import FieldError, NotFound, ValidationFailed
from gangway.kit.ids import parse_uuid

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    data: list[T]
    has_more: bool


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    model: Any,
    scope: Sequence[Any],
    limit: int,
    starting_after: str | None,
) -> tuple[list[Any], bool]:
    """Run ``query`` (already filtered) for one page, newest first.

    ``scope`` are the tenant conditions used to look up the cursor row, so a cursor from another
    partner is simply not found: a cursor that is not a UUID is a 400 ``validation_error``, one
    that names no object of the partner's a 404 ``not_found`` (as the object's own URL would).
    """
    created_at: InstrumentedAttribute[Any] = model.created_at
    row_id: InstrumentedAttribute[Any] = model.id
    if starting_after is not None:
        cursor_id = parse_uuid(starting_after)
        if cursor_id is None:
            raise ValidationFailed(
                "starting_after must be the id of an object from a previous page.",
                details=[FieldError("starting_after", "not a UUID")],
            )
        cursor_created = await session.scalar(select(created_at).where(row_id == cursor_id, *scope))
        if cursor_created is None:
            raise NotFound("starting_after names no object of yours (use an id from a page).")
        # A row-value comparison, not "a < x OR (a = x AND b < y)": PostgreSQL turns it into one
        # backward index range scan, so a page deep in a million rows costs what the first does.
        query = query.where(tuple_(created_at, row_id) < tuple_(cursor_created, cursor_id))
    rows = list(
        await session.scalars(query.order_by(created_at.desc(), row_id.desc()).limit(limit + 1))
    )
    return rows[:limit], len(rows) > limit
