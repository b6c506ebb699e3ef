"""Sanctions screening: load an OpenSanctions "targets.simple" CSV, fuzzy-match applicants.

Loading replaces the whole list in one transaction. Matching runs in memory over an index built from
the table and cached per process until the list changes (a new load).
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.checks.results import CheckResult, Outcome
from gangway.checks.rules import normalize_name
from gangway.errors import ValidationFailed
from gangway.models import SanctionsEntry

# Name similarity (0-100, word order ignored) from which a match is strong or weak.
STRONG_SCORE = 90.0
WEAK_SCORE = 80.0
MAX_FIELD = 100_000
BATCH = 1000


@dataclass(frozen=True)
class ScreeningEntry:
    source_id: str
    name: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...]
    countries: tuple[str, ...]
    sanctions: str | None
    dataset: str | None


@dataclass(frozen=True)
class SanctionsMatch:
    entry: ScreeningEntry
    score: float
    # True: a listed birth date agrees; False: every listed one differs; None: none listed.
    birth_date_match: bool | None

    @property
    def strong(self) -> bool:
        return self.score >= STRONG_SCORE and self.birth_date_match is not False

    def as_detail(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry.source_id,
            "name": self.entry.name,
            "score": round(self.score, 1),
            "birth_dates": list(self.entry.birth_dates),
            "birth_date_match": self.birth_date_match,
            "countries": list(self.entry.countries),
            "sanctions": self.entry.sanctions,
            "dataset": self.entry.dataset,
        }


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def parse_csv(stream: IO[str]) -> Iterator[dict[str, Any]]:
    """Rows of a "targets.simple" file as table values; only persons are kept."""
    csv.field_size_limit(MAX_FIELD)
    reader = csv.DictReader(stream)
    missing = [
        c
        for c in ("id", "schema", "name", "aliases", "birth_date")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise ValidationFailed(
            "The file is not in the OpenSanctions targets.simple layout; missing columns: "
            + ", ".join(missing)
        )
    for row in reader:
        if (row.get("schema") or "").strip() != "Person" or not (row.get("name") or "").strip():
            continue
        names = [row["name"].strip(), *_split(row.get("aliases"))]
        normalized = list(dict.fromkeys(n for n in (normalize_name(x) for x in names) if n))
        yield {
            "source_id": row["id"].strip()[:200],
            "schema": "Person",
            "name": row["name"].strip(),
            "names": normalized,
            "birth_dates": _split(row.get("birth_date")),
            "countries": [c.upper() for c in _split(row.get("countries"))],
            "sanctions": (row.get("sanctions") or "").strip() or None,
            "dataset": (row.get("dataset") or "").strip() or None,
            "extra": {
                k: row[k]
                for k in ("identifiers", "first_seen", "last_seen", "last_change")
                if row.get(k)
            },
        }


async def load_list(session: AsyncSession, rows: Iterable[dict[str, Any]], now: datetime) -> int:
    """Replace the stored list with ``rows`` (never commits); returns how many were stored."""
    await session.execute(delete(SanctionsEntry))
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({**row, "id": uuid.uuid4(), "loaded_at": now})
        if len(batch) >= BATCH:
            await session.execute(insert(SanctionsEntry), batch)
            count += len(batch)
            batch = []
    if batch:
        await session.execute(insert(SanctionsEntry), batch)
        count += len(batch)
    return count


def birth_date_agrees(entry_dates: Iterable[str], birth: date | None) -> bool | None:
    """Listed dates may be a year, a year-month or a full date."""
    listed = list(entry_dates)
    if not listed or birth is None:
        return None
    iso = birth.isoformat()
    return any(iso.startswith(d) for d in listed)


class SanctionsIndex:
    """Every listed name in one flat list for ``rapidfuzz.process.extract``."""

    def __init__(self, entries: Iterable[ScreeningEntry]) -> None:
        self.entries = list(entries)
        self._choices: list[str] = []
        self._owners: list[int] = []
        for index, entry in enumerate(self.entries):
            for name in entry.names:
                self._choices.append(name)
                self._owners.append(index)

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, full_name: str, birth: date | None) -> list[SanctionsMatch]:
        """Matches at or above the weak threshold, best first, one per entry."""
        query = normalize_name(full_name)
        if not query or not self._choices:
            return []
        hits = process.extract(
            query,
            self._choices,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=WEAK_SCORE,
            limit=50,
        )
        best: dict[int, float] = {}
        for _name, score, position in hits:
            owner = self._owners[position]
            best[owner] = max(best.get(owner, 0.0), float(score))
        matches = [
            SanctionsMatch(
                self.entries[i], score, birth_date_agrees(self.entries[i].birth_dates, birth)
            )
            for i, score in best.items()
        ]
        # A near-miss name with a contradicting birth date is a namesake: not worth a warning.
        matches = [m for m in matches if m.score >= STRONG_SCORE or m.birth_date_match is not False]
        return sorted(matches, key=lambda m: (m.strong, m.score), reverse=True)


def check_sanctions(matches: list[SanctionsMatch], list_size: int) -> CheckResult:
    """Strong match → fail, weak → warn, none → pass; no list loaded → warn."""
    if list_size == 0:
        return CheckResult(
            "sanctions",
            Outcome.warn,
            "No sanctions list is loaded (gangway screening load FILE); screening not done.",
        )
    if not matches:
        return CheckResult(
            "sanctions", Outcome.passed, f"No match among {list_size} listed persons."
        )
    top = matches[0]
    detail = {"matches": [m.as_detail() for m in matches[:5]]}
    if top.strong:
        return CheckResult(
            "sanctions",
            Outcome.fail,
            f"Strong match with listed person {top.entry.name!r} ({top.score:.0f}%).",
            detail,
        )
    return CheckResult(
        "sanctions",
        Outcome.warn,
        f"Possible match with listed person {top.entry.name!r} ({top.score:.0f}%).",
        detail,
    )


_indexes: dict[str, tuple[tuple[Any, ...], SanctionsIndex]] = {}


async def current_index(session: AsyncSession) -> SanctionsIndex:
    """The stored list as an index, rebuilt only when a new list was loaded."""
    marker_row = (
        await session.execute(
            select(
                func.count(SanctionsEntry.id),
                func.max(SanctionsEntry.loaded_at),
                func.max(SanctionsEntry.source_id),
                func.min(SanctionsEntry.source_id),
                func.sum(func.length(SanctionsEntry.name)),
            )
        )
    ).one()
    marker = tuple(marker_row)
    cache_key = str(session.get_bind().engine.url)
    cached = _indexes.get(cache_key)
    if cached is not None and cached[0] == marker:
        return cached[1]
    rows = await session.scalars(select(SanctionsEntry))
    index = SanctionsIndex(
        ScreeningEntry(
            source_id=row.source_id,
            name=row.name,
            names=tuple(row.names),
            birth_dates=tuple(row.birth_dates),
            countries=tuple(row.countries),
            sanctions=row.sanctions,
            dataset=row.dataset,
        )
        for row in rows
    )
    _indexes[cache_key] = (marker, index)
    return index
