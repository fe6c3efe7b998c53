"""/v1/tenants/{tenant_id}/api-keys and /audit-log."""

from __future__ import annotations

from aiohttp import web

from application.credentials import CreateApiKey
from domain.ids import ApiKeyId
from domain.tenancy import Role
from entrypoints.http.requests import body, page_request, path_id, principal, tenant_id
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, created, reply, use_cases
from entrypoints.http.schemas import (
    ApiKeyCreatedOut,
    ApiKeyOut,
    ApiKeyPage,
    AuditEntryOut,
    AuditPage,
    CreateApiKeyIn,
)


async def create_api_key(request: web.Request) -> web.Response:
    """Create an API key that acts in this tenant with a role (owners and admins, with a
    personal token; only owners create owner keys). The answer is the key with its `secret`,
    shown this once; only its hash is stored. The key never acts with more than its creator's
    current role, and is revoked when its creator leaves the tenant or is deactivated."""
    data = await body(request, CreateApiKeyIn)
    issued = await use_cases(request).credentials.create_api_key(
        principal(request),
        CreateApiKey(tenant_id(request), data.name, Role(data.role), data.expires_at),
    )
    key = issued.credential
    return created(
        ApiKeyCreatedOut.of(key, issued.token), f"/v1/tenants/{key.tenant_id}/api-keys/{key.id}"
    )


async def list_api_keys(request: web.Request) -> web.Response:
    """The tenant's API keys, without secrets, oldest first, each with the role it was granted
    and the role it acts with now (owners and admins)."""
    page = await use_cases(request).credentials.list_api_keys(
        principal(request), tenant_id(request), page_request(request)
    )
    items = [ApiKeyOut.of(k.key, k.effective_role) for k in page.items]
    return reply(ApiKeyPage(items, page.next_cursor))


def _key_id(request: web.Request) -> ApiKeyId:
    return ApiKeyId(path_id(request, "key_id"))


async def get_api_key(request: web.Request) -> web.Response:
    """One of the tenant's API keys, without its secret, with the role it was granted and the
    role it acts with now (owners and admins)."""
    """One of the tenant's API keys, without its secret, with the role it acts with now (owners
    and admins)."""
    found = await use_cases(request).credentials.get_api_key(
        principal(request), tenant_id(request), _key_id(request)
    )
    return reply(ApiKeyOut.of(found.key, found.effective_role))


async def revoke_api_key(request: web.Request) -> web.Response:
    """Revoke an API key at once: it authenticates nothing more (owners and admins). Revoking
    one already revoked is a 409."""
    key = await use_cases(request).credentials.revoke_api_key(
        principal(request), tenant_id(request), _key_id(request)
    )
    return reply(ApiKeyOut.of(key, None))  # revoked: it no longer acts


async def audit_log(request: web.Request) -> web.Response:
    """The tenant's audit trail, newest first, a page at a time (owners and admins): who changed
    what, when, with the changed fields."""
    page = await use_cases(request).audit.tenant_audit_log(
        principal(request), tenant_id(request), page_request(request)
    )
    return reply(AuditPage([AuditEntryOut.of(e) for e in page.items], page.next_cursor))


TENANT = "/v1/tenants/{tenant_id}"

ROUTES = [
    Endpoint(
        "GET",
        TENANT + "/api-keys",
        list_api_keys,
        "List the tenant's API keys (no secrets)",
        "api-keys",
        response=ApiKeyPage,
        query=PAGE_PARAMS,
        errors=(403, 404, 422),
    ),
    Endpoint(
        "POST",
        TENANT + "/api-keys",
        create_api_key,
        "Create an API key acting in this tenant with a role: the key with its secret, shown once",
        "api-keys",
        body=CreateApiKeyIn,
        response=ApiKeyCreatedOut,
        status=201,
        errors=(400, 403, 404, 422),
    ),
    Endpoint(
        "GET",
        TENANT + "/api-keys/{key_id}",
        get_api_key,
        "Get an API key (no secret), with the role it acts with now",
        "api-keys",
        response=ApiKeyOut,
        errors=(403, 404),
    ),
    Endpoint(
        "DELETE",
        TENANT + "/api-keys/{key_id}",
        revoke_api_key,
        "Revoke an API key",
        "api-keys",
        response=ApiKeyOut,
        errors=(403, 404, 409),
    ),
    Endpoint(
        "GET",
        TENANT + "/audit-log",
        audit_log,
        "The tenant's audit trail, newest first (owners and admins)",
        "audit",
        response=AuditPage,
        query=PAGE_PARAMS,
        errors=(403, 404, 422),
    ),
]
