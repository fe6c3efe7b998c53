"""Tenancy, membership, user and credential use cases on the in-memory adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.credentials import INVALID_TOKEN, CreateApiKey, IssueUserToken
from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from application.pagination import PageRequest
from application.tenancy import AddMember, ChangeRole, CreateTenant, UpdateTenant
from application.users import UpdateUser
from domain.audit import ActorKind, AuditEntry
from domain.credentials import issue_api_key_secret, issue_user_token_secret
from domain.errors import (
    InvalidStateTransition,
    InvalidValue,
    LastOwnerRequired,
    OwnerRoleReserved,
)
from domain.ids import TenantId, UserId
from domain.tenancy import Role, Tenant, TenantStatus, User
from tests.support import PLATFORM, MutableClock, World
from tests.unit.helpers import AuditTap, Services, snapshot

PLATFORM_ID = PLATFORM.user_id
ALL = PageRequest(limit=200)

Summary = tuple[str, ActorKind, UUID | None, str, UUID, UUID | None, dict[str, Any]]


def summary(entry: AuditEntry) -> Summary:
    return (
        entry.action,
        entry.actor.kind,
        entry.actor.id,
        entry.entity,
        entry.entity_id,
        entry.tenant_id,
        entry.changes,
    )


def me(user: User) -> Principal:
    return Principal.user(user.id, is_platform_admin=user.is_platform_admin)


async def roles(svc: Services, tenant_id: TenantId) -> dict[UserId, Role]:
    page = await svc.members.list_members(PLATFORM, tenant_id, ALL)
    return {m.user.id: m.membership.role for m in page.items}


async def api_key_principal(svc: Services, owner: User, tenant: Tenant, role: Role) -> Principal:
    issued = await svc.credentials.create_api_key(me(owner), CreateApiKey(tenant.id, "ci", role))
    return await svc.credentials.authenticate(issued.token)


@pytest.fixture
async def owner(world: World) -> User:
    return await world.user("owner@acme.example", first_name="Olive")


@pytest.fixture
async def acme(world: World, owner: User) -> Tenant:
    return await world.tenant(owner, "Acme")


@pytest.fixture
async def add(
    svc: Services, world: World, owner: User, acme: Tenant
) -> Callable[..., Awaitable[User]]:
    """Add a new user to Acme with a role, as the platform does (the one direct path)."""

    async def add(role: Role, email: str | None = None) -> User:
        user = await world.user(email or f"{role}-{uuid4().hex[:8]}@acme.example")
        await svc.members.add_member(PLATFORM, AddMember(acme.id, role, user_id=user.id))
        return user

    return add


class Unchanged:
    """Asserts that the wrapped block changed nothing and wrote no audit entry."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._before = snapshot(self._db)

    def __exit__(self, *exc: object) -> None:
        assert snapshot(self._db) == self._before


@pytest.fixture
def unchanged(memory_db: InMemoryDatabase) -> Unchanged:
    return Unchanged(memory_db)


# --- creating tenants -------------------------------------------------------------------------


async def test_creating_a_tenant_makes_the_creator_its_only_owner(
    svc: Services, world: World, audit_tap: AuditTap
) -> None:
    founder = await world.user("founder@example.com")
    audit_tap.new()

    created = await svc.tenants.create_tenant(me(founder), CreateTenant("Acme"))

    tenant = created.tenant
    assert (tenant.name, tenant.status, tenant.version) == ("Acme", TenantStatus.ACTIVE, 0)
    assert created.membership.user_id == founder.id
    assert created.membership.role is Role.OWNER
    assert await roles(svc, tenant.id) == {founder.id: Role.OWNER}
    mine = await svc.tenants.list_tenants(me(founder), ALL)
    assert [t.id for t in mine.items] == [tenant.id]
    assert [summary(e) for e in audit_tap.new()] == [
        ("tenant.created", ActorKind.USER, founder.id, "tenant", tenant.id, tenant.id,
         {"name": "Acme"}),
        ("member.added", ActorKind.USER, founder.id, "membership", created.membership.id,
         tenant.id, {"user_id": str(founder.id), "role": "owner"}),
    ]  # fmt: skip


async def test_an_api_key_cannot_create_a_tenant(
    svc: Services, owner: User, acme: Tenant, unchanged: Unchanged
) -> None:
    key = await api_key_principal(svc, owner, acme, Role.OWNER)

    with unchanged, pytest.raises(PermissionDenied):
        await svc.tenants.create_tenant(key, CreateTenant("Side project"))


async def test_a_blank_tenant_name_creates_nothing(
    svc: Services, owner: User, unchanged: Unchanged
) -> None:
    with unchanged, pytest.raises(InvalidValue) as raised:
        await svc.tenants.create_tenant(me(owner), CreateTenant("  "))

    assert raised.value.field == "name"


# --- the last owner ---------------------------------------------------------------------------


LAST_OWNER_CASES = {
    "owner leaves": lambda svc, owner, acme, key: svc.members.remove_member(
        me(owner), acme.id, owner.id
    ),
    "platform removes the owner": lambda svc, owner, acme, key: svc.members.remove_member(
        PLATFORM, acme.id, owner.id
    ),
    "owner key removes the owner": lambda svc, owner, acme, key: svc.members.remove_member(
        key, acme.id, owner.id
    ),
    "owner demotes self": lambda svc, owner, acme, key: svc.members.change_role(
        me(owner), ChangeRole(acme.id, owner.id, Role.ADMIN)
    ),
    "platform demotes the owner": lambda svc, owner, acme, key: svc.members.change_role(
        PLATFORM, ChangeRole(acme.id, owner.id, Role.VIEWER)
    ),
    "owner key demotes the owner": lambda svc, owner, acme, key: svc.members.change_role(
        key, ChangeRole(acme.id, owner.id, Role.MEMBER)
    ),
}


@pytest.mark.parametrize("case", LAST_OWNER_CASES)
async def test_the_last_owner_cannot_leave_be_removed_or_be_demoted(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
    case: str,
) -> None:
    await add(Role.ADMIN)
    key = await api_key_principal(svc, owner, acme, Role.OWNER)

    with unchanged, pytest.raises(LastOwnerRequired) as raised:
        await LAST_OWNER_CASES[case](svc, owner, acme, key)

    assert raised.value.tenant_id == acme.id


async def test_with_a_second_owner_the_first_may_step_down_and_the_second_is_then_last(
    svc: Services, owner: User, acme: Tenant, add: Callable[..., Awaitable[User]]
) -> None:
    second = await add(Role.OWNER)

    await svc.members.change_role(me(owner), ChangeRole(acme.id, owner.id, Role.MEMBER))

    assert await roles(svc, acme.id) == {owner.id: Role.MEMBER, second.id: Role.OWNER}
    with pytest.raises(LastOwnerRequired):
        await svc.members.remove_member(me(second), acme.id, second.id)

    await svc.members.change_role(me(second), ChangeRole(acme.id, owner.id, Role.OWNER))
    await svc.members.remove_member(me(second), acme.id, second.id)

    assert await roles(svc, acme.id) == {owner.id: Role.OWNER}


# --- what admins may not do -------------------------------------------------------------------


OWNER_RESERVED_CASES: dict[str, Callable[..., Awaitable[Any]]] = {
    "promote a member to owner": lambda svc, actor, acme, other_owner, member, outsider: (
        svc.members.change_role(actor, ChangeRole(acme.id, member.id, Role.OWNER))
    ),
    "demote an owner": lambda svc, actor, acme, other_owner, member, outsider: (
        svc.members.change_role(actor, ChangeRole(acme.id, other_owner.id, Role.ADMIN))
    ),
    "remove an owner": lambda svc, actor, acme, other_owner, member, outsider: (
        svc.members.remove_member(actor, acme.id, other_owner.id)
    ),
}


@pytest.mark.parametrize("actor_kind", ["admin user", "admin api key"])
@pytest.mark.parametrize("case", OWNER_RESERVED_CASES)
async def test_an_admin_cannot_make_or_unmake_an_owner(
    svc: Services,
    world: World,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
    memory_db: InMemoryDatabase,
    case: str,
    actor_kind: str,
) -> None:
    other_owner = await add(Role.OWNER)
    member = await add(Role.MEMBER)
    outsider = await world.user("outsider@example.com")
    if actor_kind == "admin user":
        actor = me(await add(Role.ADMIN))
    else:
        actor = await api_key_principal(svc, owner, acme, Role.ADMIN)

    with unchanged, pytest.raises(OwnerRoleReserved):
        await OWNER_RESERVED_CASES[case](svc, actor, acme, other_owner, member, outsider)


async def test_an_admin_manages_everyone_below_owner(
    svc: Services, world: World, acme: Tenant, add: Callable[..., Awaitable[User]]
) -> None:
    admin = me(await add(Role.ADMIN))
    viewer = await add(Role.VIEWER)
    newcomer = await add(Role.ADMIN)

    await svc.members.change_role(admin, ChangeRole(acme.id, viewer.id, Role.ADMIN))
    await svc.members.remove_member(admin, acme.id, newcomer.id)

    current = await roles(svc, acme.id)
    assert current[viewer.id] is Role.ADMIN
    assert newcomer.id not in current


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
async def test_members_and_viewers_cannot_manage_members(
    svc: Services,
    world: World,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
    role: Role,
) -> None:
    actor = me(await add(role))
    other = await add(Role.VIEWER)
    outsider = await world.user("outsider@example.com")

    with unchanged:
        with pytest.raises(PermissionDenied):
            await svc.members.add_member(
                actor, AddMember(acme.id, Role.VIEWER, user_id=outsider.id)
            )
        with pytest.raises(PermissionDenied):
            await svc.members.change_role(actor, ChangeRole(acme.id, other.id, Role.MEMBER))
        with pytest.raises(PermissionDenied):
            await svc.members.remove_member(actor, acme.id, other.id)


# --- adding members ---------------------------------------------------------------------------


async def test_owners_and_admins_are_pointed_to_invitations_instead_of_adding_members(
    svc: Services,
    world: World,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    outsider = await world.user("outsider@example.com")
    admin = await add(Role.ADMIN)
    key = await api_key_principal(svc, owner, acme, Role.OWNER)
    with unchanged:
        for actor in (me(owner), me(admin), key):
            with pytest.raises(PermissionDenied, match="invitations"):
                await svc.members.add_member(
                    actor, AddMember(acme.id, Role.VIEWER, user_id=outsider.id)
                )
        with pytest.raises(InvalidValue, match="invite"):
            await svc.members.add_member(PLATFORM, AddMember(acme.id, Role.VIEWER, None))


async def test_adding_an_unknown_user_id_is_not_found(
    svc: Services, owner: User, acme: Tenant, unchanged: Unchanged
) -> None:
    with unchanged, pytest.raises(NotFound):
        await svc.members.add_member(
            PLATFORM, AddMember(acme.id, Role.VIEWER, user_id=UserId(uuid4()))
        )


async def test_a_second_membership_for_the_same_user_already_exists(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    member = await add(Role.MEMBER, "Twice@acme.example")
    cmd = AddMember(acme.id, Role.ADMIN, user_id=member.id)

    with unchanged, pytest.raises(AlreadyExists) as raised:
        await svc.members.add_member(PLATFORM, cmd)

    assert raised.value.field == "user_id"


async def test_the_owner_cannot_be_added_again(
    svc: Services, owner: User, acme: Tenant, unchanged: Unchanged
) -> None:
    with unchanged, pytest.raises(AlreadyExists):
        await svc.members.add_member(PLATFORM, AddMember(acme.id, Role.VIEWER, user_id=owner.id))


# --- membership changes and their audit -------------------------------------------------------


async def test_role_changes_removal_and_leaving_are_each_audited_once(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    audit_tap: AuditTap,
) -> None:
    bob = await add(Role.VIEWER)
    eve = await add(Role.MEMBER)
    eves = (await svc.members.get_member(me(owner), acme.id, eve.id)).membership
    audit_tap.new()

    changed = await svc.members.change_role(me(owner), ChangeRole(acme.id, bob.id, Role.ADMIN))

    assert (changed.membership.role, changed.membership.version) == (Role.ADMIN, 1)
    assert [summary(e) for e in audit_tap.new()] == [
        ("member.role_changed", ActorKind.USER, owner.id, "membership", changed.membership.id,
         acme.id, {"user_id": str(bob.id), "role": {"from": "viewer", "to": "admin"}}),
    ]  # fmt: skip

    await svc.members.remove_member(me(owner), acme.id, eve.id)

    assert [summary(e) for e in audit_tap.new()] == [
        ("member.removed", ActorKind.USER, owner.id, "membership", eves.id, acme.id,
         {"user_id": str(eve.id), "role": "member"}),
    ]  # fmt: skip

    await svc.members.remove_member(me(bob), acme.id, bob.id)

    assert [summary(e) for e in audit_tap.new()] == [
        ("member.left", ActorKind.USER, bob.id, "membership", changed.membership.id, acme.id,
         {"user_id": str(bob.id), "role": "admin"}),
    ]  # fmt: skip
    assert await roles(svc, acme.id) == {owner.id: Role.OWNER}
    log = (await svc.audit.tenant_audit_log(me(owner), acme.id, ALL)).items
    assert [e.action for e in log[:3]] == ["member.left", "member.removed", "member.role_changed"]


async def test_changing_to_the_same_role_changes_and_audits_nothing(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    bob = await add(Role.VIEWER)

    with unchanged:
        member = await svc.members.change_role(me(owner), ChangeRole(acme.id, bob.id, Role.VIEWER))

    assert member.membership.version == 0


async def test_changing_or_removing_a_non_member_is_not_found(
    svc: Services, world: World, owner: User, acme: Tenant, unchanged: Unchanged
) -> None:
    outsider = await world.user("outsider@example.com")

    with unchanged:
        with pytest.raises(NotFound):
            await svc.members.change_role(me(owner), ChangeRole(acme.id, outsider.id, Role.ADMIN))
        with pytest.raises(NotFound):
            await svc.members.remove_member(me(owner), acme.id, outsider.id)
        with pytest.raises(NotFound):
            await svc.members.remove_member(me(outsider), acme.id, outsider.id)


async def test_an_api_key_acts_as_itself_in_the_audit_log(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    audit_tap: AuditTap,
) -> None:
    key = await api_key_principal(svc, owner, acme, Role.ADMIN)
    viewer = await add(Role.VIEWER)
    audit_tap.new()

    changed = await svc.members.change_role(key, ChangeRole(acme.id, viewer.id, Role.MEMBER))

    assert [summary(e) for e in audit_tap.new()] == [
        ("member.role_changed", ActorKind.API_KEY, key.api_key_id, "membership",
         changed.membership.id, acme.id,
         {"user_id": str(viewer.id), "role": {"from": "viewer", "to": "member"}}),
    ]  # fmt: skip


# --- transferring ownership -------------------------------------------------------------------


async def test_an_owner_transfers_ownership_and_steps_down_to_admin(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    audit_tap: AuditTap,
) -> None:
    heir = await add(Role.MEMBER)
    before = await svc.members.get_member(me(owner), acme.id, owner.id)
    audit_tap.new()

    result = await svc.members.transfer_ownership(me(owner), acme.id, heir.id)

    assert result.user.id == heir.id
    assert result.membership.role is Role.OWNER
    assert await roles(svc, acme.id) == {owner.id: Role.ADMIN, heir.id: Role.OWNER}
    assert [summary(e) for e in audit_tap.new()] == [
        ("member.role_changed", ActorKind.USER, owner.id, "membership", result.membership.id,
         acme.id, {"user_id": str(heir.id), "role": {"from": "member", "to": "owner"}}),
        ("member.role_changed", ActorKind.USER, owner.id, "membership", before.membership.id,
         acme.id, {"user_id": str(owner.id), "role": {"from": "owner", "to": "admin"}}),
        ("tenant.ownership_transferred", ActorKind.USER, owner.id, "tenant", acme.id, acme.id,
         {"to_user_id": str(heir.id)}),
    ]  # fmt: skip


async def test_a_platform_admin_only_promotes_the_new_owner(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    audit_tap: AuditTap,
) -> None:
    heir = await add(Role.VIEWER)
    audit_tap.new()

    result = await svc.members.transfer_ownership(PLATFORM, acme.id, heir.id)

    assert await roles(svc, acme.id) == {owner.id: Role.OWNER, heir.id: Role.OWNER}
    assert [summary(e) for e in audit_tap.new()] == [
        ("member.role_changed", ActorKind.USER, PLATFORM_ID, "membership", result.membership.id,
         acme.id, {"user_id": str(heir.id), "role": {"from": "viewer", "to": "owner"}}),
        ("tenant.ownership_transferred", ActorKind.USER, PLATFORM_ID, "tenant", acme.id,
         acme.id, {"to_user_id": str(heir.id)}),
    ]  # fmt: skip


async def test_a_transfer_that_changes_no_role_changes_and_audits_nothing(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    co_owner = await add(Role.OWNER)

    with unchanged:
        to_self = await svc.members.transfer_ownership(me(owner), acme.id, owner.id)
        to_an_owner = await svc.members.transfer_ownership(PLATFORM, acme.id, co_owner.id)

    assert (to_self.user.id, to_self.membership.role) == (owner.id, Role.OWNER)
    assert (to_an_owner.user.id, to_an_owner.membership.role) == (co_owner.id, Role.OWNER)


async def test_an_owner_handing_over_to_another_owner_only_steps_down(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    audit_tap: AuditTap,
) -> None:
    co_owner = await add(Role.OWNER)
    mine = await svc.members.get_member(me(owner), acme.id, owner.id)
    audit_tap.new()

    await svc.members.transfer_ownership(me(owner), acme.id, co_owner.id)

    assert await roles(svc, acme.id) == {owner.id: Role.ADMIN, co_owner.id: Role.OWNER}
    assert [summary(e) for e in audit_tap.new()] == [
        ("member.role_changed", ActorKind.USER, owner.id, "membership", mine.membership.id,
         acme.id, {"user_id": str(owner.id), "role": {"from": "owner", "to": "admin"}}),
        ("tenant.ownership_transferred", ActorKind.USER, owner.id, "tenant", acme.id, acme.id,
         {"to_user_id": str(co_owner.id)}),
    ]  # fmt: skip


async def test_ownership_cannot_be_transferred_by_an_admin_a_key_or_to_a_stranger(
    svc: Services,
    world: World,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    admin = await add(Role.ADMIN)
    heir = await add(Role.MEMBER)
    key = await api_key_principal(svc, owner, acme, Role.OWNER)
    stranger = await world.user("stranger@example.com")
    other_key = await api_key_principal(svc, owner, await world.tenant(owner, "Globex"), Role.OWNER)

    with unchanged:
        with pytest.raises(PermissionDenied):
            await svc.members.transfer_ownership(me(admin), acme.id, heir.id)
        with pytest.raises(PermissionDenied):
            await svc.members.transfer_ownership(key, acme.id, heir.id)
        with pytest.raises(NotFound):
            await svc.members.transfer_ownership(me(owner), acme.id, stranger.id)
        with pytest.raises(NotFound):
            await svc.members.transfer_ownership(me(stranger), acme.id, heir.id)
        with pytest.raises(NotFound):
            await svc.members.transfer_ownership(other_key, acme.id, heir.id)


# --- optimistic concurrency -------------------------------------------------------------------


async def test_a_stale_membership_version_is_a_conflict_and_changes_nothing(
    svc: Services,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    bob = await add(Role.VIEWER)
    first = await svc.members.change_role(
        me(owner), ChangeRole(acme.id, bob.id, Role.MEMBER, version=0)
    )
    assert first.membership.version == 1

    with unchanged, pytest.raises(ConcurrencyConflict):
        await svc.members.change_role(me(owner), ChangeRole(acme.id, bob.id, Role.ADMIN, version=0))

    assert (await roles(svc, acme.id))[bob.id] is Role.MEMBER


async def test_a_stale_tenant_version_is_a_conflict_and_changes_nothing(
    svc: Services, owner: User, acme: Tenant, unchanged: Unchanged, audit_tap: AuditTap
) -> None:
    audit_tap.new()
    renamed = await svc.tenants.update_tenant(
        me(owner), UpdateTenant(acme.id, name="Acme Inc", version=0)
    )
    assert renamed.version == 1
    assert [summary(e) for e in audit_tap.new()] == [
        ("tenant.updated", ActorKind.USER, owner.id, "tenant", acme.id, acme.id,
         {"name": {"from": "Acme", "to": "Acme Inc"}}),
    ]  # fmt: skip

    with unchanged, pytest.raises(ConcurrencyConflict):
        await svc.tenants.update_tenant(me(owner), UpdateTenant(acme.id, name="Acme 2", version=0))

    assert (await svc.tenants.get_tenant(me(owner), acme.id)).name == "Acme Inc"


async def test_a_stale_user_version_is_a_conflict_and_changes_nothing(
    svc: Services, owner: User, unchanged: Unchanged
) -> None:
    await svc.users.update_user(me(owner), UpdateUser(owner.id, first_name="Liv", version=0))

    with unchanged, pytest.raises(ConcurrencyConflict):
        await svc.users.update_user(me(owner), UpdateUser(owner.id, first_name="Oli", version=0))

    assert (await svc.users.get_user(me(owner), owner.id)).first_name == "Liv"


async def test_renaming_to_the_same_name_changes_and_audits_nothing(
    svc: Services, owner: User, acme: Tenant, unchanged: Unchanged
) -> None:
    with unchanged:
        tenant = await svc.tenants.update_tenant(me(owner), UpdateTenant(acme.id, name="Acme"))

    assert tenant.version == 0


async def test_only_owners_rename_a_tenant(
    svc: Services,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
) -> None:
    admin = await add(Role.ADMIN)

    with unchanged, pytest.raises(PermissionDenied):
        await svc.tenants.update_tenant(me(admin), UpdateTenant(acme.id, name="Mine now"))


# --- suspension -------------------------------------------------------------------------------


async def test_a_platform_admin_suspends_and_reactivates_a_tenant_with_audit(
    svc: Services, owner: User, acme: Tenant, audit_tap: AuditTap
) -> None:
    audit_tap.new()

    suspended = await svc.tenants.suspend_tenant(PLATFORM, acme.id)

    assert suspended.status is TenantStatus.SUSPENDED
    seen_by_owner = await svc.tenants.get_tenant(me(owner), acme.id)
    assert seen_by_owner.status is TenantStatus.SUSPENDED
    with pytest.raises(PermissionDenied):
        await svc.members.list_members(me(owner), acme.id, ALL)

    reactivated = await svc.tenants.reactivate_tenant(PLATFORM, acme.id)

    assert reactivated.status is TenantStatus.ACTIVE
    assert reactivated.version == 2
    assert [summary(e) for e in audit_tap.new()] == [
        ("tenant.suspended", ActorKind.USER, PLATFORM_ID, "tenant", acme.id, acme.id,
         {"status": {"from": "active", "to": "suspended"}}),
        ("tenant.reactivated", ActorKind.USER, PLATFORM_ID, "tenant", acme.id, acme.id,
         {"status": {"from": "suspended", "to": "active"}}),
    ]  # fmt: skip
    assert len((await svc.members.list_members(me(owner), acme.id, ALL)).items) == 1


@pytest.mark.parametrize("already_suspended", [False, True])
async def test_only_a_platform_admin_changes_a_tenants_status(
    svc: Services,
    world: World,
    owner: User,
    acme: Tenant,
    add: Callable[..., Awaitable[User]],
    unchanged: Unchanged,
    already_suspended: bool,
) -> None:
    admin = await add(Role.ADMIN)
    key = await api_key_principal(svc, owner, acme, Role.OWNER)
    stranger = await world.user("stranger@example.com")
    if already_suspended:
        await svc.tenants.suspend_tenant(PLATFORM, acme.id)
    change = svc.tenants.reactivate_tenant if already_suspended else svc.tenants.suspend_tenant

    with unchanged:
        for principal in (me(owner), me(admin), key):
            with pytest.raises(PermissionDenied):
                await change(principal, acme.id)
        with pytest.raises(NotFound):
            await change(me(stranger), acme.id)


async def test_suspending_twice_or_reactivating_an_active_tenant_is_invalid(
    svc: Services, acme: Tenant, memory_db: InMemoryDatabase
) -> None:
    with Unchanged(memory_db), pytest.raises(InvalidStateTransition):
        await svc.tenants.reactivate_tenant(PLATFORM, acme.id)

    await svc.tenants.suspend_tenant(PLATFORM, acme.id)

    with Unchanged(memory_db), pytest.raises(InvalidStateTransition):
        await svc.tenants.suspend_tenant(PLATFORM, acme.id)


# --- authentication ---------------------------------------------------------------------------


async def _last_used_of_token(svc: Services, user: User) -> list[Any]:
    page = await svc.credentials.list_user_tokens(me(user), user.id, ALL)
    return [t.last_used_at for t in page.items]


async def test_a_user_token_authenticates_its_user_and_records_each_use(
    svc: Services, world: World, clock: MutableClock, audit_tap: AuditTap
) -> None:
    root = await world.user("root@platform.example", is_platform_admin=True)
    audit_tap.new()
    issued = await svc.credentials.issue_user_token(me(root), IssueUserToken(root.id, "laptop"))
    assert [summary(e) for e in audit_tap.new()] == [
        ("user_token.created", ActorKind.USER, root.id, "user_token", issued.credential.id, None,
         {"user_id": str(root.id), "name": "laptop"}),
    ]  # fmt: skip
    assert await _last_used_of_token(svc, root) == [None]

    clock.advance(minutes=3)
    principal = await svc.credentials.authenticate(issued.token)

    assert principal == Principal.user(root.id, is_platform_admin=True)
    assert await _last_used_of_token(svc, root) == [clock.now()]

    clock.advance(days=2)
    await svc.credentials.authenticate(issued.token)

    assert await _last_used_of_token(svc, root) == [clock.now()]
    assert audit_tap.new() == []


async def test_an_api_key_authenticates_as_the_key_and_records_its_use(
    svc: Services, owner: User, acme: Tenant, clock: MutableClock
) -> None:
    issued = await svc.credentials.create_api_key(
        me(owner), CreateApiKey(acme.id, "ci", Role.MEMBER)
    )
    clock.advance(hours=1)

    principal = await svc.credentials.authenticate(issued.token)

    assert principal == Principal.api_key(issued.credential.id, acme.id, Role.MEMBER, owner.id)
    keys = (await svc.credentials.list_api_keys(me(owner), acme.id, ALL)).items
    assert [k.key.last_used_at for k in keys] == [clock.now()]


async def test_a_deactivated_users_token_is_refused_with_permission_denied(
    svc: Services, owner: User, memory_db: InMemoryDatabase, audit_tap: AuditTap
) -> None:
    issued = await svc.credentials.issue_user_token(me(owner), IssueUserToken(owner.id, "cli"))
    audit_tap.new()
    await svc.users.update_user(PLATFORM, UpdateUser(owner.id, is_active=False))
    assert [summary(e) for e in audit_tap.new()] == [
        ("user.deactivated", ActorKind.USER, PLATFORM_ID, "user", owner.id, None,
         {"is_active": {"from": True, "to": False}}),
    ]  # fmt: skip

    with Unchanged(memory_db), pytest.raises(PermissionDenied):
        await svc.credentials.authenticate(issued.token)

    await svc.users.update_user(PLATFORM, UpdateUser(owner.id, is_active=True))
    assert await svc.credentials.authenticate(issued.token) == Principal.user(owner.id)


async def test_every_bad_token_is_unauthenticated_with_one_message(
    svc: Services,
    world: World,
    owner: User,
    acme: Tenant,
    clock: MutableClock,
    memory_db: InMemoryDatabase,
) -> None:
    globex = await world.tenant(owner, "Globex")
    user_token = await svc.credentials.issue_user_token(me(owner), IssueUserToken(owner.id, "a"))
    revoked_token = await svc.credentials.issue_user_token(me(owner), IssueUserToken(owner.id, "b"))
    await svc.credentials.revoke_user_token(me(owner), owner.id, revoked_token.credential.id)
    expiring_token = await svc.credentials.issue_user_token(
        me(owner), IssueUserToken(owner.id, "c", expires_at=clock.now() + timedelta(hours=1))
    )
    key = await svc.credentials.create_api_key(me(owner), CreateApiKey(acme.id, "k", Role.ADMIN))
    revoked_key = await svc.credentials.create_api_key(
        me(owner), CreateApiKey(acme.id, "r", Role.ADMIN)
    )
    await svc.credentials.revoke_api_key(me(owner), acme.id, revoked_key.credential.id)
    expiring_key = await svc.credentials.create_api_key(
        me(owner),
        CreateApiKey(acme.id, "e", Role.ADMIN, expires_at=clock.now() + timedelta(hours=1)),
    )

    def other_last_char(token: str) -> str:
        return token[:-1] + ("A" if token[-1] != "A" else "B")

    clock.advance(minutes=59)
    assert await svc.credentials.authenticate(expiring_token.token) == Principal.user(owner.id)
    assert (await svc.credentials.authenticate(expiring_key.token)).api_key_id == (
        expiring_key.credential.id
    )
    clock.advance(minutes=1)  # exactly at expires_at
    bad_at_expiry = {"expired user token": expiring_token.token, "expired key": expiring_key.token}
    bad = {
        "empty": "",
        "garbage": "not-a-token",
        "bearer prefix": f"Bearer {user_token.token}",
        "unknown user token": issue_user_token_secret().token,
        "user token, wrong secret": other_last_char(user_token.token),
        "revoked user token": revoked_token.token,
        "unknown tenant": issue_api_key_secret(TenantId(uuid4())).token,
        "unknown key in a known tenant": issue_api_key_secret(acme.id).token,
        "key, wrong secret": other_last_char(key.token),
        "key presented in another tenant": key.token.replace(acme.id.hex, globex.id.hex),
        "revoked key": revoked_key.token,
    }

    messages: dict[str, str] = {}
    with Unchanged(memory_db):
        for cases in (bad_at_expiry, bad):
            for name, token in cases.items():
                with pytest.raises(Unauthenticated) as raised:
                    await svc.credentials.authenticate(token)
                messages[name] = raised.value.message
        clock.advance(days=30)
        for name, token in bad_at_expiry.items():
            with pytest.raises(Unauthenticated) as raised:
                await svc.credentials.authenticate(token)
            messages[f"{name}, long after"] = raised.value.message

    assert set(messages.values()) == {INVALID_TOKEN}
    assert len(messages) == len(bad) + 2 * len(bad_at_expiry)
