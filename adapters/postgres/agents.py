"""PostgreSQL repositories of the voice-agent catalogue: voices, phone numbers, agents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.leads import LEAD_BY_PHONE
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.repositories import (
    entering,
    insert_tenant_row,
    keyset,
    update_versioned,
)
from adapters.postgres.tables import (
    phone_number_settling,
    phone_numbers,
    provider_credentials,
    voice_agents,
    voices,
)
from adapters.postgres.tenancy import TENANT_BY_ID
from application.pagination import PageRequest
from application.ports.agents import LineParties
from domain.agents import VoiceAgent
from domain.ids import AgentId, PhoneNumberId, TenantId, VoiceId
from domain.phones import NumberOwnership, NumberStatus, PhoneLine, PhoneNumber
from domain.voices import Voice

HELD_STATUSES = (NumberStatus.ACTIVE.value, NumberStatus.PROVISIONING.value)


def _page_of(
    table: sa.Table, tenant_id: TenantId, page: PageRequest, *where: sa.ColumnElement[bool]
) -> sa.Select[tuple[object, ...]]:
    after, order = keyset(table.c.created_at, table.c.id, page)
    return (
        sa.select(table)
        .where(table.c.tenant_id == tenant_id, *where, *after)
        .order_by(*order)
        .limit(page.limit + 1)
    )


def _one_of(
    table: sa.Table, tenant_id: TenantId | sa.BindParameter[Any], id_: object
) -> sa.Select[tuple[object, ...]]:
    return sa.select(table).where(table.c.tenant_id == tenant_id, table.c.id == id_)


# Built once: an inbound call reads its line, its agent and the agent's voice before it is
# answered, and Vapi waits for the answer.
_VOICE_BY_ID = Prebuilt(_one_of(voices, sa.bindparam("tenant_id"), sa.bindparam("id")))
_AGENT_BY_ID = Prebuilt(_one_of(voice_agents, sa.bindparam("tenant_id"), sa.bindparam("id")))
_VOICE_OF_AGENT = Prebuilt(
    sa.select(voices).where(
        voices.c.tenant_id == sa.bindparam("tenant_id"),
        voices.c.id
        == sa.select(voice_agents.c.voice_id)
        .where(
            voice_agents.c.tenant_id == sa.bindparam("tenant_id"),
            voice_agents.c.id == sa.bindparam("id"),
        )
        .scalar_subquery(),
    )
)
_ROUTED_LINE = sa.select(phone_numbers).where(
    phone_numbers.c.number == sa.bindparam("number"),
    phone_numbers.c.status == NumberStatus.ACTIVE.value,
)
_LINE_ROUTING = Prebuilt(_ROUTED_LINE)
# The called line, and the transaction moved into its tenant, in one statement.
ENTER_CALLED_LINE = Prebuilt(entering(_ROUTED_LINE.limit(1).subquery("routed")))


class PostgresVoiceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: TenantId, voice_id: VoiceId) -> Voice | None:
        found = await _VOICE_BY_ID.run(self._conn, {"tenant_id": tenant_id, "id": voice_id})
        row = found.first()
        return mapping.voice_from_mapping(row) if row else None

    async def add(self, voice: Voice) -> None:
        await insert_tenant_row(self._conn, voices, voice, mapping.voice_values(voice))

    async def save(self, voice: Voice) -> None:
        await update_versioned(
            self._conn,
            voices,
            voice,
            mapping.voice_values(voice),
            "voice",
            voices.c.tenant_id == voice.tenant_id,
        )

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[Voice]:
        where = [] if active is None else [voices.c.is_active.is_(active)]
        rows = await self._conn.execute(_page_of(voices, tenant_id, page, *where))
        return [mapping.voice_from(r) for r in rows]


class PostgresPhoneNumberRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: TenantId, number_id: PhoneNumberId) -> PhoneLine | None:
        row = (await self._conn.execute(_one_of(phone_numbers, tenant_id, number_id))).first()
        return mapping.phone_line_from(row) if row else None

    async def add(self, line: PhoneLine) -> None:
        await insert_tenant_row(self._conn, phone_numbers, line, mapping.phone_line_values(line))

    async def save(self, line: PhoneLine) -> None:
        await update_versioned(
            self._conn,
            phone_numbers,
            line,
            mapping.phone_line_values(line),
            "phone number",
            phone_numbers.c.tenant_id == line.tenant_id,
        )

    async def remove(self, line: PhoneLine) -> None:
        await self._conn.execute(
            sa.delete(phone_numbers).where(
                phone_numbers.c.tenant_id == line.tenant_id, phone_numbers.c.id == line.id
            )
        )

    async def list(
        self,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: NumberStatus | None = None,
        ownership: NumberOwnership | None = None,
    ) -> list[PhoneLine]:
        where = [] if status is None else [phone_numbers.c.status == status.value]
        if ownership is not None:
            where.append(phone_numbers.c.ownership == ownership.value)
        rows = await self._conn.execute(_page_of(phone_numbers, tenant_id, page, *where))
        return [mapping.phone_line_from(r) for r in rows]

    async def count_held(self, tenant_id: TenantId) -> int:
        query = sa.select(sa.func.count()).where(
            phone_numbers.c.tenant_id == tenant_id,
            phone_numbers.c.status.in_(HELD_STATUSES),
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> PhoneLine | None:
        query = sa.select(phone_numbers).where(
            phone_numbers.c.tenant_id == tenant_id, phone_numbers.c.idempotency_key == key
        )
        row = (await self._conn.execute(query)).first()
        return mapping.phone_line_from(row) if row else None

    async def claim_credential(self, tenant_id: TenantId, credential_id: str) -> bool:
        # Keyed by the credential alone: another tenant's claim, though out of sight, makes
        # this insert do nothing, and then the tenant holds none.
        await self._conn.execute(
            pg_insert(provider_credentials)
            .values(credential_id=credential_id, tenant_id=tenant_id)
            .on_conflict_do_nothing(index_elements=["credential_id"])
        )
        mine = sa.select(provider_credentials.c.credential_id).where(
            provider_credentials.c.tenant_id == tenant_id,
            provider_credentials.c.credential_id == credential_id,
        )
        return (await self._conn.execute(mine)).first() is not None

    async def settle_later(
        self, tenant_id: TenantId, number_id: PhoneNumberId, due_at: datetime
    ) -> None:
        await self._conn.execute(
            pg_insert(phone_number_settling)
            .values(tenant_id=tenant_id, number_id=number_id, due_at=due_at)
            .on_conflict_do_update(
                index_elements=["tenant_id", "number_id"], set_={"due_at": due_at}
            )
        )

    async def settled(self, tenant_id: TenantId, number_id: PhoneNumberId) -> None:
        await self._conn.execute(
            sa.delete(phone_number_settling).where(
                phone_number_settling.c.tenant_id == tenant_id,
                phone_number_settling.c.number_id == number_id,
            )
        )

    async def due_for_settling(
        self, now: datetime, limit: int
    ) -> Sequence[tuple[TenantId, PhoneNumberId]]:
        q = phone_number_settling
        rows = await self._conn.execute(
            sa.select(q.c.tenant_id, q.c.number_id)
            .where(q.c.due_at <= now)
            .order_by(q.c.due_at)
            .limit(limit)
        )
        return [(TenantId(t), PhoneNumberId(n)) for t, n in rows]

    async def routing(self, number: PhoneNumber) -> PhoneLine | None:
        row = (await _LINE_ROUTING.run(self._conn, {"number": number.e164})).first()
        return mapping.phone_line_from_mapping(row) if row else None

    async def routing_by_provider_id(self, provider_number_id: str) -> PhoneLine | None:
        query = (
            sa.select(phone_numbers)
            .where(
                phone_numbers.c.provider_number_id == provider_number_id,
                phone_numbers.c.status == NumberStatus.ACTIVE.value,
            )
            .limit(2)
        )
        rows = (await self._conn.execute(query)).all()
        return mapping.phone_line_from(rows[0]) if len(rows) == 1 else None

    async def stop_routing_to(self, tenant_id: TenantId, agent_id: AgentId) -> None:
        await self._conn.execute(
            sa.update(phone_numbers)
            .where(
                phone_numbers.c.tenant_id == tenant_id,
                phone_numbers.c.inbound_agent_id == agent_id,
            )
            .values(inbound_agent_id=None, version=phone_numbers.c.version + 1)
        )


class PostgresVoiceAgentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: TenantId, agent_id: AgentId) -> VoiceAgent | None:
        found = await _AGENT_BY_ID.run(self._conn, {"tenant_id": tenant_id, "id": agent_id})
        row = found.first()
        return mapping.agent_from_mapping(row) if row else None

    async def add(self, agent: VoiceAgent) -> None:
        await insert_tenant_row(self._conn, voice_agents, agent, mapping.agent_values(agent))

    async def save(self, agent: VoiceAgent) -> None:
        await update_versioned(
            self._conn,
            voice_agents,
            agent,
            mapping.agent_values(agent),
            "agent",
            voice_agents.c.tenant_id == agent.tenant_id,
        )

    async def remove(self, agent: VoiceAgent) -> None:
        await self._conn.execute(
            sa.delete(voice_agents).where(
                voice_agents.c.tenant_id == agent.tenant_id, voice_agents.c.id == agent.id
            )
        )

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[VoiceAgent]:
        where = [] if active is None else [voice_agents.c.is_active.is_(active)]
        rows = await self._conn.execute(_page_of(voice_agents, tenant_id, page, *where))
        return [mapping.agent_from(r) for r in rows]

    async def count_active(self, tenant_id: TenantId) -> int:
        query = sa.select(sa.func.count()).where(
            voice_agents.c.tenant_id == tenant_id, voice_agents.c.is_active
        )
        return int((await self._conn.execute(query)).scalar_one())


class _Parties:
    """The parties of a line read by one statement: each read (`Prebuilt`) a lateral
    subquery left-joined to one row, so that each finds what it finds on its own; their
    columns side by side, by position."""

    def __init__(self, reads: Sequence[tuple[str, Prebuilt]]) -> None:
        anchor = sa.select(sa.literal_column("1").label("one")).subquery("one")
        joined: sa.FromClause = anchor
        columns: list[sa.ColumnElement[Any]] = []
        self._spans: dict[str, tuple[int, tuple[str, ...]]] = {}
        for name, read in reads:
            part = cast(sa.Select[Any], read.statement).subquery(name[0]).lateral()
            joined = joined.outerjoin(part, sa.true())
            self._spans[name] = (len(columns), tuple(part.c.keys()))
            columns += part.c
        # Unlabelled: the columns are told apart by position. The text stays short enough for
        # psycopg to keep it parsed (statements over 4 kB are parsed again at each run).
        self.statement = Prebuilt(
            sa.select(*columns).select_from(joined).set_label_style(sa.LABEL_STYLE_NONE)
        )

    def part(self, row: Sequence[Any], name: str) -> dict[str, Any] | None:
        """`name`'s columns of `row` by column name; None where its read found nothing."""
        span = self._spans.get(name)
        if span is None:
            return None
        start, names = span
        found = dict(zip(names, row[start : start + len(names)], strict=True))
        return found if found["id"] is not None else None


# One statement of each shape a call can need: with or without an inbound agent (and its
# voice), with or without a caller to find as a lead.
_PARTIES = {
    (agent, caller): _Parties(
        [
            ("tenant", TENANT_BY_ID),
            *([("agent", _AGENT_BY_ID), ("voice", _VOICE_OF_AGENT)] if agent else []),
            *([("lead", LEAD_BY_PHONE)] if caller else []),
        ]
    )
    for agent in (False, True)
    for caller in (False, True)
}


async def line_parties(
    conn: AsyncConnection, line: PhoneLine, caller: PhoneNumber | None
) -> LineParties:
    """UnitOfWork.line_parties: one statement (the reads of the tenant, the agent, the
    agent's voice and the lead, each joined as a lateral subquery), one row."""
    parties = _PARTIES[(line.inbound_agent_id is not None, caller is not None)]
    values: dict[str, Any] = {"tenant_id": line.tenant_id}
    if line.inbound_agent_id is not None:
        values["id"] = line.inbound_agent_id
    if caller is not None:
        values["phone"] = caller.e164
    found = await parties.statement.run(conn, values)
    row = found.rows[0]
    tenant = parties.part(row, "tenant")
    agent = parties.part(row, "agent")
    voice = parties.part(row, "voice")
    lead = parties.part(row, "lead")
    return LineParties(
        mapping.tenant_from_mapping(tenant) if tenant else None,
        mapping.agent_from_mapping(agent) if agent else None,
        mapping.voice_from_mapping(voice) if voice else None,
        mapping.lead_from_mapping(lead) if lead else None,
    )
