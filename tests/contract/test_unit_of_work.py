"""The same contract for every adapter: round trips, rollback, lost updates, unique keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.ids import Uuid7Generator
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest, Position
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor, ActorKind, AuditEntry
from domain.credentials import ApiKey, UserToken, issue_api_key_secret, issue_user_token_secret
from domain.ids import (
    ApiKeyId,
    AuditEntryId,
    MembershipId,
    TenantId,
    UserId,
    UserTokenId,
)
from domain.tenancy import Membership, Role, Tenant, TenantStatus, User
from domain.values import Email

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_user(email: str = "ada@example.com", when: float = 0) -> User:
    return User(
        UserId(ids.new()),
        Email.parse(email),
        created_at=at(when),
        updated_at=at(when),
        first_name="Ada",
        last_name="Lovelace",
    )


def a_tenant(name: str = "Acme", when: float = 0) -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=at(when), updated_at=at(when))


def a_membership(
    tenant: Tenant, user: User, role: Role = Role.MEMBER, when: float = 0
) -> Membership:
    return Membership(
        MembershipId(ids.new()), tenant.id, user.id, role, created_at=at(when), updated_at=at(when)
    )


async def given(
    uows: UnitOfWorkFactory,
    *users: User,
    tenant: Tenant | None = None,
    memberships: tuple[Membership, ...] = (),
) -> None:
    async with uows(tenant_id=tenant.id if tenant else None) as tx:
        for user in users:
            await tx.users.add(user)
        if tenant is not None:
            await tx.tenants.add(tenant)
        for membership in memberships:
            await tx.memberships.add(membership)
        await tx.commit()


async def test_user_round_trip_and_case_insensitive_lookup(uows):
    user = a_user("Grace.Hopper@Example.com")
    await given(uows, user)
    async with uows() as tx:
        assert await tx.users.get(user.id) == user
        assert await tx.users.by_email(Email.parse("grace.hopper@EXAMPLE.COM")) == user
        assert await tx.users.get(UserId(ids.new())) is None


async def test_email_is_unique_whatever_the_case(uows):
    await given(uows, a_user("ada@example.com"))
    async with uows() as tx:
        with pytest.raises(AlreadyExists) as raised:
            await tx.users.add(a_user("ADA@example.com"))
    assert raised.value.field == "email"


async def test_tenant_and_membership_round_trip(uows):
    user, tenant = a_user(), a_tenant()
    membership = a_membership(tenant, user, Role.OWNER)
    await given(uows, user, tenant=tenant, memberships=(membership,))
    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.tenants.get(tenant.id) == tenant
        assert await tx.memberships.get(tenant.id, user.id) == membership
        assert await tx.memberships.count_owners(tenant.id) == 1
        [member] = await tx.memberships.members(tenant.id, PageRequest())
    assert member.membership == membership
    assert member.user == user


async def test_one_membership_per_user_and_tenant(uows):
    user, tenant = a_user(), a_tenant()
    await given(uows, user, tenant=tenant, memberships=(a_membership(tenant, user),))
    async with uows(tenant_id=tenant.id) as tx:
        with pytest.raises(AlreadyExists) as raised:
            await tx.memberships.add(a_membership(tenant, user, Role.ADMIN))
    assert raised.value.field == "user_id"


async def test_leaving_the_block_without_commit_rolls_back(uows):
    user = a_user()
    async with uows() as tx:
        await tx.users.add(user)
    async with uows() as tx:
        assert await tx.users.get(user.id) is None


async def test_after_commit_callbacks_run_once_committed_and_never_otherwise(uows):
    calls: list[str] = []
    async with uows() as tx:
        await tx.users.add(a_user("rolled-back@example.com"))
        tx.after_commit(lambda: calls.append("rolled back"))
    assert calls == []

    committed = a_user("committed@example.com")
    async with uows() as tx:
        await tx.users.add(committed)

        def seen_after_the_commit() -> None:
            calls.append("committed")

        tx.after_commit(seen_after_the_commit)
        assert calls == []
        await tx.commit()
    assert calls == ["committed"]
    async with uows() as tx:
        assert await tx.users.get(committed.id) is not None


async def test_an_exception_rolls_back_everything_written(uows):
    user, tenant = a_user(), a_tenant()

    async def write_then_fail() -> None:
        async with uows(tenant_id=tenant.id) as tx:
            await tx.users.add(user)
            await tx.tenants.add(tenant)
            await tx.memberships.add(a_membership(tenant, user, Role.OWNER))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.users.get(user.id) is None
        assert await tx.tenants.get(tenant.id) is None
        assert await tx.memberships.get(tenant.id, user.id) is None


async def test_a_lost_update_is_refused(uows):
    tenant = a_tenant()
    await given(uows, tenant=tenant)
    async with uows(tenant_id=tenant.id) as a, uows(tenant_id=tenant.id) as b:
        ta, tb = await a.tenants.get(tenant.id), await b.tenants.get(tenant.id)
        assert ta is not None
        assert tb is not None
        ta.rename("A", at(1))
        await a.tenants.save(ta)
        await a.commit()
        tb.rename("B", at(2))
        with pytest.raises(ConcurrencyConflict):
            await b.tenants.save(tb)
    async with uows() as tx:
        stored = await tx.tenants.get(tenant.id)
    assert stored is not None
    assert (stored.name, stored.version) == ("A", 1)


async def test_save_bumps_the_version_and_keeps_every_field(uows):
    user, tenant = a_user(), a_tenant()
    membership = a_membership(tenant, user, Role.MEMBER)
    await given(uows, user, tenant=tenant, memberships=(membership,))
    async with uows(tenant_id=tenant.id) as tx:
        stored_tenant = await tx.tenants.get(tenant.id)
        stored_user = await tx.users.get(user.id)
        stored_membership = await tx.memberships.get(tenant.id, user.id)
        assert stored_tenant
        assert stored_user
        assert stored_membership
        stored_tenant.suspend(at(5))
        stored_user.first_name = "Augusta"
        stored_user.deactivate(at(5))
        stored_membership.change_role(Role.ADMIN, changed_by=None, at=at(5))
        await tx.tenants.save(stored_tenant)
        await tx.users.save(stored_user)
        await tx.memberships.save(stored_membership)
        await tx.commit()
    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.tenants.get(tenant.id) == stored_tenant
        assert await tx.users.get(user.id) == stored_user
        assert await tx.memberships.get(tenant.id, user.id) == stored_membership
    assert stored_tenant.status is TenantStatus.SUSPENDED
    assert (stored_tenant.version, stored_user.version, stored_membership.version) == (1, 1, 1)


async def test_removing_a_membership(uows):
    user, tenant = a_user(), a_tenant()
    membership = a_membership(tenant, user)
    await given(uows, user, tenant=tenant, memberships=(membership,))
    async with uows(tenant_id=tenant.id) as tx:
        await tx.memberships.remove(membership)
        await tx.commit()
    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.memberships.get(tenant.id, user.id) is None


async def test_a_users_tenants_are_listed_across_tenants(uows):
    user = a_user()
    first, second, other = a_tenant("First", 1), a_tenant("Second", 2), a_tenant("Other", 3)
    stranger = a_user("stranger@example.com")
    await given(uows, user, stranger)
    for when, tenant in enumerate((first, second)):
        await given(
            uows, tenant=tenant, memberships=(a_membership(tenant, user, Role.ADMIN, when),)
        )
    await given(uows, tenant=other, memberships=(a_membership(other, stranger, Role.OWNER),))
    async with uows(user_id=user.id) as tx:
        mine = await tx.memberships.tenants_of(user.id, PageRequest())
    assert [(item.tenant.name, item.membership.role) for item in mine] == [
        ("First", Role.ADMIN),
        ("Second", Role.ADMIN),
    ]


async def test_pages_are_keyset_ordered_and_complete(uows):
    users = [a_user(f"user{i}@example.com", when=i // 2) for i in range(7)]
    await given(uows, *users)
    seen: list[UUID] = []
    page = PageRequest(limit=3)
    while True:
        async with uows() as tx:
            rows = await tx.users.list(page)
        seen += [u.id for u in rows[: page.limit]]
        if len(rows) <= page.limit:
            break
        last = rows[page.limit - 1]
        page = PageRequest(limit=3, after=Position(last.created_at, last.id))
    assert seen == [u.id for u in sorted(users, key=lambda u: (u.created_at, u.id))]


async def test_api_keys_round_trip_by_prefix_and_record_use(uows):
    user, tenant = a_user(), a_tenant()
    await given(uows, user, tenant=tenant)
    secret = issue_api_key_secret(tenant.id)
    key = ApiKey(
        id=ApiKeyId(ids.new()),
        tenant_id=tenant.id,
        name="ci",
        prefix=secret.prefix,
        secret_hash=secret.secret_hash,
        role=Role.ADMIN,
        created_by=user.id,
        created_at=at(0),
        expires_at=at(3600),
    )
    async with uows(tenant_id=tenant.id) as tx:
        await tx.api_keys.add(key)
        await tx.commit()
    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.api_keys.by_prefix(tenant.id, secret.prefix) == key
        assert await tx.api_keys.get(tenant.id, key.id) == key
        await tx.api_keys.mark_used(key.id, at(10))
        key.revoke(at(20))
        await tx.api_keys.save(key)
        await tx.commit()
    async with uows(tenant_id=tenant.id) as tx:
        stored = await tx.api_keys.get(tenant.id, key.id)
        listed = await tx.api_keys.list(tenant.id, PageRequest())
    assert stored is not None
    assert (stored.last_used_at, stored.revoked_at) == (at(10), at(20))
    assert [k.id for k in listed] == [key.id]


async def test_user_tokens_round_trip(uows):
    user = a_user()
    await given(uows, user)
    secret = issue_user_token_secret()
    token = UserToken(
        id=UserTokenId(ids.new()),
        user_id=user.id,
        name="laptop",
        prefix=secret.prefix,
        secret_hash=secret.secret_hash,
        created_at=at(0),
    )
    async with uows() as tx:
        await tx.user_tokens.add(token)
        await tx.commit()
    async with uows() as tx:
        assert await tx.user_tokens.by_prefix(secret.prefix) == token
        assert await tx.user_tokens.get(user.id, token.id) == token
        assert await tx.user_tokens.get(UserId(ids.new()), token.id) is None
        assert [t.id for t in await tx.user_tokens.list(user.id, PageRequest())] == [token.id]


async def test_audit_log_lists_a_tenants_entries_newest_first(uows):
    tenant, other = a_tenant("Mine"), a_tenant("Theirs")
    await given(uows, tenant=tenant)
    await given(uows, tenant=other)
    actor = Actor(ActorKind.USER, ids.new())

    def entry(tenant_id: TenantId, when: float) -> AuditEntry:
        return AuditEntry(
            AuditEntryId(ids.new()),
            tenant_id,
            actor,
            "tenant.updated",
            "tenant",
            tenant_id,
            {"name": {"from": "a", "to": "b"}},
            at(when),
        )

    mine = [entry(tenant.id, w) for w in (1, 2, 3)]
    async with uows(tenant_id=tenant.id) as tx:
        for e in mine:
            await tx.audit.record(e)
        await tx.commit()
    async with uows(tenant_id=other.id) as tx:
        await tx.audit.record(entry(other.id, 4))
        await tx.commit()
    async with uows(tenant_id=tenant.id) as tx:
        listed = await tx.audit.list(tenant.id, PageRequest())
    assert listed == list(reversed(mine))
