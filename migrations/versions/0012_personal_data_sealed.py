"""personal data sealed per individual: data keys, KEKs, blind indexes, erasure requests

Every personal field moves into one AES-256-GCM ciphertext per row (``sealed_data``) under the
individual's own data key, itself wrapped by a key-encryption key (see
``gangway.kit.keyring``). Existing rows are encrypted here, in batches, and the plaintext
columns are dropped. The documents and face crops sealed under the old per-purpose key are
re-sealed under the data key, and the duplicate fingerprints become keyed blind indexes.

This migration reads the server secret (or ``GANGWAY_ROOT_KEY_FILE``) exactly as the service
does, so run it with the service's environment.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 09:00:00
"""

import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
SEALED_TABLES = (
    "onboarding_drafts",
    "onboarding_submissions",
    "phone_verifications",
    "consent_progress",
    "verification_runs",
)


def upgrade() -> None:
    _schema_before()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM individuals")).scalar():
        _seal_existing(bind)
    _schema_after()


def _schema_before() -> None:
    op.create_table(
        "key_encryption_keys",
        sa.Column("kid", sa.String(length=40), nullable=False),
        sa.Column("wrapped", _blob(), nullable=False),
        sa.Column("root_kid", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_key_encryption_keys")),
    )
    op.create_table(
        "data_keys",
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("kid", sa.String(length=40), nullable=False),
        sa.Column("wrapped", _blob(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_id"],
            ["individuals.id"],
            name=op.f("fk_data_keys_individual_id_individuals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kid"],
            ["key_encryption_keys.kid"],
            name=op.f("fk_data_keys_kid_key_encryption_keys"),
        ),
        sa.PrimaryKeyConstraint("individual_id", name=op.f("pk_data_keys")),
    )
    op.create_index("ix_data_keys_kid", "data_keys", ["kid"], unique=False)
    op.create_table(
        "redaction_requests",
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["individual_id"],
            ["individuals.id"],
            name=op.f("fk_redaction_requests_individual_id_individuals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("individual_id", name=op.f("pk_redaction_requests")),
    )
    op.create_index("ix_redaction_requests_status_due", "redaction_requests", ["status", "due_at"])
    op.add_column("individuals", sa.Column("sealed_data", _blob(), nullable=True))
    op.add_column("individuals", sa.Column("email_index", sa.String(length=64), nullable=True))
    op.add_column("individuals", sa.Column("phone_index", sa.String(length=64), nullable=True))
    op.add_column("individuals", sa.Column("name_dob_index", sa.String(length=64), nullable=True))
    op.add_column(
        "individuals", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True)
    )
    for table in SEALED_TABLES:
        op.add_column(table, sa.Column("sealed_data", _blob(), nullable=True))
    op.add_column("consent_progress", sa.Column("individual_id", sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE consent_progress SET individual_id = "
        "(SELECT consents.individual_id FROM consents WHERE consents.id = consent_progress.consent_id)"
    )


def _schema_after() -> None:
    # Plain ALTER TABLE ... DROP COLUMN, never a batch "recreate": on SQLite, dropping the old
    # individuals table while foreign keys are enforced would cascade-delete every child row.
    op.drop_index("ix_individuals_partner_email", table_name="individuals")
    plaintext = {
        "individuals": (
            "first_name",
            "last_name",
            "email",
            "phone_number",
            "date_of_birth",
            "address",
        ),
        "onboarding_drafts": ("data",),
        "onboarding_submissions": ("data", "check_results"),
        "phone_verifications": ("phone_number",),
        "consent_progress": ("data",),
        "verification_runs": ("report",),
    }
    for table, columns in plaintext.items():
        for column in columns:
            op.drop_column(table, column)
    op.create_index(
        "ix_individuals_partner_email_index", "individuals", ["partner_id", "email_index"]
    )
    op.create_index("ix_individuals_email_index", "individuals", ["email_index"])
    op.create_index("ix_individuals_phone_index", "individuals", ["phone_index"])
    op.create_index("ix_individuals_name_dob_index", "individuals", ["name_dob_index"])
    # consent_progress is recreated on SQLite (a new NOT NULL foreign key); no table refers to it.
    with op.batch_alter_table("consent_progress") as batch_op:
        batch_op.alter_column("individual_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index("ix_consent_progress_individual_id", ["individual_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_consent_progress_individual_id_individuals",
            "individuals",
            ["individual_id"],
            ["id"],
            ondelete="CASCADE",
        )


def _blob() -> sa.types.TypeEngine[bytes]:
    return sa.LargeBinary().with_variant(sa.dialects.postgresql.BYTEA(), "postgresql")


def _seal_existing(bind: sa.engine.Connection) -> None:
    # The service's own key code: the ciphertexts must be what the models open.
    from gangway.config import Settings
    from gangway.kit import normalise
    from gangway.kit.crypto import Sealer, derive_key
    from gangway.kit.keyring import Keyring

    settings = Settings()
    secret = settings.resolved_secret_key()
    keyring = Keyring.from_secret(secret, settings.root_key_file)
    old_documents = Sealer(derive_key(secret, "documents"))
    now = _now(bind)
    kek = keyring.new_kek()
    bind.execute(
        sa.text(
            "INSERT INTO key_encryption_keys (kid, wrapped, root_kid, created_at) "
            "VALUES (:kid, :wrapped, :root, :now)"
        ),
        {"kid": kek.kid, "wrapped": kek.wrapped, "root": keyring.root.kid, "now": now},
    )
    # Raw data keys (32 bytes each, not cipher objects: bounded memory on large tables).
    data_key_of: dict[uuid.UUID, bytes] = {}

    individuals = sa.table(
        "individuals",
        sa.column("id", sa.Uuid()),
        sa.column("first_name", sa.String()),
        sa.column("last_name", sa.String()),
        sa.column("email", sa.String()),
        sa.column("phone_number", sa.String()),
        sa.column("date_of_birth", sa.Date()),
        sa.column("address", sa.JSON()),
        sa.column("sealed_data", _blob()),
        sa.column("email_index", sa.String()),
        sa.column("phone_index", sa.String()),
        sa.column("name_dob_index", sa.String()),
    )
    data_keys = sa.table(
        "data_keys",
        sa.column("individual_id", sa.Uuid()),
        sa.column("kid", sa.String()),
        sa.column("wrapped", _blob()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    for rows in _batches(bind, individuals):
        new_keys, changes = [], []
        for row in rows:
            data_key = data_key_of[row.id] = keyring.new_data_key()
            new_keys.append(
                {
                    "individual_id": row.id,
                    "kid": kek.kid,
                    "wrapped": keyring.wrap_data_key(kek.key, data_key, row.id),
                    "created_at": now,
                }
            )
            born: date | None = row.date_of_birth
            values = {
                "first_name": row.first_name,
                "last_name": row.last_name,
                "email": row.email,
                "phone_number": row.phone_number,
                "date_of_birth": born.isoformat() if born else None,
                "address": row.address,
            }
            changes.append(
                {
                    "row_id": row.id,
                    "sealed_data": _seal(Sealer(data_key), "individuals", row.id, values),
                    "email_index": keyring.blind_index("email", normalise.email(row.email)),
                    "phone_index": keyring.blind_index("phone", normalise.phone(row.phone_number)),
                    "name_dob_index": keyring.blind_index(
                        "name_dob",
                        normalise.name_and_birth_date(row.first_name, row.last_name, born),
                    ),
                }
            )
        bind.execute(data_keys.insert(), new_keys)
        _update_rows(bind, individuals, changes)

    fields = {
        "onboarding_drafts": {"data": sa.JSON()},
        "onboarding_submissions": {"data": sa.JSON(), "check_results": sa.JSON()},
        "phone_verifications": {"phone_number": sa.String()},
        "consent_progress": {"data": sa.JSON()},
        "verification_runs": {"report": sa.JSON()},
    }
    for name, columns in fields.items():
        table = sa.table(
            name,
            sa.column("id", sa.Uuid()),
            sa.column("individual_id", sa.Uuid()),
            sa.column("sealed_data", _blob()),
            *(sa.column(column, kind) for column, kind in columns.items()),
        )
        for rows in _batches(bind, table):
            changes = [
                {
                    "row_id": row.id,
                    "sealed_data": _seal(
                        Sealer(data_key_of[row.individual_id]),
                        name,
                        row.id,
                        {column: getattr(row, column) for column in columns},
                    ),
                }
                for row in rows
            ]
            _update_rows(bind, table, changes)

    documents = sa.table(
        "documents",
        sa.column("id", sa.Uuid()),
        sa.column("individual_id", sa.Uuid()),
        sa.column("sealed", _blob()),
    )
    for rows in _batches(bind, documents):
        changes = []
        for row in rows:
            content = old_documents.open(row.sealed, str(row.id).encode())
            sealer = Sealer(data_key_of[row.individual_id])
            changes.append(
                {"row_id": row.id, "sealed": sealer.seal(content, f"documents:{row.id}".encode())}
            )
        _update_rows(bind, documents, changes)
    runs = sa.table(
        "verification_runs",
        sa.column("id", sa.Uuid()),
        sa.column("individual_id", sa.Uuid()),
        sa.column("attachments_sealed", _blob()),
    )
    for rows in _batches(bind, runs):
        changes = []
        for row in rows:
            if row.attachments_sealed is None:
                continue
            content = old_documents.open(row.attachments_sealed, str(row.id).encode())
            aad = f"verification_runs:{row.id}:attachments".encode()
            sealer = Sealer(data_key_of[row.individual_id])
            changes.append({"row_id": row.id, "attachments_sealed": sealer.seal(content, aad)})
        _update_rows(bind, runs, changes)
    _rekey_fingerprints(bind, keyring)


def _rekey_fingerprints(bind: sa.engine.Connection, keyring: Any) -> None:
    """The duplicate fingerprints were unkeyed SHA-256: recompute them as blind indexes."""
    from gangway.kit import normalise

    fingerprints = sa.table(
        "identity_fingerprints",
        sa.column("individual_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("value_hash", sa.String()),
    )
    submissions = sa.table(
        "onboarding_submissions",
        sa.column("id", sa.Uuid()),
        sa.column("individual_id", sa.Uuid()),
        sa.column("data", sa.JSON()),
    )
    for rows in _batches(bind, submissions):
        for row in rows:
            data = row.data if isinstance(row.data, dict) else {}
            document = data.get("document") if isinstance(data.get("document"), dict) else {}
            values = {
                "document": keyring.blind_index(
                    "document",
                    normalise.document_number(
                        document.get("issuing_country"), document.get("number")
                    ),
                ),
                "email": keyring.blind_index(
                    "email", normalise.email(str(data.get("email") or ""))
                ),
            }
            for kind, value in values.items():
                same = (
                    fingerprints.c.individual_id == row.individual_id,
                    fingerprints.c.kind == kind,
                )
                if value is None:
                    bind.execute(fingerprints.delete().where(*same))
                else:
                    bind.execute(fingerprints.update().where(*same).values(value_hash=value))


def _update_rows(
    bind: sa.engine.Connection, table: sa.TableClause, changes: list[dict[str, Any]]
) -> None:
    """One executemany UPDATE by id for a batch (``row_id`` plus the new column values)."""
    if not changes:
        return
    columns = [name for name in changes[0] if name != "row_id"]
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(name) for name in columns})
    )
    bind.execute(statement, changes)


def _batches(bind: sa.engine.Connection, table: sa.TableClause) -> Iterator[list[Any]]:
    """The table's rows in id order, ``BATCH`` at a time (bounded memory on large tables)."""
    last: Any = None
    while True:
        query = sa.select(table).order_by(table.c.id).limit(BATCH)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = list(bind.execute(query))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _seal(sealer: Any, table: str, row_id: uuid.UUID, values: dict[str, Any]) -> bytes:
    plaintext = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    sealed: bytes = sealer.seal(plaintext, f"{table}:{row_id}".encode())
    return sealed


def _now(bind: sa.engine.Connection) -> datetime:
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now


def downgrade() -> None:
    raise NotImplementedError(
        "0012 encrypted personal data and dropped the plaintext columns; restore a backup instead"
    )
