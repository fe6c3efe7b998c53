"""/v1/tenants: tenants, their members, ownership."""

from __future__ import annotations

from aiohttp import web

from application.tenancy import AddMember, ChangeRole, CreateTenant, UpdateTenant
from domain.ids import UserId
from domain.tenancy import Role
from entrypoints.http.requests import body, page_request, principal, tenant_id, user_id
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, created, reply, use_cases
from entrypoints.http.schemas import (
    AddMemberIn,
    ChangeRoleIn,
    CreateTenantIn,
    MemberOut,
    MemberPage,
    TenantOut,
    TenantPage,
    TransferOwnershipIn,
    UpdateTenantIn,
)


async def create_tenant(request: web.Request) -> web.Response:
    """Create a tenant. The calling user becomes its owner, and the tenant gets the default
    plan. The answer is the tenant; GET /v1/me/tenants lists it with the caller's role."""
    data = await body(request, CreateTenantIn)
    made = await use_cases(request).tenants.create_tenant(
        principal(request), CreateTenant(data.name)
    )
    # The creator is its owner: GET /v1/me/tenants lists it with that role.
    return created(TenantOut.of(made.tenant), f"/v1/tenants/{made.tenant.id}")


async def list_tenants(request: web.Request) -> web.Response:
    """Tenants a page at a time: every tenant for platform admins, the caller's own otherwise
    (an API key sees its tenant)."""
    page = await use_cases(request).tenants.list_tenants(principal(request), page_request(request))
    return reply(TenantPage([TenantOut.of(t) for t in page.items], page.next_cursor))


async def get_tenant(request: web.Request) -> web.Response:
    """A tenant the caller belongs to (any role, even while it is suspended), or any tenant for
    platform admins."""
    tenant = await use_cases(request).tenants.get_tenant(principal(request), tenant_id(request))
    return reply(TenantOut.of(tenant))


async def update_tenant(request: web.Request) -> web.Response:
    """Rename a tenant (owners and platform admins). Send the `version` you read to be refused
    (409) if someone changed it since."""
    data = await body(request, UpdateTenantIn)
    tenant = await use_cases(request).tenants.update_tenant(
        principal(request), UpdateTenant(tenant_id(request), name=data.name, version=data.version)
    )
    return reply(TenantOut.of(tenant))


async def suspend_tenant(request: web.Request) -> web.Response:
    """Suspend a tenant (platform admins): its members and keys may then only read the tenant
    itself. Suspending a suspended tenant is a 409."""
    tenant = await use_cases(request).tenants.suspend_tenant(principal(request), tenant_id(request))
    return reply(TenantOut.of(tenant))


async def reactivate_tenant(request: web.Request) -> web.Response:
    """Reactivate a suspended tenant (platform admins). Reactivating an active tenant is a 409."""
    tenant = await use_cases(request).tenants.reactivate_tenant(
        principal(request), tenant_id(request)
    )
    return reply(TenantOut.of(tenant))


async def list_members(request: web.Request) -> web.Response:
    """The tenant's members with their role and user, a page at a time (any role)."""
    page = await use_cases(request).memberships.list_members(
        principal(request), tenant_id(request), page_request(request)
    )
    return reply(MemberPage([MemberOut.of(m) for m in page.items], page.next_cursor))


async def add_member(request: web.Request) -> web.Response:
    """Add an existing user by `user_id` with a role (platform admins). A tenant's owners and
    admins get a 403 pointing to invitations: people join by accepting one (POST
    /v1/tenants/{tenant_id}/invitations). Counts against the plan's `members.max` (403 with
    `feature`, `limit` and `used` when reached); a user already a member is a 409."""
    data = await body(request, AddMemberIn)
    member = await use_cases(request).memberships.add_member(
        principal(request),
        AddMember(
            tenant_id=tenant_id(request),
            role=Role(data.role),
            user_id=UserId(data.user_id) if data.user_id else None,
        ),
    )
    ms = member.membership
    return created(MemberOut.of(member), f"/v1/tenants/{ms.tenant_id}/members/{ms.user_id}")


async def get_member(request: web.Request) -> web.Response:
    """One member of the tenant and their role (any role)."""
    member = await use_cases(request).memberships.get_member(
        principal(request), tenant_id(request), user_id(request)
    )
    return reply(MemberOut.of(member))


async def change_role(request: web.Request) -> web.Response:
    """Change a member's role (owners and admins; only owners grant or change `owner`). The
    tenant must keep an owner (409). The member's API keys act with no more than their new role.
    """
    data = await body(request, ChangeRoleIn)
    member = await use_cases(request).memberships.change_role(
        principal(request),
        ChangeRole(tenant_id(request), user_id(request), Role(data.role), version=data.version),
    )
    return reply(MemberOut.of(member))


async def remove_member(request: web.Request) -> web.Response:
    """Remove a member (owners and admins; only owners remove an owner), or leave the tenant by
    naming yourself. The tenant must keep an owner (409). The API keys the member created in the
    tenant are revoked in the same change and stay revoked should they return."""
    await use_cases(request).memberships.remove_member(
        principal(request), tenant_id(request), user_id(request)
    )
    return reply(None, 204)


async def transfer_ownership(request: web.Request) -> web.Response:
    """Make another member an owner; the calling owner becomes an admin. A platform admin who is
    not an owner only promotes the new owner."""
    data = await body(request, TransferOwnershipIn)
    member = await use_cases(request).memberships.transfer_ownership(
        principal(request), tenant_id(request), UserId(data.user_id)
    )
    return reply(MemberOut.of(member))


TENANT = "/v1/tenants/{tenant_id}"
MEMBER = TENANT + "/members/{user_id}"

ROUTES = [
    Endpoint(
        "POST",
        "/v1/tenants",
        create_tenant,
        "Create a tenant; you become its owner (GET /v1/me/tenants shows your role)",
        "tenants",
        body=CreateTenantIn,
        response=TenantOut,
        status=201,
        errors=(400, 422),
    ),
    Endpoint(
        "GET",
        "/v1/tenants",
        list_tenants,
        "List tenants: all for platform admins, yours otherwise",
        "tenants",
        response=TenantPage,
        query=PAGE_PARAMS,
        errors=(422,),
    ),
    Endpoint(
        "GET", TENANT, get_tenant, "Get a tenant", "tenants", response=TenantOut, errors=(404,)
    ),
    Endpoint(
        "PATCH",
        TENANT,
        update_tenant,
        "Rename a tenant (owners)",
        "tenants",
        body=UpdateTenantIn,
        response=TenantOut,
        errors=(400, 403, 404, 409, 422),
    ),
    Endpoint(
        "POST",
        TENANT + "/suspend",
        suspend_tenant,
        "Suspend a tenant (platform admins)",
        "tenants",
        response=TenantOut,
        errors=(403, 404, 409),
    ),
    Endpoint(
        "POST",
        TENANT + "/reactivate",
        reactivate_tenant,
        "Reactivate a suspended tenant (platform admins)",
        "tenants",
        response=TenantOut,
        errors=(403, 404, 409),
    ),
    Endpoint(
        "GET",
        TENANT + "/members",
        list_members,
        "List a tenant's members",
        "members",
        response=MemberPage,
        query=PAGE_PARAMS,
        errors=(404, 422),
    ),
    Endpoint(
        "POST",
        TENANT + "/members",
        add_member,
        "Add an existing user as a member by user_id (platform admins)",
        "members",
        body=AddMemberIn,
        response=MemberOut,
        status=201,
        errors=(400, 403, 404, 409, 422),
    ),
    Endpoint(
        "GET",
        MEMBER,
        get_member,
        "Get a member and their role",
        "members",
        response=MemberOut,
        errors=(404,),
    ),
    Endpoint(
        "PATCH",
        MEMBER,
        change_role,
        "Change a member's role",
        "members",
        body=ChangeRoleIn,
        response=MemberOut,
        errors=(400, 403, 404, 409, 422),
    ),
    Endpoint(
        "DELETE",
        MEMBER,
        remove_member,
        "Remove a member, or leave the tenant",
        "members",
        status=204,
        errors=(403, 404, 409),
    ),
    Endpoint(
        "POST",
        TENANT + "/transfer-ownership",
        transfer_ownership,
        "Make another member owner; the calling owner becomes admin",
        "members",
        body=TransferOwnershipIn,
        response=MemberOut,
        errors=(400, 403, 404, 422),
    ),
]
