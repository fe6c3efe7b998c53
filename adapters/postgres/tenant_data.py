"""A tenant's data as a whole, on PostgreSQL: every record of it read for its export, and all
of it deleted when it is purged. Both work in the tenant's row-level security context, one
short transaction per page or batch of rows."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa

from adapters.postgres.rls import POLICIES
from adapters.postgres.tables import (
    ai_usage,
    api_keys,
    audit_log,
    call_batch_items,
    call_batches,
    invitations,
    leads,
    memberships,
    metadata,
    phone_numbers,
    tenant_features,
    tenants,
    users,
    voice_agents,
    voice_calls,
    voices,
    webhook_endpoints,
)
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from domain.ids import TenantId
from domain.tenant_exports import ExportKind


@attrs.frozen
class _Source:
    """Where one kind of record is read from: a table (its key orders the pages), the columns
    left out (secrets), and extra columns joined in."""

    table: sa.Table
    omit: frozenset[str] = frozenset()
    extra: tuple[sa.ColumnElement[Any], ...] = ()
    join: Callable[[sa.Table], Any] | None = None


# Every kind an export holds, and its source: ExportKind lists the kinds, this says where
# each is read from (tests/e2e/test_tenant_leaving.py checks the two agree).
SOURCES: dict[ExportKind, _Source] = {
    ExportKind.TENANT: _Source(tenants),
    ExportKind.MEMBER: _Source(
        memberships,
        extra=(
            users.c.email.label("user_email"),
            users.c.first_name.label("user_first_name"),
            users.c.last_name.label("user_last_name"),
        ),
        join=lambda t: t.join(users, users.c.id == t.c.user_id),
    ),
    ExportKind.INVITATION: _Source(invitations, omit=frozenset({"secret_hash"})),
    ExportKind.API_KEY: _Source(api_keys, omit=frozenset({"secret_hash"})),
    ExportKind.FEATURE_OVERRIDE: _Source(tenant_features),
    ExportKind.VOICE: _Source(voices),
    ExportKind.PHONE_NUMBER: _Source(phone_numbers),
    ExportKind.AGENT: _Source(voice_agents),
    ExportKind.LEAD: _Source(leads),
    ExportKind.CALL: _Source(voice_calls),
    ExportKind.AI_USAGE: _Source(ai_usage),
    ExportKind.BATCH: _Source(call_batches),
    ExportKind.BATCH_ITEM: _Source(call_batch_items),
    ExportKind.WEBHOOK_ENDPOINT: _Source(
        webhook_endpoints, omit=frozenset({"secret", "previous_secret"})
    ),
    ExportKind.AUDIT: _Source(audit_log),
}


def jsonable(value: Any) -> Any:
    """A column's value as JSON holds it: ids and instants as strings, amounts as exact
    decimal strings, bytes in base64."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def _owned_by(table: sa.Table, tenant_id: TenantId) -> sa.ColumnElement[bool]:
    column = table.c.id if table is tenants else table.c.tenant_id
    return column == tenant_id


class PostgresTenantRecords:
    def __init__(self, uows: PostgresUnitOfWorkFactory, page_rows: int = 1_000) -> None:
        self._uows = uows
        self._page_rows = page_rows

    async def records(self, tenant_id: TenantId, kind: ExportKind) -> AsyncIterator[dict[str, Any]]:
        source = SOURCES[kind]
        table = source.table
        key = list(table.primary_key.columns)
        columns = [c for c in table.c if c.name not in source.omit]
        base = sa.select(*columns, *source.extra).select_from(
            source.join(table) if source.join else table
        )
        after: tuple[Any, ...] | None = None
        while True:
            query = base.where(_owned_by(table, tenant_id))
            if after is not None:
                query = query.where(sa.tuple_(*key) > sa.tuple_(*map(sa.literal, after)))
            query = query.order_by(*key).limit(self._page_rows)
            async with self._uows(tenant_id=tenant_id) as tx:
                rows = (await tx.connection.execute(query)).all()
            for row in rows:
                yield {name: jsonable(value) for name, value in row._mapping.items()}
            if len(rows) < self._page_rows:
                return
            last = rows[-1]._mapping
            after = tuple(last[c.name] for c in key)

    async def count(self, tenant_id: TenantId, kind: ExportKind) -> int:
        table = SOURCES[kind].table
        query = sa.select(sa.func.count()).select_from(table).where(_owned_by(table, tenant_id))
        async with self._uows(tenant_id=tenant_id) as tx:
            return int(await tx.connection.scalar(query) or 0)


# Children before the tables they reference, so that no delete cascades into a large one.
PURGE_ORDER = tuple(t.name for t in reversed(metadata.sorted_tables) if t.name in POLICIES)
# An export's chunks are about a MiB each: a few at a time.
_ROWS_PER_DELETE = {"tenant_export_chunks": 16}
# The links that close a cycle (a lead's last call, a number's inbound agent) are checked at
# commit: they are cut first, or deleting either side would be refused.
CYCLE_LINKS = tuple(
    (table.name, tuple(c.name for c in fk.columns if c.name != "tenant_id"))
    for table in metadata.sorted_tables
    if table.name in POLICIES
    for fk in table.foreign_key_constraints
    if fk.initially == "DEFERRED"
)


class PostgresTenantPurger:
    def __init__(self, uows: PostgresUnitOfWorkFactory) -> None:
        self._uows = uows

    async def due(self, now: dt.datetime, limit: int) -> list[TenantId]:
        query = (
            sa.select(tenants.c.id)
            .where(tenants.c.status == "closed", tenants.c.purge_after <= now)
            .order_by(tenants.c.purge_after)
            .limit(limit)
        )
        async with self._uows() as tx:
            return [TenantId(i) for i in (await tx.connection.scalars(query)).all()]

    async def delete_rows(self, tenant_id: TenantId, chunk_rows: int) -> dict[str, int]:
        # ctid: the rows' physical addresses, so a batch needs no key of the table's own.
        # Tables' and columns' names come from the metadata, never from input.
        for table, columns in CYCLE_LINKS:
            linked = " OR ".join(f"{c} IS NOT NULL" for c in columns)
            await self._in_batches(
                tenant_id,
                f"UPDATE {table} SET {', '.join(f'{c} = NULL' for c in columns)}"
                f" WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table}"
                f" WHERE tenant_id = :tenant_id AND ({linked}) LIMIT :limit))",
                chunk_rows,
            )
        deleted: dict[str, int] = {}
        for table in PURGE_ORDER:
            deleted[table] = await self._in_batches(
                tenant_id,
                f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
                f"SELECT ctid FROM {table} WHERE tenant_id = :tenant_id LIMIT :limit))",
                min(chunk_rows, _ROWS_PER_DELETE.get(table, chunk_rows)),
            )
        return deleted

    async def _in_batches(self, tenant_id: TenantId, sql: str, limit: int) -> int:
        """`sql` run until it touches fewer than `limit` rows, each run its own transaction;
        the rows it touched in all."""
        statement, done = sa.text(sql), 0
        while True:
            async with self._uows(tenant_id=tenant_id, bulk=True) as tx:
                result = await tx.connection.execute(
                    statement, {"tenant_id": tenant_id, "limit": limit}
                )
                await tx.commit()
            done += result.rowcount
            if result.rowcount < limit:
                return done
