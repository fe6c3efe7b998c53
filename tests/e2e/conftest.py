"""The aiohttp app through the real container, on the test PostgreSQL database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.email import RecordingMailer
from adapters.postgres.tables import metadata
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.ids import AgentId, CallId, EventId, LeadId, TenantId
from domain.webhooks import EventType, OutboundEvent
from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.helpers import Builder, OffsetClock
from tests.support import Api

pytestmark = pytest.mark.postgres

AiohttpClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def server_clock() -> OffsetClock:
    """The clock the app runs on: real time, moved forward by a test to expire credentials."""
    return OffsetClock()


@pytest.fixture
def pg_container(pg_container: Container, server_clock: OffsetClock) -> Container:
    """The real container on the test database, with the test's clock."""
    pg_container.clock.override(providers.Object(server_clock))
    return pg_container


@pytest.fixture
async def api(pg_container: Container, aiohttp_client: AiohttpClient) -> Api:
    """An anonymous client; `admin` or `.as_(token)` for authenticated ones."""
    client = await aiohttp_client(create_app(pg_container.use_cases(), max_body_bytes=64 * 1024))
    return Api(client, None)


@pytest.fixture
async def admin_token(pg_container: Container) -> str:
    from domain.values import Email

    issued = await pg_container.bootstrap().create_platform_admin(
        Email.parse("root@platform.example")
    )
    return issued.token


@pytest.fixture
def admin(api: Api, admin_token: str) -> Api:
    return api.as_(admin_token)


@pytest.fixture
async def admin_id(admin: Api) -> str:
    status, me = await admin.get("/v1/me")
    assert status == 200, me
    return str(me["user"]["id"])


@pytest.fixture
def build(admin: Api, pg_container: Container) -> Builder:
    """Users with tokens, tenants, members and API keys, arranged through the API."""
    mailer = pg_container.mailer()
    if not isinstance(mailer, RecordingMailer):
        return Builder(admin)
    return Builder(admin, lambda address: mailer.to(address)[-1].body)


Rows = Callable[[], Awaitable[dict[str, Any]]]

# Every row of every table in one round trip, as JSON; credentials' `last_used_at` is left
# out, as authenticating a request moves it.
_ALL_ROWS = sa.text(
    "SELECT jsonb_build_object("
    + ", ".join(
        f"'{t.name}', (SELECT coalesce(jsonb_agg(to_jsonb(r) - 'last_used_at'"
        f" ORDER BY {', '.join('r.' + c.name for c in t.primary_key.columns)}),"
        f" '[]'::jsonb) FROM {t.name} r)"
        for t in metadata.sorted_tables
    )
    + ")"
)


@pytest.fixture
def all_rows(engine: AsyncEngine) -> Rows:
    """Reads every row of every table, straight from the database: two equal readings prove
    that whatever ran between them wrote nothing anywhere."""

    async def read() -> dict[str, Any]:
        async with engine.connect() as conn:
            rows: dict[str, Any] = (await conn.execute(_ALL_ROWS)).scalar_one()
        return rows

    return read


AddCall = Callable[..., Awaitable[str]]


@pytest.fixture
def add_call(pg_container: Container, server_clock: OffsetClock) -> AddCall:
    """Writes a call (no route places one yet) through the app's own units of work, as the
    call workers will: `await add_call(tenant_id, lead_id=..., agent_id=...)` is its id."""
    deps = pg_container.deps()

    async def add(
        tenant_id: str,
        *,
        to_number: str = "+14155550123",
        lead_id: str | None = None,
        agent_id: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        at = created_at or server_clock.now()
        call = VoiceCall(
            id=CallId(deps.ids.new()),
            tenant_id=TenantId(UUID(tenant_id)),
            direction=CallDirection.OUTBOUND,
            status=CallStatus.ENDED,
            to_number=to_number,
            created_at=at,
            updated_at=at,
            lead_id=LeadId(UUID(lead_id)) if lead_id else None,
            agent_id=AgentId(UUID(agent_id)) if agent_id else None,
        )
        async with deps.uows(tenant_id=call.tenant_id) as tx:
            await tx.calls.add(call)
            await tx.commit()
        return str(call.id)

    return add


AddEvent = Callable[..., Awaitable[str]]


@pytest.fixture
def add_event(pg_container: Container, server_clock: OffsetClock) -> AddEvent:
    """Records one of a tenant's events through the app's own units of work, as the change
    that causes it would (with a delivery to each endpoint that wants it): `await
    add_event(tenant_id, "call.ended", subject_id=...)` is the event's id."""
    deps = pg_container.deps()

    async def add(tenant_id: str, type: str = "call.ended", subject_id: str | None = None) -> str:
        event = OutboundEvent(
            EventId(deps.ids.new()),
            TenantId(UUID(tenant_id)),
            EventType(type),
            server_clock.now(),
            UUID(subject_id) if subject_id else None,
        )
        async with deps.uows(tenant_id=event.tenant_id) as tx:
            await tx.events.record([event])
            await tx.commit()
        return str(event.id)

    return add
