"""PostgreSQL repositories of calls, the calls in flight, their AI usage and the webhook inbox."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningInsert

from adapters.postgres import mapping
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.repositories import (
    VersionedUpdate,
    entering,
    insert_rows,
    insert_tenant_row,
    keyset,
    keyset_bound,
    keyset_values,
    tenant_row,
)
from adapters.postgres.tables import (
    CONTENT_AGE,
    CONTENT_HELD,
    RECORDING_LINKS,
    ai_usage,
    live_calls,
    voice_calls,
    webhook_events,
)
from application.pagination import PageRequest
from application.ports.calls import (
    CallFilter,
    CallListItem,
    CallRoute,
    InboxEntry,
    InboxMessage,
    LiveCall,
    UsageGrouping,
    UsageQuery,
    UsageTotal,
)
from domain.calls import (
    AiUsage,
    CallDirection,
    CallStatus,
    ContentKind,
    UsageItem,
    UsageKind,
    VoiceCall,
)
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId

# Placements of every tenant queue on this lock (transaction-scoped) to count the calls on
# the line and add theirs atomically: the provider account's concurrency is shared.
_PLACEMENT_LOCK = 0x766F_6963_6531  # any constant unique to this purpose


# What a list shows of a call, in CallListItem's order: none of the large JSON columns
# (transcript, analysis, cost breakdown, the provider's record, the client's metadata).
_c = voice_calls.c
LIST_COLUMNS = (
    _c.id,
    _c.tenant_id,
    _c.direction,
    _c.status,
    _c.agent_id,
    _c.lead_id,
    _c.voice_id,
    _c.from_number_id,
    _c.to_number,
    _c.caller_number,
    _c.ended_reason,
    _c.error,
    _c.vapi_call_id,
    _c.cost,
    _c.call_duration,
    _c.batch_id,
    _c.started_at,
    _c.ended_at,
    _c.created_at,
    _c.updated_at,
)


_save_call = VersionedUpdate(voice_calls, mapping.CALL_COLUMNS, scope=("tenant_id",))
_CALLS_FOR_UPDATE = (
    sa.select(voice_calls)
    .where(
        voice_calls.c.tenant_id == sa.bindparam("tenant_id"),
        voice_calls.c.id == sa.any_(sa.bindparam("call_ids", type_=ARRAY(PG_UUID(as_uuid=True)))),
    )
    .order_by(voice_calls.c.id)
    .with_for_update()
)


def list_item(row: Sequence[Any]) -> CallListItem:
    (
        id_,
        tenant_id,
        direction,
        status,
        agent_id,
        lead_id,
        voice_id,
        from_number_id,
        to_number,
        caller_number,
        ended_reason,
        error,
        vapi_call_id,
        cost,
        call_duration,
        batch_id,
        started_at,
        ended_at,
        created_at,
        updated_at,
    ) = row
    return CallListItem(
        CallId(id_),
        TenantId(tenant_id),
        CallDirection(direction),
        CallStatus(status),
        AgentId(agent_id) if agent_id else None,
        LeadId(lead_id) if lead_id else None,
        VoiceId(voice_id) if voice_id else None,
        PhoneNumberId(from_number_id) if from_number_id else None,
        to_number,
        caller_number,
        ended_reason,
        error,
        vapi_call_id,
        cost,
        call_duration,
        batch_id,
        started_at,
        ended_at,
        created_at,
        updated_at,
    )


# A list's filters, each the column compared with a bind parameter of the filter's name.
_FILTERS: dict[str, sa.ColumnElement[bool]] = {
    "agent_id": _c.agent_id == sa.bindparam("agent_id"),
    "lead_id": _c.lead_id == sa.bindparam("lead_id"),
    "status": _c.status == sa.bindparam("status"),
    "batch_id": _c.batch_id == sa.bindparam("batch_id"),
    "direction": _c.direction == sa.bindparam("direction"),
    "created_from": _c.created_at >= sa.bindparam("created_from"),
    "created_before": _c.created_at < sa.bindparam("created_before"),
}


def _filter_values(where: CallFilter) -> dict[str, Any]:
    """The values of the filters `where` sets, by the name of their parameter."""
    values = {
        "agent_id": where.agent_id,
        "lead_id": where.lead_id,
        "status": where.status.value if where.status is not None else None,
        "batch_id": where.batch_id,
        "direction": where.direction.value if where.direction is not None else None,
        "created_from": where.created_from,
        "created_before": where.created_before,
    }
    return {name: value for name, value in values.items() if value is not None}


# The statements of the hot paths are built apart from running them, so that their plans
# can be checked (tests/integration/test_query_plans.py).


# Built once: the whole call, by its tenant and id (the API's most frequent read).
_CALL_BY_ID = sa.select(voice_calls).where(
    voice_calls.c.tenant_id == sa.bindparam("tenant_id"),
    voice_calls.c.id == sa.bindparam("call_id"),
)
CALL_BY_ID = Prebuilt(_CALL_BY_ID)


def call_by_id(tenant_id: TenantId, call_id: CallId) -> sa.Select[Any]:
    """CALL_BY_ID with its values in it (for EXPLAIN)."""
    return _CALL_BY_ID.params(tenant_id=tenant_id, call_id=call_id)


# Built once: every provider message locks its call.
_CALL_FOR_UPDATE = Prebuilt(
    sa.select(voice_calls)
    .where(
        voice_calls.c.tenant_id == sa.bindparam("tenant_id"),
        voice_calls.c.id == sa.bindparam("call_id"),
    )
    .with_for_update()
)


def page_of_calls(
    tenant_id: TenantId, where: CallFilter, page: PageRequest
) -> tuple[Prebuilt, dict[str, Any]]:
    """One page of the tenant's calls that match, newest first, as lists show them: the
    statement, built once for the filters given, and its values. Building and compiling a
    list's statement took longer than reading its page (60 µs, 110 µs for a lead's calls and
    its lead's existence, measured on the benchmark's machine)."""
    values = {"tenant_id": tenant_id, "limit": page.limit + 1}
    values |= _filter_values(where)
    values |= keyset_values(page)
    if where.number is not None:
        values["number"] = where.number.e164
    return _page_of_calls(frozenset(values)), values


def calls_page(tenant_id: TenantId, where: CallFilter, page: PageRequest) -> sa.Select[Any]:
    """`page_of_calls`' statement with its values in it (for EXPLAIN)."""
    statement, values = page_of_calls(tenant_id, where, page)
    return cast(sa.Select[Any], statement.statement).params(values)


# One statement per set of parameters a list gives, built when a list first gives it: at
# most 2**9 of them (seven filters, the page's mark, the number), a few kilobytes each.
@functools.cache
def _page_of_calls(parameters: frozenset[str]) -> Prebuilt:
    after, order = keyset_bound(
        _c.created_at, _c.id, after="after_id" in parameters, newest_first=True
    )
    matching = [
        _c.tenant_id == sa.bindparam("tenant_id"),
        *(clause for name, clause in _FILTERS.items() if name in parameters),
        *after,
    ]
    limit = sa.bindparam("limit", type_=sa.Integer)
    if "number" not in parameters:
        return Prebuilt(sa.select(*LIST_COLUMNS).where(*matching).order_by(*order).limit(limit))
    # Either side of the call: a page of each, read in the order of its own index
    # (ix_voice_calls_to_number, ix_voice_calls_caller_number), then the newest of both, so
    # a page reads at most two pages of rows however often the number called or was called
    # (an OR of both sides would read all its calls and sort them). A call to and from the
    # number is in the first only.
    number = sa.bindparam("number", type_=_c.to_number.type)
    sides = (
        _c.to_number == number,
        sa.and_(_c.caller_number == number, _c.to_number != number),
    )
    both = sa.union_all(
        *(
            sa.select(*LIST_COLUMNS).where(*matching, side).order_by(*order).limit(limit)
            for side in sides
        )
    )
    found = both.subquery("found")
    return Prebuilt(
        sa.select(*found.c).order_by(found.c.created_at.desc(), found.c.id.desc()).limit(limit)
    )


def call_route(route: CallRoute) -> sa.Select[Any] | None:
    """The tenant and id of the call a provider's message names; None when it names none."""
    named = []
    if route.call_id is not None:
        named.append(voice_calls.c.id == route.call_id)
    if route.provider_call_id is not None:
        named.append(voice_calls.c.vapi_call_id == route.provider_call_id)
    if not named:
        return None
    # Our id first: it is in the call's name from the moment it is placed.
    return (
        sa.select(voice_calls.c.tenant_id, voice_calls.c.id)
        .where(sa.or_(*named))
        .order_by((voice_calls.c.id == route.call_id).desc() if route.call_id else voice_calls.c.id)
        .limit(1)
    )


def _entering(where: sa.ColumnElement[bool], first: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The call a route names, read as the routing role, and the context moved into its
    tenant by the same statement."""
    return entering(
        sa.select(voice_calls.c.tenant_id, voice_calls.c.id)
        .where(where)
        .order_by(first)
        .limit(1)
        .subquery("routed")
    )


_BY_OUR_ID = voice_calls.c.id == sa.bindparam("call_id")
_BY_PROVIDER_ID = voice_calls.c.vapi_call_id == sa.bindparam("provider_call_id")
# Built once: a message arrives for every change of every call, and building the statement
# (its subquery's columns) cost more than running it.
_ENTER_BY_OUR_ID = Prebuilt(_entering(_BY_OUR_ID, voice_calls.c.id))
_ENTER_BY_PROVIDER_ID = Prebuilt(_entering(_BY_PROVIDER_ID, voice_calls.c.id))
# Our id first: it is in the call's name from the moment it is placed.
_ENTER_BY_EITHER = Prebuilt(_entering(sa.or_(_BY_OUR_ID, _BY_PROVIDER_ID), _BY_OUR_ID.desc()))


def entering_routed_call(route: CallRoute) -> tuple[Prebuilt, dict[str, Any]] | None:
    """The statement (and its values) that finds the call a provider's message names and
    enters its tenant; None when the message names no call."""
    values = {"call_id": route.call_id, "provider_call_id": route.provider_call_id}
    if route.call_id is not None and route.provider_call_id is not None:
        return _ENTER_BY_EITHER, values
    if route.call_id is not None:
        return _ENTER_BY_OUR_ID, {"call_id": route.call_id}
    if route.provider_call_id is not None:
        return _ENTER_BY_PROVIDER_ID, {"provider_call_id": route.provider_call_id}
    return None


# Built once: every placement and every answered call checks the month's minutes.
_SECONDS_SINCE = Prebuilt(
    sa.select(sa.func.coalesce(sa.func.sum(voice_calls.c.call_duration), 0)).where(
        voice_calls.c.tenant_id == sa.bindparam("tenant_id"),
        voice_calls.c.created_at >= sa.bindparam("since"),
    )
)


class PostgresCallRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, call: VoiceCall) -> None:
        await insert_tenant_row(self._conn, voice_calls, call, mapping.call_values(call))

    async def add_many(self, calls: Sequence[VoiceCall]) -> None:
        await insert_rows(
            self._conn, voice_calls, [tenant_row(c, mapping.call_values(c)) for c in calls]
        )

    async def _one(self, query: sa.Select[Any]) -> VoiceCall | None:
        row = (await self._conn.execute(query)).first()
        return mapping.call_from(row) if row else None

    async def get(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        found = await CALL_BY_ID.run(self._conn, {"tenant_id": tenant_id, "call_id": call_id})
        row = found.first()
        return mapping.call_from_mapping(row) if row else None

    async def get_for_update(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        found = await _CALL_FOR_UPDATE.run(self._conn, {"tenant_id": tenant_id, "call_id": call_id})
        row = found.first()
        return mapping.call_from_mapping(row) if row else None

    async def get_many_for_update(
        self, tenant_id: TenantId, call_ids: Sequence[CallId]
    ) -> list[VoiceCall]:
        if not call_ids:
            return []
        parameters = {"tenant_id": tenant_id, "call_ids": list(call_ids)}
        rows = await self._conn.execute(_CALLS_FOR_UPDATE, parameters)
        return [mapping.call_from(row) for row in rows]

    async def save(self, call: VoiceCall) -> None:
        await _save_call(
            self._conn, call, mapping.call_values(call), "call", tenant_id=call.tenant_id
        )

    async def save_many(self, calls: Sequence[VoiceCall]) -> None:
        await _save_call.many(
            self._conn,
            [(c, mapping.call_values(c), {"tenant_id": c.tenant_id}) for c in calls],
            "call",
        )

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> VoiceCall | None:
        return await self._one(
            sa.select(voice_calls).where(
                voice_calls.c.tenant_id == tenant_id, voice_calls.c.idempotency_key == key
            )
        )

    async def of_lead(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem]:
        return await self.list(tenant_id, CallFilter(lead_id=lead_id), page)

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool:
        query = sa.select(
            sa.exists().where(
                voice_calls.c.tenant_id == tenant_id, voice_calls.c.agent_id == agent_id
            )
        )
        return bool((await self._conn.execute(query)).scalar_one())

    async def seconds_since(self, tenant_id: TenantId, since: datetime) -> int:
        found = await _SECONDS_SINCE.run(self._conn, {"tenant_id": tenant_id, "since": since})
        return int(found.rows[0][0])

    async def average_talk_since(self, tenant_id: TenantId, since: datetime) -> float | None:
        c = voice_calls.c
        query = sa.select(sa.func.avg(c.call_duration)).where(
            c.tenant_id == tenant_id, c.created_at >= since, c.call_duration > 0
        )
        average = (await self._conn.execute(query)).scalar_one()
        return None if average is None else float(average)

    async def route(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        query = call_route(route)
        if query is None:
            return None
        row = (await self._conn.execute(query)).first()
        return (TenantId(row.tenant_id), CallId(row.id)) if row else None

    async def list(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        statement, values = page_of_calls(tenant_id, where, page)
        found = await statement.run(self._conn, values)
        return [list_item(row) for row in found.rows]

    async def purge_expired(
        self,
        tenant_id: TenantId,
        kind: ContentKind,
        ended_before: datetime,
        at: datetime,
        limit: int,
    ) -> int:
        result = await self._conn.execute(content_purge(tenant_id, kind, ended_before, at, limit))
        return int(result.rowcount)

    async def stop_storing_content(self, tenant_id: TenantId, at: datetime) -> int:
        c = voice_calls.c
        result = await self._conn.execute(
            sa.update(voice_calls)
            .where(c.tenant_id == tenant_id, c.status.not_in(_FINISHED), c.content_stored)
            .values(
                content_stored=False,
                updated_at=sa.func.greatest(c.updated_at, at),
                version=c.version + 1,
            )
        )
        return int(result.rowcount)

    async def of_person(
        self, tenant_id: TenantId, lead_id: LeadId, number: str
    ) -> builtins.list[VoiceCall]:
        c = voice_calls.c
        query = (
            sa.select(voice_calls)
            .where(
                c.tenant_id == tenant_id,
                sa.or_(c.lead_id == lead_id, c.to_number == number, c.caller_number == number),
            )
            .order_by(c.id)
            .with_for_update()
        )
        return [mapping.call_from(r) for r in await self._conn.execute(query)]


_FINISHED = (CallStatus.ENDED.value, CallStatus.FAILED.value)
_UUIDS = ARRAY(PG_UUID(as_uuid=True))
_TOP_LINKS = f"{RECORDING_LINKS[:-1]}, 'recordings']"
# Each kind's deletion in SQL, as VoiceCall.purge does it (domain.calls).
_PURGED: dict[ContentKind, dict[str, Any]] = {
    ContentKind.TRANSCRIPT: {
        "transcription": None,
        "summary": None,
        "analysis": None,
        "artifacts": sa.literal_column(
            "CASE WHEN artifacts ? 'recordings'"
            " THEN jsonb_build_object('recordings', artifacts -> 'recordings') END"
        ),
    },
    ContentKind.RECORDING: {
        "recording_url": None,
        "artifacts": sa.literal_column("NULLIF(artifacts - 'recordings', '{}'::jsonb)"),
        "vapi_data": sa.literal_column(
            "CASE WHEN jsonb_typeof(vapi_data -> 'artifact') = 'object'"
            f" THEN jsonb_set(vapi_data - {_TOP_LINKS}, '{{artifact}}',"
            f" (vapi_data -> 'artifact') - {RECORDING_LINKS})"
            f" ELSE vapi_data - {_TOP_LINKS} END"
        ),
    },
    ContentKind.PROVIDER_RECORD: {"vapi_data": sa.literal_column("'{}'::jsonb")},
}


def content_purge(
    tenant_id: TenantId, kind: ContentKind, ended_before: datetime, at: datetime, limit: int
) -> sa.Update:
    """Delete `kind` from at most `limit` of the tenant's finished calls holding it that
    ended before `ended_before`, oldest first (read in order from the kind's partial index,
    those locked skipped)."""
    c = voice_calls.c
    due = (
        sa.select(c.id)
        .where(
            c.tenant_id == tenant_id,
            sa.text(f"({CONTENT_HELD[kind.value]})"),
            ended_before > CONTENT_AGE,
            sa.or_(*(c.status == status for status in _FINISHED)),
        )
        # Oldest first: the kind's index gives them in that order, and reads no further.
        .order_by(CONTENT_AGE)
        .limit(limit)
        .with_for_update(skip_locked=True)
        # Materialized: run once, so the limit holds (inlined, a rescan could take more).
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    # The due ids as one array, matched by the primary key: a join with the CTE could be
    # planned as a scan of the table per due call when its statistics are stale (after a
    # bulk load), past the statement's bound.
    due_ids = sa.select(sa.func.array_agg(due.c.id)).scalar_subquery()
    return (
        sa.update(voice_calls)
        .where(c.tenant_id == tenant_id, c.id == sa.any_(sa.cast(due_ids, _UUIDS)))
        .values(
            **_PURGED[kind],
            purged_content=sa.case(
                (sa.literal(kind.value) == sa.func.any(c.purged_content), c.purged_content),
                else_=sa.func.array_append(c.purged_content, kind.value),
            ),
            content_purged_at=at,
            updated_at=sa.func.greatest(c.updated_at, at),
            version=c.version + 1,
        )
    )


# Built once: a hold builds no statement and no cache key.
_HOLD = Prebuilt(
    pg_insert(live_calls)
    .values({name: sa.bindparam(name) for name in ("call_id", "tenant_id", "on_line", "check_at")})
    .on_conflict_do_nothing(index_elements=["call_id"])
)
# Built once, as every placement and every answered call runs them.
_LOCK_LINES = Prebuilt(sa.select(sa.func.pg_advisory_xact_lock(_PLACEMENT_LOCK)))
_ON_LINE = Prebuilt(sa.select(sa.func.count()).select_from(live_calls).where(live_calls.c.on_line))
_ON_LINE_WITH_TENANT = Prebuilt(
    sa.select(
        sa.func.count(),
        sa.func.count().filter(live_calls.c.tenant_id == sa.bindparam("tenant_id")),
    )
    .select_from(live_calls)
    .where(live_calls.c.on_line)
)
_LOCK_AND_COUNT = Prebuilt(
    sa.text("SELECT everyone, theirs FROM lock_lines_and_count(:lock_key, :tenant_id)").bindparams(
        sa.bindparam("lock_key", _PLACEMENT_LOCK, type_=sa.BigInteger),
        sa.bindparam("tenant_id", type_=sa.Uuid),
    )
)
_TENANT_ON_LINE = Prebuilt(
    sa.select(sa.func.count())
    .select_from(live_calls)
    .where(live_calls.c.on_line, live_calls.c.tenant_id == sa.bindparam("tenant_id"))
)


def _held(live: LiveCall) -> dict[str, Any]:
    return {
        "call_id": live.call_id,
        "tenant_id": live.tenant_id,
        "on_line": live.on_line,
        "check_at": live.check_at,
    }


# Built once: a call's end and its report each move it in the registry.
_LIVE_CALL = (
    live_calls.c.tenant_id == sa.bindparam("tenant_id"),
    live_calls.c.call_id == sa.bindparam("call_id"),
)
_HANG_UP = Prebuilt(
    sa.update(live_calls)
    .where(*_LIVE_CALL)
    .values(
        on_line=False,
        check_at=sa.func.least(live_calls.c.check_at, sa.bindparam("check_at")),
        updated_at=sa.func.now(),
    )
)
_RELEASE = Prebuilt(sa.delete(live_calls).where(*_LIVE_CALL))
_POSTPONE = Prebuilt(
    sa.update(live_calls)
    .where(*_LIVE_CALL)
    .values(check_at=sa.bindparam("check_at"), updated_at=sa.func.now())
)


class PostgresLiveCallRegistry:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def lock(self) -> None:
        await _LOCK_LINES.run(self._conn, {})

    async def hold(self, live: LiveCall) -> None:
        await _HOLD.run(self._conn, _held(live))

    async def hold_many(self, lives: Sequence[LiveCall]) -> None:
        if lives:
            await _HOLD.executemany(self._conn, [_held(live) for live in lives])

    async def hang_up(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        await _HANG_UP.run(
            self._conn, {"tenant_id": tenant_id, "call_id": call_id, "check_at": check_at}
        )

    async def release(self, tenant_id: TenantId, call_id: CallId) -> None:
        await _RELEASE.run(self._conn, {"tenant_id": tenant_id, "call_id": call_id})

    async def postpone(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        await _POSTPONE.run(
            self._conn, {"tenant_id": tenant_id, "call_id": call_id, "check_at": check_at}
        )

    async def count(self, tenant_id: TenantId | None = None) -> int:
        if tenant_id is None:
            found = await _ON_LINE.run(self._conn, {})
        else:
            found = await _TENANT_ON_LINE.run(self._conn, {"tenant_id": tenant_id})
        return int(found.rows[0][0])

    async def on_line(self, tenant_id: TenantId) -> tuple[int, int]:
        found = await _ON_LINE_WITH_TENANT.run(self._conn, {"tenant_id": tenant_id})
        everyone, theirs = found.rows[0]
        return int(everyone), int(theirs)

    async def lock_and_count(self, tenant_id: TenantId) -> tuple[int, int]:
        # One statement: the function counts with a snapshot taken once the lock is held
        # (migration 0018); a plain statement's would be taken before the lock's wait.
        found = await _LOCK_AND_COUNT.run(self._conn, {"tenant_id": tenant_id})
        everyone, theirs = found.rows[0]
        return int(everyone), int(theirs)

    async def due(self, at: datetime, limit: int, after: LiveCall | None = None) -> list[LiveCall]:
        # ix_live_calls_check_at serves both bounds; the row comparison only breaks ties.
        query = (
            sa.select(live_calls)
            .where(live_calls.c.check_at <= at)
            .order_by(live_calls.c.check_at, live_calls.c.call_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                live_calls.c.check_at >= after.check_at,
                sa.tuple_(live_calls.c.check_at, live_calls.c.call_id)
                > sa.tuple_(after.check_at, after.call_id),
            )
        return [
            LiveCall(CallId(r.call_id), TenantId(r.tenant_id), r.check_at, r.on_line)
            for r in await self._conn.execute(query)
        ]

    async def in_flight(self, after: CallId | None, limit: int) -> list[LiveCall]:
        query = sa.select(live_calls).order_by(live_calls.c.call_id).limit(limit)
        if after is not None:
            query = query.where(live_calls.c.call_id > after)
        return [
            LiveCall(CallId(r.call_id), TenantId(r.tenant_id), r.check_at, r.on_line)
            for r in await self._conn.execute(query)
        ]


def _usage_values(row: AiUsage) -> dict[str, Any]:
    item = row.item
    return {
        "id": row.id,
        "tenant_id": row.tenant_id,
        "call_id": row.call_id,
        "kind": item.kind.value,
        "item_type": item.item_type,
        "provider": item.provider,
        "model": item.model,
        "prompt_tokens": item.prompt_tokens,
        "completion_tokens": item.completion_tokens,
        "characters": item.characters,
        "seconds": item.seconds,
        "cached_prompt_tokens": item.cached_prompt_tokens,
        "reasoning_tokens": item.reasoning_tokens,
        "prompt_audio_tokens": item.prompt_audio_tokens,
        "completion_audio_tokens": item.completion_audio_tokens,
        "minutes": item.minutes,
        "cost": item.cost,
        "occurred_at": row.occurred_at,
        "created_at": row.occurred_at,
        "updated_at": row.occurred_at,
    }


def _usage_from(r: Any) -> AiUsage:
    return AiUsage(
        id=r.id,
        tenant_id=TenantId(r.tenant_id),
        call_id=CallId(r.call_id),
        item=UsageItem(
            kind=UsageKind(r.kind),
            cost=r.cost,
            item_type=r.item_type,
            provider=r.provider,
            model=r.model,
            prompt_tokens=r.prompt_tokens,
            completion_tokens=r.completion_tokens,
            characters=r.characters,
            seconds=r.seconds,
            cached_prompt_tokens=r.cached_prompt_tokens,
            reasoning_tokens=r.reasoning_tokens,
            prompt_audio_tokens=r.prompt_audio_tokens,
            completion_audio_tokens=r.completion_audio_tokens,
            minutes=r.minutes,
        ),
        occurred_at=r.occurred_at,
    )


# Built once: every call's first report writes its usage (the columns _usage_values sets).
_USAGE_COLUMNS = (
    "id", "tenant_id", "call_id", "kind", "item_type", "provider", "model", "prompt_tokens",
    "completion_tokens", "characters", "seconds", "cached_prompt_tokens", "reasoning_tokens",
    "prompt_audio_tokens", "completion_audio_tokens", "minutes", "cost", "occurred_at",
    "created_at", "updated_at",
)  # fmt: skip
_ADD_USAGE = Prebuilt(
    sa.insert(ai_usage).values({name: sa.bindparam(name) for name in _USAGE_COLUMNS})
)


class PostgresAiUsageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, rows: Sequence[AiUsage]) -> None:
        if rows:
            await _ADD_USAGE.executemany(self._conn, [_usage_values(r) for r in rows])

    async def of_call(self, tenant_id: TenantId, call_id: CallId) -> list[AiUsage]:
        query = (
            sa.select(ai_usage)
            .where(ai_usage.c.tenant_id == tenant_id, ai_usage.c.call_id == call_id)
            .order_by(ai_usage.c.id)
        )
        return [_usage_from(r) for r in await self._conn.execute(query)]

    async def totals(self, tenant_id: TenantId, query: UsageQuery) -> list[UsageTotal]:
        c = voice_calls.c
        cost_of_call = (
            sa.select(ai_usage.c.call_id, sa.func.sum(ai_usage.c.cost).label("cost"))
            .where(ai_usage.c.tenant_id == tenant_id)
            .group_by(ai_usage.c.call_id)
            .subquery()
        )
        period = sa.func.date_trunc(query.period.value, c.created_at, "UTC").label("period_start")
        group: list[Any] = [period]
        if query.by is UsageGrouping.AGENT:
            group.append(c.agent_id)
        elif query.by is UsageGrouping.BATCH:
            group.append(c.batch_id)
        select = (
            sa.select(
                *group,
                sa.func.count().label("calls"),
                sa.func.coalesce(sa.func.sum(c.call_duration), 0).label("seconds"),
                sa.func.coalesce(sa.func.sum(cost_of_call.c.cost), 0).label("cost"),
            )
            .select_from(voice_calls.outerjoin(cost_of_call, cost_of_call.c.call_id == c.id))
            .where(
                c.tenant_id == tenant_id,
                c.created_at >= query.start,
                c.created_at < query.end,
            )
            .group_by(*group)
            .order_by(*(sa.nulls_last(g.asc()) for g in group))
        )
        return [
            UsageTotal(
                period_start=r.period_start,
                calls=r.calls,
                seconds=int(r.seconds),
                cost=Decimal(r.cost),
                agent_id=AgentId(r.agent_id)
                if query.by is UsageGrouping.AGENT and r.agent_id
                else None,
                batch_id=r.batch_id if query.by is UsageGrouping.BATCH else None,
            )
            for r in await self._conn.execute(select)
        ]


# Built once: a message's insert builds no statement and no cache key (every webhook stores
# one); its values are bound at execution.
_INBOX_INSERT = Prebuilt(
    pg_insert(webhook_events)
    .values(
        {
            **{
                name: sa.bindparam(name)
                for name in (
                    "id", "provider", "dedupe_key", "type", "vapi_call_id", "tenant_id",
                    "payload", "received_at", "processed_at", "error",
                )
            },
            "created_at": sa.bindparam("received_at"),
            "updated_at": sa.bindparam("received_at"),
        }
    )
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(webhook_events.c.id)
)  # fmt: skip


def _storing_and_locking() -> sa.Select[Any]:
    """A provider message stored (as `_INBOX_INSERT`) and its call read locked (as
    `_CALL_FOR_UPDATE`, the call in the message's tenant) by one statement: one round trip
    where a message took two. One row always: `inbox_stored` (1, or 0 for a message seen
    before) and the call's columns (all null when there is no such call, or the message was
    seen before: then nothing is locked)."""
    stored = _INBOX_INSERT.statement.cte("stored")  # type: ignore[attr-defined]
    locked = (
        sa.select(voice_calls)
        .where(
            voice_calls.c.tenant_id == sa.bindparam("tenant_id"),
            voice_calls.c.id == sa.bindparam("call_id"),
            sa.exists(sa.select(stored.c.id)),  # a repeat waits for no lock
        )
        .with_for_update()
        .cte("locked")
    )
    counted = sa.select(sa.func.count()).select_from(stored).scalar_subquery()
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    return sa.select(counted.label("inbox_stored"), *locked.c).select_from(
        one.outerjoin(locked, sa.true())
    )


def inbox_values(message: InboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "provider": message.provider,
        "dedupe_key": message.dedupe_key,
        "type": message.type,
        "vapi_call_id": message.provider_call_id,
        "tenant_id": message.tenant_id,
        "payload": message.payload,
        "received_at": message.received_at,
        "processed_at": message.processed_at,
        "error": message.error,
    }


# Built once: every provider message about a call of ours runs it.
_STORE_AND_LOCK = Prebuilt(_storing_and_locking())


def storing_and_locking(message: InboxMessage, call_id: CallId) -> sa.Select[Any]:
    """The statement `store_and_lock_call` runs, with its values in it (for EXPLAIN)."""
    return _storing_and_locking().params(**inbox_values(message), call_id=call_id)


async def store_and_lock_call(
    conn: AsyncConnection, message: InboxMessage, call_id: CallId
) -> tuple[bool, VoiceCall | None]:
    """UnitOfWork.store_and_lock_call on PostgreSQL."""
    found = await _STORE_AND_LOCK.run(conn, {**inbox_values(message), "call_id": call_id})
    row = found.first()
    assert row is not None  # the statement yields one row whatever it finds
    stored = bool(row.pop("inbox_stored"))
    return stored, mapping.call_from_mapping(row) if row["id"] is not None else None


def inbox_insert(message: InboxMessage) -> ReturningInsert[Any]:
    """The statement `add` runs for `message`, with its values in it (for EXPLAIN): store it
    unless one with its dedupe key is stored; returns its id if stored."""
    values = inbox_values(message)
    return _INBOX_INSERT.statement.values(  # type: ignore[attr-defined, no-any-return]
        {**values, "created_at": values["received_at"], "updated_at": values["received_at"]}
    )


class PostgresWebhookInbox:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def purge(
        self,
        tenant_id: TenantId | None,
        *,
        settled_before: datetime,
        failed_before: datetime,
        limit: int,
    ) -> int:
        due = (
            sa.select(_w.id)
            .where(
                _inbox_scope(tenant_id),
                _w.received_at < settled_before,
                sa.or_(_w.processed_at.is_not(None), _w.received_at < failed_before),
            )
            .limit(limit)
        )
        result = await self._conn.execute(sa.delete(webhook_events).where(_w.id.in_(due)))
        return int(result.rowcount)

    async def remove_mentioning(
        self, tenant_id: TenantId, provider_call_ids: Sequence[str], texts: Sequence[str]
    ) -> int:
        payload = sa.cast(_w.payload, sa.Text)
        result = await self._conn.execute(
            sa.delete(webhook_events).where(
                _w.tenant_id == tenant_id,
                sa.or_(
                    _w.vapi_call_id.in_(provider_call_ids),
                    *(payload.contains(text, autoescape=True) for text in texts),
                ),
            )
        )
        return int(result.rowcount)

    async def add(self, message: InboxMessage) -> bool:
        stored = await _INBOX_INSERT.run(self._conn, inbox_values(message))
        return bool(stored.rows)

    async def recent(
        self,
        tenant_id: TenantId | None,
        page: PageRequest,
        *,
        failed: bool = False,
        since: datetime | None = None,
    ) -> list[InboxEntry]:
        after, order = keyset(_w.received_at, _w.id, page, newest_first=True)
        where = [_inbox_scope(tenant_id), *after]
        if failed:
            where += [_w.processed_at.is_(None), _w.error.is_not(None)]
        if since is not None:
            where.append(_w.received_at >= since)
        query = sa.select(*_ENTRY_COLUMNS).where(*where).order_by(*order).limit(page.limit + 1)
        return [
            InboxEntry(
                r.id,
                r.provider,
                r.dedupe_key,
                r.type,
                r.received_at,
                r.vapi_call_id,
                TenantId(r.tenant_id) if r.tenant_id else None,
                r.processed_at,
                r.error,
            )
            for r in await self._conn.execute(query)
        ]

    async def get(self, tenant_id: TenantId | None, message_id: UUID) -> InboxMessage | None:
        query = sa.select(webhook_events).where(_inbox_scope(tenant_id), _w.id == message_id)
        row = (await self._conn.execute(query)).first()
        return _inbox_message(row) if row else None

    async def get_for_update(
        self, tenant_id: TenantId | None, message_id: UUID
    ) -> InboxMessage | None:
        query = (
            sa.select(webhook_events)
            .where(_inbox_scope(tenant_id), _w.id == message_id)
            .with_for_update()
        )
        row = (await self._conn.execute(query)).first()
        return _inbox_message(row) if row else None

    async def save(self, message: InboxMessage) -> None:
        await self._conn.execute(
            sa.update(webhook_events)
            .where(_inbox_scope(message.tenant_id), _w.id == message.id)
            .values(
                processed_at=message.processed_at, error=message.error, updated_at=sa.func.now()
            )
        )

    async def remove(self, message: InboxMessage) -> None:
        await self._conn.execute(
            sa.delete(webhook_events).where(_inbox_scope(message.tenant_id), _w.id == message.id)
        )

    async def list(self, tenant_id: TenantId | None, page: PageRequest) -> list[InboxMessage]:
        after, order = keyset(_w.received_at, _w.id, page)
        query = (
            sa.select(webhook_events)
            .where(_inbox_scope(tenant_id), *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [_inbox_message(r) for r in await self._conn.execute(query)]


_w = webhook_events.c
# What a list shows of a message: everything but its payload.
_ENTRY_COLUMNS = (
    _w.id,
    _w.provider,
    _w.dedupe_key,
    _w.type,
    _w.received_at,
    _w.vapi_call_id,
    _w.tenant_id,
    _w.processed_at,
    _w.error,
)


def _inbox_scope(tenant_id: TenantId | None) -> sa.ColumnElement[bool]:
    """The tenant's messages, or those of no tenant (as row-level security shows them too)."""
    return _w.tenant_id.is_(None) if tenant_id is None else _w.tenant_id == tenant_id


def _inbox_message(r: Any) -> InboxMessage:
    return InboxMessage(
        id=r.id,
        provider=r.provider,
        dedupe_key=r.dedupe_key,
        type=r.type,
        payload=r.payload,
        received_at=r.received_at,
        provider_call_id=r.vapi_call_id,
        tenant_id=TenantId(r.tenant_id) if r.tenant_id else None,
        processed_at=r.processed_at,
        error=r.error,
    )
