"""Revoking a creator's API keys, and a transaction that does it in several tenants at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.ids import Uuid7Generator
from application.pagination import PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor, ActorKind, AuditEntry
from domain.credentials import ApiKey, issue_api_key_secret
from domain.ids import ApiKeyId, AuditEntryId, TenantId, UserId
from domain.tenancy import Role, Tenant, User
from domain.values import Email

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_user(email: str) -> User:
    return User(UserId(ids.new()), Email.parse(email), created_at=T0, updated_at=T0)


def a_tenant(name: str) -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=T0, updated_at=T0)


def a_key(tenant: Tenant, creator: User, when: float, name: str = "ci") -> ApiKey:
    secret = issue_api_key_secret(tenant.id)
    return ApiKey(
        id=ApiKeyId(ids.new()),
        tenant_id=tenant.id,
        name=name,
        prefix=secret.prefix,
        secret_hash=secret.secret_hash,
        role=Role.ADMIN,
        created_by=creator.id,
        created_at=at(when),
    )


def an_entry(tenant: Tenant, key: ApiKey) -> AuditEntry:
    return AuditEntry(
        AuditEntryId(ids.new()),
        tenant.id,
        Actor(ActorKind.USER, ids.new()),
        "api_key.revoked",
        "api_key",
        key.id,
        {"name": key.name},
        at(100),
    )


async def given(uows: UnitOfWorkFactory, *users: User, tenants: tuple[Tenant, ...]) -> None:
    async with uows() as tx:
        for user in users:
            await tx.users.add(user)
        await tx.commit()
    for tenant in tenants:
        async with uows(tenant_id=tenant.id) as tx:
            await tx.tenants.add(tenant)
            await tx.commit()


async def given_keys(uows: UnitOfWorkFactory, *keys: ApiKey) -> None:
    for key in keys:
        async with uows(tenant_id=key.tenant_id) as tx:
            await tx.api_keys.add(key)
            await tx.commit()


async def stored(uows: UnitOfWorkFactory, key: ApiKey) -> ApiKey:
    async with uows(tenant_id=key.tenant_id) as tx:
        found = await tx.api_keys.get(key.tenant_id, key.id)
    assert found is not None
    return found


async def test_revoking_a_creators_keys_touches_only_their_live_keys_in_that_tenant(uows):
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    await given(uows, ada, bob, tenants=(acme, globex))
    second, first = a_key(acme, ada, 2, "second"), a_key(acme, ada, 1, "first")
    already = a_key(acme, ada, 3, "already")
    already.revoke(at(50))
    bobs, elsewhere = a_key(acme, bob, 4), a_key(globex, ada, 5)
    await given_keys(uows, second, first, already, bobs, elsewhere)

    async with uows(tenant_id=acme.id) as tx:
        revoked = await tx.api_keys.revoke_created_by(acme.id, ada.id, at(60))
        await tx.commit()

    assert [(k.id, k.name, k.revoked_at) for k in revoked] == [
        (first.id, "first", at(60)),
        (second.id, "second", at(60)),
    ]
    assert (await stored(uows, first)).revoked_at == at(60)
    assert (await stored(uows, second)).revoked_at == at(60)
    assert (await stored(uows, already)).revoked_at == at(50)  # its first revocation stands
    assert (await stored(uows, bobs)).revoked_at is None
    assert (await stored(uows, elsewhere)).revoked_at is None
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.api_keys.revoke_created_by(acme.id, ada.id, at(70)) == []


async def test_revoking_a_creators_keys_is_undone_by_a_rollback(uows):
    ada, acme = a_user("ada@example.com"), a_tenant("Acme")
    await given(uows, ada, tenants=(acme,))
    key = a_key(acme, ada, 1)
    await given_keys(uows, key)

    async with uows(tenant_id=acme.id) as tx:
        assert [k.id for k in await tx.api_keys.revoke_created_by(acme.id, ada.id, at(60))] == [
            key.id
        ]

    assert (await stored(uows, key)).revoked_at is None


async def test_one_transaction_revokes_and_audits_in_several_tenants(uows):
    ada = a_user("ada@example.com")
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    await given(uows, ada, tenants=(acme, globex))
    in_acme, in_globex = a_key(acme, ada, 1), a_key(globex, ada, 2)
    await given_keys(uows, in_acme, in_globex)

    async with uows(user_id=ada.id) as tx:
        for tenant in (acme, globex):
            await tx.switch_tenant(tenant.id)
            for key in await tx.api_keys.revoke_created_by(tenant.id, ada.id, at(60)):
                await tx.audit.record(an_entry(tenant, key))
        await tx.switch_tenant(None)
        await tx.commit()

    for tenant, key in ((acme, in_acme), (globex, in_globex)):
        assert (await stored(uows, key)).revoked_at == at(60)
        async with uows(tenant_id=tenant.id) as tx:
            log = await tx.audit.list(tenant.id, PageRequest())
        assert [(e.action, e.entity_id) for e in log] == [("api_key.revoked", key.id)]


async def test_a_transaction_across_tenants_rolls_back_in_every_tenant(uows):
    ada = a_user("ada@example.com")
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    await given(uows, ada, tenants=(acme, globex))
    in_acme, in_globex = a_key(acme, ada, 1), a_key(globex, ada, 2)
    await given_keys(uows, in_acme, in_globex)

    async with uows() as tx:
        for tenant in (acme, globex):
            await tx.switch_tenant(tenant.id)
            await tx.api_keys.revoke_created_by(tenant.id, ada.id, at(60))

    assert (await stored(uows, in_acme)).revoked_at is None
    assert (await stored(uows, in_globex)).revoked_at is None
