"""The role x permission matrix, and `authorize` on the in-memory unit of work."""

from __future__ import annotations

import itertools
from uuid import uuid4

import pytest

from application.access import ROLE_PERMISSIONS, Access, Permission, Principal, authorize
from application.context import UseCaseDeps
from application.errors import NotFound, PermissionDenied
from application.pagination import PageRequest
from application.tenancy import AddMember, MembershipService, TenantService
from domain.ids import ApiKeyId, TenantId, UserId
from domain.tenancy import Role, Tenant, User
from tests.support import PLATFORM, World

ROLES_HIGH_TO_LOW = [Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER]
OWNER_ONLY = {
    Permission.OWNERSHIP_TRANSFER,
    Permission.PLAN_CHANGE,
    Permission.TENANT_UPDATE,
    Permission.TENANT_CLOSE,
    Permission.EXPORTS_MANAGE,
    Permission.EXPORTS_READ,
}


# --- the matrix -----------------------------------------------------------------------------


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(
    ("higher", "lower"),
    [(h, low) for h in Role for low in Role if h.rank > low.rank],
)
def test_a_higher_role_has_every_permission_of_a_lower_one(higher: Role, lower: Role) -> None:
    assert ROLE_PERMISSIONS[higher] >= ROLE_PERMISSIONS[lower]


def test_each_step_up_the_ladder_adds_something() -> None:
    for higher, lower in itertools.pairwise(ROLES_HIGH_TO_LOW):
        assert ROLE_PERMISSIONS[higher] > ROLE_PERMISSIONS[lower], (higher, lower)


def test_the_owner_has_every_permission() -> None:
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Permission)


@pytest.mark.parametrize("permission", sorted(OWNER_ONLY))
def test_some_permissions_belong_to_owners_only(permission: Permission) -> None:
    assert {role for role in Role if permission in ROLE_PERMISSIONS[role]} == {Role.OWNER}


def test_only_owner_only_permissions_are_missing_from_admins() -> None:
    assert frozenset(Permission) - ROLE_PERMISSIONS[Role.ADMIN] == OWNER_ONLY


def test_viewers_only_read() -> None:
    assert all(p.value.endswith(".read") for p in ROLE_PERMISSIONS[Role.VIEWER])
    assert Permission.TENANT_READ in ROLE_PERMISSIONS[Role.VIEWER]


def test_managing_members_keys_and_the_audit_log_starts_at_admin() -> None:
    for permission in (
        Permission.MEMBERS_MANAGE,
        Permission.API_KEYS_READ,
        Permission.API_KEYS_MANAGE,
        Permission.AUDIT_READ,
    ):
        assert {r for r in Role if permission in ROLE_PERMISSIONS[r]} == {Role.OWNER, Role.ADMIN}


# --- authorize --------------------------------------------------------------------------------


async def _authorize(
    deps: UseCaseDeps,
    principal: Principal,
    permission: Permission,
    tenant_id: TenantId,
    *,
    lock: bool = False,
) -> Access:
    async with deps.uows(tenant_id=tenant_id) as tx:
        return await authorize(principal, permission, tenant_id, tx, lock=lock)


async def _member_of(deps: UseCaseDeps, world: World, tenant: Tenant, role: Role) -> User:
    user = await world.user(f"{role}-{uuid4().hex[:8]}@example.com")
    await MembershipService(deps).add_member(PLATFORM, AddMember(tenant.id, role, user_id=user.id))
    return user


async def _owners(deps: UseCaseDeps, tenant: Tenant) -> list[UserId]:
    async with deps.uows(tenant_id=tenant.id) as tx:
        rows = await tx.memberships.members(tenant.id, PageRequest(limit=200))
    return [m.user.id for m in rows if m.membership.role is Role.OWNER]


@pytest.fixture
async def acme(world: World) -> Tenant:
    return await world.tenant(await world.user("owner@acme.example"), "Acme")


@pytest.fixture
async def globex(world: World) -> Tenant:
    return await world.tenant(await world.user("owner@globex.example"), "Globex")


@pytest.mark.parametrize("role", list(Role))
async def test_a_member_may_do_exactly_what_the_role_allows(
    deps: UseCaseDeps, world: World, acme: Tenant, role: Role
) -> None:
    user = await _member_of(deps, world, acme, role)
    principal = Principal.user(user.id)

    for permission in Permission:
        if permission in ROLE_PERMISSIONS[role]:
            access = await _authorize(deps, principal, permission, acme.id)
            assert access == Access(acme, role)
        else:
            with pytest.raises(PermissionDenied) as raised:
                await _authorize(deps, principal, permission, acme.id)
            assert raised.value.permission == permission.value


@pytest.mark.parametrize("permission", list(Permission))
async def test_a_non_member_gets_not_found_never_permission_denied(
    deps: UseCaseDeps, world: World, acme: Tenant, globex: Tenant, permission: Permission
) -> None:
    globex_owner = (await _owners(deps, globex))[0]
    stranger = await world.user("stranger@example.com")

    for user_id in (globex_owner, stranger.id):
        with pytest.raises(NotFound) as raised:
            await _authorize(deps, Principal.user(user_id), permission, acme.id)
        assert raised.value.entity == "tenant"
        assert raised.value.key == acme.id


async def test_a_principal_without_user_or_key_has_no_role_anywhere(
    deps: UseCaseDeps, acme: Tenant
) -> None:
    with pytest.raises(NotFound):
        await _authorize(deps, Principal(None), Permission.TENANT_READ, acme.id)


@pytest.mark.parametrize("permission", list(Permission))
async def test_an_unknown_tenant_is_not_found_for_everyone(
    deps: UseCaseDeps, acme: Tenant, permission: Permission
) -> None:
    owner = (await _owners(deps, acme))[0]
    unknown = TenantId(uuid4())
    principals = [
        Principal.user(owner),
        Principal.user(owner, is_platform_admin=True),
        Principal.api_key(ApiKeyId(uuid4()), unknown, Role.OWNER, owner),
    ]

    for principal in principals:
        with pytest.raises(NotFound) as raised:
            await _authorize(deps, principal, permission, unknown)
        assert raised.value.key == unknown


async def test_a_suspended_tenant_refuses_everything_but_reading_it(
    deps: UseCaseDeps, acme: Tenant
) -> None:
    owner = Principal.user((await _owners(deps, acme))[0])
    platform = Principal.user(UserId(uuid4()), is_platform_admin=True)
    await TenantService(deps).suspend_tenant(platform, acme.id)

    for permission in Permission:
        if permission is Permission.TENANT_READ:
            access = await _authorize(deps, owner, permission, acme.id)
            assert access.role is Role.OWNER
            assert not access.tenant.is_active
        else:
            with pytest.raises(PermissionDenied) as raised:
                await _authorize(deps, owner, permission, acme.id)
            assert raised.value.permission == permission.value


async def test_a_suspended_tenant_stays_not_found_for_strangers(
    deps: UseCaseDeps, world: World, acme: Tenant
) -> None:
    platform = Principal.user(UserId(uuid4()), is_platform_admin=True)
    await TenantService(deps).suspend_tenant(platform, acme.id)
    stranger = await world.user("stranger@example.com")

    with pytest.raises(NotFound):
        await _authorize(deps, Principal.user(stranger.id), Permission.TENANT_READ, acme.id)


@pytest.mark.parametrize("suspended", [False, True])
async def test_a_platform_admin_may_do_everything_everywhere_with_no_role(
    deps: UseCaseDeps, world: World, acme: Tenant, suspended: bool
) -> None:
    admin = await world.user("root@platform.example", is_platform_admin=True)
    principal = Principal.user(admin.id, is_platform_admin=True)
    if suspended:
        await TenantService(deps).suspend_tenant(principal, acme.id)

    for permission in Permission:
        for lock in (False, True):
            access = await _authorize(deps, principal, permission, acme.id, lock=lock)
            assert access.role is None
            assert access.tenant.id == acme.id
            assert access.tenant.is_active is not suspended


async def test_a_platform_admin_who_is_also_a_member_acts_with_platform_authority(
    deps: UseCaseDeps, world: World, acme: Tenant
) -> None:
    user = await _member_of(deps, world, acme, Role.VIEWER)
    principal = Principal.user(user.id, is_platform_admin=True)

    access = await _authorize(deps, principal, Permission.PLAN_CHANGE, acme.id)

    assert access.role is None


@pytest.mark.parametrize("role", list(Role))
async def test_an_api_key_acts_with_its_role_in_its_tenant(
    deps: UseCaseDeps, acme: Tenant, role: Role
) -> None:
    key = Principal.api_key(ApiKeyId(uuid4()), acme.id, role, None)

    for permission in Permission:
        if permission in ROLE_PERMISSIONS[role]:
            assert (await _authorize(deps, key, permission, acme.id)).role is role
        else:
            with pytest.raises(PermissionDenied):
                await _authorize(deps, key, permission, acme.id)


@pytest.mark.parametrize("permission", list(Permission))
async def test_an_api_key_of_another_tenant_is_not_found_even_if_its_creator_is_a_member(
    deps: UseCaseDeps, acme: Tenant, globex: Tenant, permission: Permission
) -> None:
    acme_owner = (await _owners(deps, acme))[0]
    key = Principal.api_key(ApiKeyId(uuid4()), globex.id, Role.OWNER, acme_owner)

    with pytest.raises(NotFound) as raised:
        await _authorize(deps, key, permission, acme.id)

    assert raised.value.key == acme.id


async def test_an_api_key_does_not_borrow_its_creators_role(
    deps: UseCaseDeps, acme: Tenant
) -> None:
    owner = (await _owners(deps, acme))[0]
    key = Principal.api_key(ApiKeyId(uuid4()), acme.id, Role.VIEWER, owner)

    with pytest.raises(PermissionDenied):
        await _authorize(deps, key, Permission.MEMBERS_MANAGE, acme.id)
    assert (await _authorize(deps, key, Permission.TENANT_READ, acme.id)).role is Role.VIEWER
