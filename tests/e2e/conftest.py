"""The aiohttp app through the real container, on the test PostgreSQL database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.tables import metadata
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
def build(admin: Api) -> Builder:
    """Users with tokens, tenants, members and API keys, arranged through the API."""
    return Builder(admin)


Rows = Callable[[], Awaitable[dict[str, Any]]]

# Every row of every table in one round trip, as JSON; credentials' `last_used_at` is left
# out, as authenticating a request moves it.
_ALL_ROWS = sa.text(
    "SELECT jsonb_build_object("
    + ", ".join(
        f"'{t.name}', (SELECT coalesce(jsonb_agg(to_jsonb(r) - 'last_used_at' ORDER BY r.id),"
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
