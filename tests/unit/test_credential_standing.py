"""API keys follow their creator's standing, and a key that lost it never comes back."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.bootstrap import BootstrapService
from application.context import UseCaseDeps
from application.credentials import CreateApiKey, Issued
from application.errors import Unauthenticated
from application.pagination import PageRequest
from application.tenancy import AddMember
from application.users import UpdateUser
from domain.audit import ActorKind
from domain.credentials import ApiKey
from domain.ids import ApiKeyId, TenantId, UserId
from domain.tenancy import Role, Tenant, User
from tests.support import PLATFORM, MutableClock, World
from tests.unit.helpers import AuditTap, Services

ALL = PageRequest(limit=200)
ROLES = st.sampled_from(list(Role))


def me(user: User) -> Principal:
    return Principal.user(user.id, is_platform_admin=user.is_platform_admin)


@pytest.fixture
async def owner(world: World) -> User:
    return await world.user("owner@acme.example")


@pytest.fixture
async def acme(world: World, owner: User) -> Tenant:
    return await world.tenant(owner, "Acme")


async def member(svc: Services, world: World, owner: User, tenant: Tenant, role: Role) -> User:
    user = await world.user(f"{role}-{tenant.name.lower()}@example.com")
    await svc.members.add_member(PLATFORM, AddMember(tenant.id, role, user_id=user.id))
    return user


async def key_of(svc: Services, by: User, tenant: Tenant, role: Role) -> Issued[ApiKey]:
    return await svc.credentials.create_api_key(me(by), CreateApiKey(tenant.id, "ci", role))


async def stored_key(db: InMemoryDatabase, key_id: ApiKeyId) -> ApiKey:
    key: ApiKey = db.tables["api_keys"][key_id]
    return key


async def effective_roles(svc: Services, tenant_id: TenantId) -> dict[ApiKeyId, Role | None]:
    page = await svc.credentials.list_api_keys(PLATFORM, tenant_id, ALL)
    return {item.key.id: item.effective_role for item in page.items}


async def set_directly(deps: UseCaseDeps, user_id: UserId, **fields: bool) -> None:
    """Change a user without the use case: the state a database written before keys were
    revoked with their creator's standing may hold."""
    async with deps.uows() as tx:
        user = await tx.users.get(user_id)
        assert user is not None
        for name, value in fields.items():
            setattr(user, name, value)
        await tx.users.save(user)
        await tx.commit()


async def remove_directly(deps: UseCaseDeps, tenant: Tenant, user: User) -> None:
    async with deps.uows(tenant_id=tenant.id) as tx:
        membership = await tx.memberships.get(tenant.id, user.id)
        assert membership is not None
        await tx.memberships.remove(membership)
        await tx.commit()


@given(granted=ROLES, ceiling=st.none() | ROLES)
def test_a_key_acts_with_the_lesser_of_its_role_and_its_creators(
    granted: Role, ceiling: Role | None
) -> None:
    clock = MutableClock()
    key = ApiKey(
        id=ApiKeyId(UUID(int=1)),
        tenant_id=TenantId(UUID(int=2)),
        name="ci",
        prefix="p",
        secret_hash="h",
        role=granted,
        created_by=None,
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(hours=1),
    )
    acting = key.acting_role(ceiling, clock.now())
    if ceiling is None:
        assert acting is None
    else:
        assert acting is not None
        assert acting.rank == min(granted.rank, ceiling.rank)
    assert key.acting_role(ceiling, clock.now() + timedelta(hours=1)) is None  # expired
    key.revoke(clock.now())
    assert key.acting_role(ceiling, clock.now()) is None


async def test_removing_a_creator_revokes_each_of_their_keys_in_the_same_audited_change(
    svc: Services, world: World, owner: User, acme: Tenant, audit_tap: AuditTap
) -> None:
    bob = await member(svc, world, owner, acme, Role.ADMIN)
    first = await key_of(svc, bob, acme, Role.ADMIN)
    second = await key_of(svc, bob, acme, Role.VIEWER)
    owners = await key_of(svc, owner, acme, Role.ADMIN)
    audit_tap.new()

    await svc.members.remove_member(me(owner), acme.id, bob.id)

    entries = audit_tap.new()
    assert [e.action for e in entries] == ["member.removed", "api_key.revoked", "api_key.revoked"]
    assert [
        (e.actor.kind, e.actor.id, e.entity, e.entity_id, e.tenant_id, e.changes)
        for e in entries[1:]
    ] == [
        (ActorKind.USER, owner.id, "api_key", key.credential.id, acme.id,
         {"name": "ci", "reason": "creator_removed"})
        for key in (first, second)
    ]  # fmt: skip
    assert await effective_roles(svc, acme.id) == {
        first.credential.id: None,
        second.credential.id: None,
        owners.credential.id: Role.ADMIN,
    }


async def test_re_adding_a_creator_revokes_keys_left_from_an_earlier_membership(
    svc: Services,
    world: World,
    deps: UseCaseDeps,
    owner: User,
    acme: Tenant,
    memory_db: InMemoryDatabase,
    audit_tap: AuditTap,
) -> None:
    bob = await member(svc, world, owner, acme, Role.ADMIN)
    issued = await key_of(svc, bob, acme, Role.ADMIN)
    await remove_directly(deps, acme, bob)
    audit_tap.new()

    await svc.members.add_member(PLATFORM, AddMember(acme.id, Role.ADMIN, user_id=bob.id))

    with pytest.raises(Unauthenticated):
        await svc.credentials.authenticate(issued.token)
    assert (await stored_key(memory_db, issued.credential.id)).revoked_at is not None
    assert [(e.action, e.changes) for e in audit_tap.new()] == [
        ("member.added", {"user_id": str(bob.id), "role": "admin"}),
        ("api_key.revoked", {"name": "ci", "reason": "creator_rejoined"}),
    ]


async def test_adding_a_platform_admin_keeps_the_keys_they_made_as_one(
    svc: Services, world: World, owner: User, acme: Tenant, memory_db: InMemoryDatabase
) -> None:
    operator = await world.user("operator@example.com", is_platform_admin=True)
    issued = await key_of(svc, operator, acme, Role.ADMIN)

    await svc.members.add_member(PLATFORM, AddMember(acme.id, Role.VIEWER, user_id=operator.id))

    assert await svc.credentials.authenticate(issued.token) == Principal.api_key(
        issued.credential.id, acme.id, Role.ADMIN, operator.id
    )
    assert (await stored_key(memory_db, issued.credential.id)).revoked_at is None


async def test_reactivating_a_creator_revokes_keys_that_outlived_the_deactivation(
    svc: Services, world: World, deps: UseCaseDeps, owner: User, acme: Tenant
) -> None:
    globex = await world.tenant(owner, "Globex")
    keys = [await key_of(svc, owner, tenant, Role.OWNER) for tenant in (acme, globex)]
    await set_directly(deps, owner.id, is_active=False)

    await svc.users.update_user(PLATFORM, UpdateUser(owner.id, is_active=True))

    for issued in keys:
        with pytest.raises(Unauthenticated):
            await svc.credentials.authenticate(issued.token)
        log = (await svc.audit.tenant_audit_log(PLATFORM, issued.credential.tenant_id, ALL)).items
        assert [(e.action, e.changes["reason"]) for e in log[:1]] == [
            ("api_key.revoked", "creator_reactivated")
        ]


async def test_making_a_user_platform_admin_revokes_their_keys_where_they_are_not_members(
    svc: Services, world: World, deps: UseCaseDeps, owner: User, acme: Tenant
) -> None:
    globex = await world.tenant(owner, "Globex")
    bob = await member(svc, world, owner, acme, Role.ADMIN)
    await svc.members.add_member(PLATFORM, AddMember(globex.id, Role.ADMIN, user_id=bob.id))
    stale = await key_of(svc, bob, acme, Role.ADMIN)
    kept = await key_of(svc, bob, globex, Role.ADMIN)
    await remove_directly(deps, acme, bob)

    await svc.users.update_user(PLATFORM, UpdateUser(bob.id, is_platform_admin=True))

    with pytest.raises(Unauthenticated):
        await svc.credentials.authenticate(stale.token)
    assert await effective_roles(svc, acme.id) == {stale.credential.id: None}
    assert (await svc.credentials.authenticate(kept.token)).api_key_role is Role.ADMIN


async def test_the_bootstrap_promotion_of_an_inactive_user_revives_none_of_their_keys(
    svc: Services, world: World, deps: UseCaseDeps, owner: User, acme: Tenant
) -> None:
    issued = await key_of(svc, owner, acme, Role.OWNER)
    await set_directly(deps, owner.id, is_active=False)
    bootstrap = BootstrapService(deps, svc.credentials, svc.tenants)

    await bootstrap.create_platform_admin(owner.email)

    with pytest.raises(Unauthenticated):
        await svc.credentials.authenticate(issued.token)
    log = (await svc.audit.tenant_audit_log(PLATFORM, acme.id, ALL)).items
    assert (log[0].action, log[0].changes["reason"]) == ("api_key.revoked", "creator_reactivated")


async def test_the_key_list_shows_no_role_for_an_expired_key_and_the_capped_one_otherwise(
    svc: Services, world: World, owner: User, acme: Tenant, clock: MutableClock
) -> None:
    bob = await member(svc, world, owner, acme, Role.MEMBER)
    capped = await key_of(svc, owner, acme, Role.OWNER)
    await svc.members.transfer_ownership(me(owner), acme.id, bob.id)  # the owner becomes admin
    short = await svc.credentials.create_api_key(
        me(bob),
        CreateApiKey(acme.id, "short", Role.MEMBER, expires_at=clock.now() + timedelta(hours=1)),
    )
    owner_key = await key_of(svc, bob, acme, Role.OWNER)

    assert await effective_roles(svc, acme.id) == {
        capped.credential.id: Role.ADMIN,
        short.credential.id: Role.MEMBER,
        owner_key.credential.id: Role.OWNER,
    }
    clock.advance(hours=2)
    assert (await effective_roles(svc, acme.id))[short.credential.id] is None
