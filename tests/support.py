"""Test doubles and builders shared by the test suites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from aiohttp.test_utils import TestClient

from application.access import Principal
from application.context import UseCaseDeps
from application.phone_numbers import NumberSource, ProvisionNumber
from application.ports.telephony import TwilioProof
from application.tenancy import CreateTenant, TenantService
from application.users import CreateUser, UserService
from domain.ids import TenantId
from domain.phones import PhoneNumber
from domain.tenancy import Tenant, User
from domain.values import Email


class MutableClock:
    """A clock the test moves by hand; starts at a fixed instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class AlwaysReady:
    async def check(self) -> str | None:
        return None


PLATFORM = Principal.user(
    __import__("uuid").UUID(int=0),  # type: ignore[arg-type]
    is_platform_admin=True,
)


@attrs.frozen
class World:
    """Builders over the use cases, for arranging a test in one line."""

    deps: UseCaseDeps

    async def user(self, email: str, **fields: Any) -> User:
        return await UserService(self.deps).create_user(
            PLATFORM, CreateUser(Email.parse(email), **fields)
        )

    async def tenant(self, owner: User, name: str = "Acme") -> Tenant:
        created = await TenantService(self.deps).create_tenant(
            Principal.user(owner.id), CreateTenant(name)
        )
        return created.tenant


class Api:
    """An HTTP client that sends one bearer token and decodes JSON."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def as_(self, token: str | None) -> Api:
        return Api(self.client, token)

    async def call(
        self, method: str, path: str, json: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = await self.client.request(method, path, json=json, headers=headers, **kwargs)
        text = await response.text()
        body = await response.json(content_type=None) if text else None
        return response.status, body

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("POST", path, json=json, **kwargs)

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("PATCH", path, json=json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("DELETE", path, **kwargs)


# A Twilio account's credentials as a tenant gives them to import its number: the sandbox and
# the fakes check their form only (an account SID starts with AC).
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "twilio-auth-token"


def twilio_import(tenant_id: TenantId, number: PhoneNumber, **fields: Any) -> ProvisionNumber:
    """The command that imports the tenant's own Twilio number."""
    return ProvisionNumber(
        tenant_id,
        NumberSource.TWILIO,
        number=number,
        twilio=TwilioProof(TWILIO_ACCOUNT_SID, auth_token=TWILIO_AUTH_TOKEN),
        **fields,
    )


def twilio_body(number: str, **fields: Any) -> dict[str, Any]:
    """The body of POST …/phone-numbers that imports the tenant's own Twilio number."""
    return {
        "source": "twilio",
        "number": number,
        "twilio_account_sid": TWILIO_ACCOUNT_SID,
        "twilio_auth_token": TWILIO_AUTH_TOKEN,
        **fields,
    }
