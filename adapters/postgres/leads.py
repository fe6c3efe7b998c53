"""PostgreSQL repository of the lead book."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.repositories import VersionedUpdate, insert_tenant_row, keyset
from adapters.postgres.tables import leads, voice_calls
from adapters.postgres.timeouts import driver_answering_within
from application.pagination import PageRequest
from application.ports.leads import LeadFilter, StagedLead, StagedMerge
from domain.ids import LeadId, TenantId
from domain.leads import Lead, LeadStatus
from domain.phones import PhoneNumber


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


_json = msgspec.json.Encoder().encode

# An import's valid rows, staged batch by batch while the file is read: private to the
# transaction, so nothing of a failed import stays anywhere.
_IMPORT_ROWS_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS lead_import_rows (file_row integer NOT NULL,"
    " phone text NOT NULL, phone_zone text, name text, email text, timezone text,"
    " metadata jsonb NOT NULL, id uuid NOT NULL) ON COMMIT DROP"
)
_COPY_INTO_IMPORT_ROWS = (
    "COPY lead_import_rows (file_row, phone, phone_zone, name, email, timezone, metadata, id)"
    " FROM STDIN"
)
# The staged rows into the lead book in one statement (the rules are LeadRepository's):
# - counted: the rows of each number. Most numbers have one row: it is the number's values
#   as it is; a number on several rows is combined from them in file order (the last
#   non-null of each value, metadata keys merged by jsonb_object_agg, which keeps the last
#   value of a key).
# - merged: each number beside the tenant's lead with it, the values it would have and
#   whether they change it.
# - written: new leads inserted, changed ones updated; a lead another transaction inserted
#   meanwhile is updated too. A statement in WITH runs to its end whether or not the query
#   reads it.
_MERGE_STAGED = sa.text("""
WITH counted AS MATERIALIZED (
    SELECT phone, count(*) AS rows FROM lead_import_rows GROUP BY phone
), numbers AS MATERIALIZED (
    SELECT r.phone, 1::bigint AS rows, r.file_row AS first_row, r.id, r.phone_zone, r.name,
        r.email, r.timezone, r.metadata
    FROM lead_import_rows r JOIN counted c ON c.phone = r.phone AND c.rows = 1
    UNION ALL
    SELECT r.phone, count(*), min(r.file_row), (array_agg(r.id ORDER BY r.file_row))[1],
        min(r.phone_zone),
        (array_agg(r.name ORDER BY r.file_row DESC) FILTER (WHERE r.name IS NOT NULL))[1],
        (array_agg(r.email ORDER BY r.file_row DESC) FILTER (WHERE r.email IS NOT NULL))[1],
        (array_agg(r.timezone ORDER BY r.file_row DESC)
            FILTER (WHERE r.timezone IS NOT NULL))[1],
        (SELECT coalesce(jsonb_object_agg(e.key, e.value ORDER BY m.n), '{}')
            FROM unnest(array_agg(r.metadata ORDER BY r.file_row)) WITH ORDINALITY m (doc, n),
                jsonb_each(m.doc) e)
    FROM lead_import_rows r JOIN counted c ON c.phone = r.phone AND c.rows > 1
    GROUP BY r.phone
), merged AS MATERIALIZED (
    SELECT n.phone, n.rows, n.first_row, n.id, l.id IS NULL AS new,
        coalesce(n.name, l.name) AS name,
        coalesce(n.email, l.email) AS email,
        CASE WHEN l.id IS NULL THEN coalesce(n.timezone, n.phone_zone)
            ELSE coalesce(n.timezone, l.timezone) END AS timezone,
        coalesce(l.metadata, '{}') || n.metadata AS metadata,
        l.id IS NOT NULL AND (
            coalesce(n.name, l.name) IS DISTINCT FROM l.name
            OR lower(coalesce(n.email, l.email)) IS DISTINCT FROM lower(l.email)
            OR coalesce(n.timezone, l.timezone) IS DISTINCT FROM l.timezone
            OR l.metadata || n.metadata <> l.metadata
        ) AS changed
    FROM numbers n LEFT JOIN leads l ON l.tenant_id = :tenant_id AND l.phone = n.phone
), written AS (
    INSERT INTO leads (id, tenant_id, phone, name, email, source, status, timezone,
        do_not_call, metadata, version, created_at, updated_at)
    SELECT id, :tenant_id, phone, name, email, :source, :status, timezone, false, metadata, 0,
        :at, :at
    FROM merged WHERE new OR changed
    ON CONFLICT (tenant_id, phone) DO UPDATE SET name = excluded.name,
        email = excluded.email, timezone = excluded.timezone, metadata = excluded.metadata,
        updated_at = excluded.updated_at, version = leads.version + 1
)
SELECT count(*) FILTER (WHERE new) AS created, count(*) FILTER (WHERE changed) AS updated,
    count(*) FILTER (WHERE NOT new AND NOT changed) AS unchanged,
    coalesce(sum(rows - 1), 0)::bigint AS duplicates
FROM merged
""")


# Built once: every call's first report reads and saves its lead.
_LEAD_BY_ID = Prebuilt(
    sa.select(leads).where(
        leads.c.tenant_id == sa.bindparam("tenant_id"), leads.c.id == sa.bindparam("lead_id")
    )
)
# Built once: every inbound call looks for its caller among the tenant's leads.
LEAD_BY_PHONE = Prebuilt(
    sa.select(leads).where(
        leads.c.tenant_id == sa.bindparam("tenant_id"), leads.c.phone == sa.bindparam("phone")
    )
)
_save_lead = VersionedUpdate(leads, mapping.LEAD_COLUMNS, scope=("tenant_id",))


class PostgresLeadRepository:
    def __init__(self, conn: AsyncConnection, answer_seconds: float) -> None:
        self._conn = conn
        # The unit of work's statement bound, for what goes to the driver directly (COPY):
        # SQLAlchemy's own statements are bounded by events.
        self._answer_seconds = answer_seconds

    def _answering(self) -> contextlib.AbstractAsyncContextManager[None]:
        return driver_answering_within(self._conn, self._answer_seconds)

    async def get(self, tenant_id: TenantId, lead_id: LeadId) -> Lead | None:
        found = await _LEAD_BY_ID.run(self._conn, {"tenant_id": tenant_id, "lead_id": lead_id})
        row = found.first()
        return mapping.lead_from_mapping(row) if row else None

    async def by_phone(self, tenant_id: TenantId, phone: PhoneNumber) -> Lead | None:
        values = {"tenant_id": tenant_id, "phone": phone.e164}
        row = (await LEAD_BY_PHONE.run(self._conn, values)).first()
        return mapping.lead_from_mapping(row) if row else None

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
        await _save_lead(
            self._conn, lead, mapping.lead_values(lead), "lead", tenant_id=lead.tenant_id
        )

    async def stage(self, rows: Sequence[StagedLead]) -> None:
        raw = await self._conn.get_raw_connection()
        driver: Any = raw.driver_connection
        async with self._answering(), driver.cursor() as cursor:
            await cursor.execute(_IMPORT_ROWS_TABLE)
            if not rows:
                return
            async with cursor.copy(_COPY_INTO_IMPORT_ROWS) as copy:
                for row in rows:
                    # COPY's text format: jsonb is read from JSON text, encoded here at once.
                    metadata = _json(row.metadata).decode()
                    await copy.write_row((*row[:6], metadata, row.id))

    async def merge_staged(self, tenant_id: TenantId, *, source: str, at: datetime) -> StagedMerge:
        await self.stage([])  # the table exists though no row was staged
        result = await self._conn.execute(
            _MERGE_STAGED,
            {"tenant_id": tenant_id, "source": source, "status": LeadStatus.NEW.value, "at": at},
        )
        counts = result.one()
        await self._conn.execute(sa.text("TRUNCATE lead_import_rows"))
        return StagedMerge(counts.created, counts.updated, counts.unchanged, counts.duplicates)

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
