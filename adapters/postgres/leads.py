"""PostgreSQL repository of the lead book."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.repositories import (
    insert_tenant_row,
    keyset,
    tenant_row,
    update_versioned,
)
from adapters.postgres.tables import leads, voice_calls
from adapters.postgres.timeouts import driver_answering_within
from application.pagination import PageRequest
from application.ports import LeadFilter, StagedLead, StagedNumber
from domain.ids import LeadId, TenantId
from domain.leads import Lead
from domain.phones import PhoneNumber
from domain.values import Email


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(where: LeadFilter) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if where.status is not None:
        clauses.append(leads.c.status == where.status.value)
    if where.source is not None:
        clauses.append(leads.c.source == where.source)
    if where.do_not_call is not None:
        clauses.append(leads.c.do_not_call.is_(where.do_not_call))
    if where.contacted is not None:
        contacted = leads.c.last_contacted_at
        clauses.append(contacted.is_not(None) if where.contacted else contacted.is_(None))
    if where.text:
        pattern = _like(where.text)
        clauses.append(
            sa.or_(
                leads.c.name.ilike(pattern, escape="\\"),
                leads.c.phone.ilike(pattern, escape="\\"),
                leads.c.email.ilike(pattern, escape="\\"),
            )
        )
    return clauses


# Private to the transaction: dropped at its end, invisible to every other session.
_STAGING_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS lead_upserts"
    " (LIKE leads INCLUDING DEFAULTS) ON COMMIT DROP"
)
_STAGED_COLUMNS = (
    "id", "tenant_id", "phone", "name", "email", "source", "status", "timezone",
    "do_not_call", "metadata", "last_contacted_at", "last_call_id", "version", "created_at",
    "updated_at",
)  # fmt: skip
_COPY_INTO_STAGING = f"COPY lead_upserts ({', '.join(_STAGED_COLUMNS)}) FROM STDIN"
_UPSERT_FROM_STAGING = (
    f"INSERT INTO leads ({', '.join(_STAGED_COLUMNS)})"
    f" SELECT {', '.join(_STAGED_COLUMNS)} FROM lead_upserts"
    " ON CONFLICT (tenant_id, phone) DO UPDATE SET name = excluded.name,"
    " email = excluded.email, timezone = excluded.timezone, metadata = excluded.metadata,"
    " updated_at = excluded.updated_at, version = leads.version + 1"
)


# An import's valid rows, staged batch by batch while the file is read: private to the
# transaction, so nothing of a failed import stays anywhere.
_IMPORT_ROWS_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS lead_import_rows (file_row integer NOT NULL,"
    " phone text NOT NULL, phone_zone text, name text, email text, timezone text,"
    " metadata jsonb NOT NULL) ON COMMIT DROP"
)
_IMPORT_ROW_COLUMNS = ("file_row", "phone", "phone_zone", "name", "email", "timezone", "metadata")
_COPY_INTO_IMPORT_ROWS = f"COPY lead_import_rows ({', '.join(_IMPORT_ROW_COLUMNS)}) FROM STDIN"
_import_rows = sa.table(
    "lead_import_rows",
    sa.column("file_row", sa.Integer),
    sa.column("phone", sa.Text),
    sa.column("phone_zone", sa.Text),
    sa.column("name", sa.Text),
    sa.column("email", sa.Text),
    sa.column("timezone", sa.Text),
    sa.column("metadata", JSONB),
)
# Rows read from the server a batch at a time: the staging may hold a whole file.
_STAGED_BATCH = 1000


def _staged_query(tenant_id: TenantId) -> sa.Select[Any]:
    """Staged rows, each number's together in file order and numbers in the order of their
    first row, beside the tenant's lead with that number (NULLs when there is none)."""
    numbered = sa.select(
        _import_rows,
        sa.func.min(_import_rows.c.file_row)
        .over(partition_by=_import_rows.c.phone)
        .label("first_row"),
    ).subquery("staged")
    staged_columns = [numbered.c[name].label(f"staged_{name}") for name in _IMPORT_ROW_COLUMNS]
    return (
        sa.select(*staged_columns, *leads.c)
        .select_from(
            numbered.outerjoin(
                leads, sa.and_(leads.c.tenant_id == tenant_id, leads.c.phone == numbered.c.phone)
            )
        )
        .order_by(numbered.c.first_row, numbered.c.file_row)
    )


def _staged_lead(row: sa.Row[Any]) -> StagedLead:
    m = row._mapping
    return StagedLead(
        row=m["staged_file_row"],
        # The number's zone as parsing found it: finding it again costs as much as parsing.
        phone=PhoneNumber(m["staged_phone"], zone=m["staged_phone_zone"]),
        name=m["staged_name"],
        email=Email(m["staged_email"]) if m["staged_email"] is not None else None,
        timezone=m["staged_timezone"],
        metadata=m["staged_metadata"],
    )


def _staged(lead: Lead) -> tuple[Any, ...]:
    """The lead as one COPY row: the same values an insert writes, in _STAGED_COLUMNS order."""
    values = tenant_row(lead, mapping.lead_values(lead))
    values["metadata"] = Jsonb(values["metadata"])  # COPY needs the type said
    return tuple(values[column] for column in _STAGED_COLUMNS)


class PostgresLeadRepository:
    def __init__(self, conn: AsyncConnection, answer_seconds: float) -> None:
        self._conn = conn
        # The unit of work's statement bound, for what goes to the driver directly (COPY,
        # the staging cursor's fetches): SQLAlchemy's own statements are bounded by events.
        self._answer_seconds = answer_seconds

    def _answering(self) -> contextlib.AbstractAsyncContextManager[None]:
        return driver_answering_within(self._conn, self._answer_seconds)

    async def get(self, tenant_id: TenantId, lead_id: LeadId) -> Lead | None:
        query = sa.select(leads).where(leads.c.tenant_id == tenant_id, leads.c.id == lead_id)
        row = (await self._conn.execute(query)).first()
        return mapping.lead_from(row) if row else None

    async def by_phone(self, tenant_id: TenantId, phone: PhoneNumber) -> Lead | None:
        query = sa.select(leads).where(leads.c.tenant_id == tenant_id, leads.c.phone == phone.e164)
        row = (await self._conn.execute(query)).first()
        return mapping.lead_from(row) if row else None

    async def by_phones(
        self, tenant_id: TenantId, phones: Sequence[PhoneNumber]
    ) -> dict[PhoneNumber, Lead]:
        if not phones:
            return {}
        # One array parameter joined through unnest: planned as a join whatever the
        # statistics say (an IN list of bound parameters degrades to comparing every row
        # with every value under a generic plan).
        wanted = (
            sa.func.unnest(sa.bindparam("phones", [p.e164 for p in phones], ARRAY(sa.Text)))
            .table_valued("phone")
            .render_derived(name="wanted")
        )
        query = (
            sa.select(leads)
            .join(wanted, leads.c.phone == wanted.c.phone)
            .where(leads.c.tenant_id == tenant_id)
        )
        found = [mapping.lead_from(r) for r in await self._conn.execute(query)]
        return {lead.phone: lead for lead in found}

    async def add(self, lead: Lead) -> None:
        await insert_tenant_row(self._conn, leads, lead, mapping.lead_values(lead))

    async def save(self, lead: Lead) -> None:
        await update_versioned(
            self._conn,
            leads,
            lead,
            mapping.lead_values(lead),
            "lead",
            leads.c.tenant_id == lead.tenant_id,
        )

    async def upsert_many(self, batch: Sequence[Lead]) -> None:
        """COPY the batch into a scratch table, then one INSERT ... ON CONFLICT from it:
        an order of magnitude faster than row-by-row inserts for an import."""
        if not batch:
            return
        # One row per phone (the last one), as ON CONFLICT may not touch a row twice.
        batch = list({lead.phone: lead for lead in batch}.values())
        raw = await self._conn.get_raw_connection()
        driver: Any = raw.driver_connection
        async with self._answering(), driver.cursor() as cursor:
            await cursor.execute(_STAGING_TABLE)
            async with cursor.copy(_COPY_INTO_STAGING) as copy:
                for lead in batch:
                    await copy.write_row(_staged(lead))
            await cursor.execute(_UPSERT_FROM_STAGING)
            await cursor.execute("TRUNCATE lead_upserts")

    async def stage(self, rows: Sequence[StagedLead]) -> None:
        raw = await self._conn.get_raw_connection()
        driver: Any = raw.driver_connection
        async with self._answering(), driver.cursor() as cursor:
            await cursor.execute(_IMPORT_ROWS_TABLE)
            if not rows:
                return
            async with cursor.copy(_COPY_INTO_IMPORT_ROWS) as copy:
                for row in rows:
                    await copy.write_row(
                        (
                            row.row,
                            row.phone.e164,
                            row.phone.time_zone(),
                            row.name,
                            row.email.value if row.email else None,
                            row.timezone,
                            Jsonb(row.metadata),
                        )
                    )

    async def staged(self, tenant_id: TenantId) -> AsyncIterator[StagedNumber]:
        await self.stage([])  # the table exists though no row was staged
        query = _staged_query(tenant_id).execution_options(yield_per=_STAGED_BATCH)
        # A server-side cursor: its snapshot is taken now, so the import's own writes made
        # while it is read do not show, and the rows come a batch at a time.
        result = await self._conn.stream(query)
        try:
            rows: list[StagedLead] = []
            existing: Lead | None = None
            # A batch at a time: each step of the async iteration costs a greenlet switch.
            batches = aiter(result.partitions(_STAGED_BATCH))
            while True:
                async with self._answering():  # a FETCH of the cursor, beyond the events
                    batch = await anext(batches, None)
                if batch is None:
                    break
                for row in batch:
                    if rows and row.staged_phone != rows[0].phone.e164:
                        yield StagedNumber(tuple(rows), existing)
                        rows = []
                    if not rows:
                        existing = mapping.lead_from(row) if row.id is not None else None
                    rows.append(_staged_lead(row))
            if rows:
                yield StagedNumber(tuple(rows), existing)
        finally:
            async with self._answering():  # the cursor's CLOSE
                await result.close()

    async def remove(self, lead: Lead) -> None:
        await self._conn.execute(
            sa.update(voice_calls)
            .where(voice_calls.c.tenant_id == lead.tenant_id, voice_calls.c.lead_id == lead.id)
            .values(lead_id=None)
        )
        await self._conn.execute(
            sa.delete(leads).where(leads.c.tenant_id == lead.tenant_id, leads.c.id == lead.id)
        )

    async def list(self, tenant_id: TenantId, where: LeadFilter, page: PageRequest) -> list[Lead]:
        after, order = keyset(leads.c.created_at, leads.c.id, page, newest_first=True)
        query = (
            sa.select(leads)
            .where(leads.c.tenant_id == tenant_id, *_filters(where), *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.lead_from(r) for r in await self._conn.execute(query)]
