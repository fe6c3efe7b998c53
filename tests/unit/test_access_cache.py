"""The process's memory of who a token is and what it may do (AccessCache).

A cached answer must be the answer the database would give, in the process that makes a
change at once, and in any other process within the cache's time to live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ids import Uuid7Generator
from adapters.memory.plans import InMemoryFeatureRepository
from adapters.memory.tenancy import InMemoryTenantRepository
from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Access, AccessCache, Permission, Principal
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.credentials import CreateApiKey, IssueUserToken
from application.entitlements import EntitlementCache
from application.pagination import PageRequest
from application.plans import TenantFeatureService
from application.tenancy import AddMember, ChangeRole
from application.users import UpdateUser
from domain.ids import TenantId
from domain.tenancy import Role, Tenant, User
from tests.support import PLATFORM, MutableClock, World
from tests.unit.helpers import Services, run

TTL = 5.0
ALL = PageRequest(limit=100)


class CountingUnitsOfWork:
    """The in-memory database's units of work, counted: a cached answer opens none."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.opened = 0

    def __call__(self, **context: Any) -> Any:
        self.opened += 1
        return self._db.unit_of_work(**context)


@attrs.frozen
class Process:
    """One API process: its own caches over the shared database."""

    uows: CountingUnitsOfWork
    deps: UseCaseDeps
    svc: Services

    @classmethod
    def over(
        cls,
        db: InMemoryDatabase,
        clock: MutableClock,
        ttl: float = TTL,
        uows: CountingUnitsOfWork | None = None,
    ) -> Process:
        uows = uows or CountingUnitsOfWork(db)
        deps = UseCaseDeps(
            uows=uows, ids=Uuid7Generator(), clock=clock, access=AccessCache(clock, ttl)
        )
        return cls(uows, deps, Services.over(deps))


@attrs.frozen
class Scene:
    db: InMemoryDatabase
    clock: MutableClock
    here: Process
    owner: User
    member: User
    tenant: Tenant
    key: str
    member_token: str


async def scene() -> Scene:
    db, clock = InMemoryDatabase(), MutableClock()
    here = Process.over(db, clock)
    world = World(here.deps)
    owner = await world.user("owner@example.com")
    member = await world.user("member@example.com")
    tenant = await world.tenant(owner)
    await here.svc.members.add_member(PLATFORM, AddMember(tenant.id, Role.ADMIN, user_id=member.id))
    key = await here.svc.credentials.create_api_key(
        Principal.user(member.id), CreateApiKey(tenant.id, "ci", Role.MEMBER)
    )
    token = await here.svc.credentials.issue_user_token(
        Principal.user(member.id), IssueUserToken(member.id, "laptop")
    )
    return Scene(db, clock, here, owner, member, tenant, key.token, token.token)


async def outcome(call: Awaitable[Any]) -> object:
    """What a caller would see: the answer, or the kind of refusal."""
    try:
        result = await call
    except Exception as error:
        return type(error).__name__
    return result


async def standing(process: Process, s: Scene) -> tuple[object, ...]:
    """Who each credential is, and what each may read, as `process` answers."""
    svc = process.svc
    key = await outcome(svc.credentials.authenticate(s.key))
    token = await outcome(svc.credentials.authenticate(s.member_token))
    reads: list[object] = []
    for principal in (key, token):
        if isinstance(principal, Principal):
            tenant = await outcome(svc.tenants.get_tenant(principal, s.tenant.id))
            reads.append(tenant.status if isinstance(tenant, Tenant) else tenant)
            members = await outcome(svc.members.list_members(principal, s.tenant.id, ALL))
            reads.append(members if isinstance(members, str) else len(members.items))
    return key, token, *reads


async def test_a_token_seen_moments_ago_needs_no_database() -> None:
    s = await scene()
    first = await s.here.svc.credentials.authenticate(s.key)
    opened = s.here.uows.opened

    again = await s.here.svc.credentials.authenticate(s.key)
    await s.here.svc.tenants.get_tenant(again, s.tenant.id)  # loads the standing once
    opened_after_first_read = s.here.uows.opened
    await s.here.svc.credentials.authenticate(s.key)

    assert again == first
    assert opened_after_first_read - opened == 1, "only the read's own unit of work"
    assert s.here.uows.opened == opened_after_first_read


async def test_the_answers_are_loaded_again_after_the_time_to_live() -> None:
    s = await scene()
    await s.here.svc.credentials.authenticate(s.key)
    opened = s.here.uows.opened

    s.clock.advance(seconds=TTL)
    await s.here.svc.credentials.authenticate(s.key)

    assert s.here.uows.opened == opened + 1


async def test_a_token_in_use_is_renewed_before_it_expires_by_one_caller() -> None:
    s = await scene()
    await s.here.svc.credentials.authenticate(s.key)
    opened = s.here.uows.opened

    s.clock.advance(seconds=TTL * 0.9)  # due for renewal, not expired
    for _ in range(5):
        await s.here.svc.credentials.authenticate(s.key)
    renewed = s.here.uows.opened
    s.clock.advance(seconds=TTL * 0.5)  # past the first load's expiry, not the renewal's
    await s.here.svc.credentials.authenticate(s.key)

    assert renewed == opened + 1, "one caller renewed it"
    assert s.here.uows.opened == renewed, "the renewal lives from when it was made"


class GatedUnitsOfWork(CountingUnitsOfWork):
    """Counted units of work, the first one opened after `hold()` held at its start until
    `gate` opens: a load under way while other requests arrive."""

    def __init__(self, db: InMemoryDatabase) -> None:
        super().__init__(db)
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()

    def hold(self) -> None:
        self.gate.clear()
        self.entered.clear()

    def __call__(self, **context: Any) -> Any:
        uow = super().__call__(**context)
        if self.gate.is_set() or self.entered.is_set():
            return uow
        gate, entered = self.gate, self.entered
        entered.set()

        class Held:
            async def __aenter__(self) -> Any:
                await gate.wait()
                return await uow.__aenter__()

            async def __aexit__(self, *exc: object) -> Any:
                return await uow.__aexit__(*exc)

        return Held()


async def feature_checks(
    access_ttl: float, inputs_ttl: float
) -> tuple[MutableClock, GatedUnitsOfWork, Callable[[], Awaitable[object]]]:
    """A tenant's owner checking one feature through a process whose caches live as long as
    given: the clock, the units of work, and the check."""
    db, clock = InMemoryDatabase(), MutableClock()
    uows = GatedUnitsOfWork(db)
    deps = UseCaseDeps(
        uows=uows,
        ids=Uuid7Generator(),
        clock=clock,
        access=AccessCache(clock, access_ttl),
        entitlements=EntitlementCache(inputs_ttl, monotonic=lambda: clock.now().timestamp()),
    )
    await sync_catalogue(deps)
    world = World(deps)
    owner = await world.user("owner@example.com")
    tenant = await world.tenant(owner)
    features = TenantFeatureService(deps)
    caller = Principal.user(owner.id)
    return clock, uows, lambda: features.check_feature(caller, tenant.id, "calls.outbound")


@pytest.mark.parametrize("due", ["standing", "inputs"])
async def test_a_cached_feature_check_renews_its_answers_once_while_others_are_answered(
    due: str,
) -> None:
    # The one of the two caches that falls due; the other lives ten times longer.
    access_ttl, inputs_ttl = (TTL, TTL * 10) if due == "standing" else (TTL * 10, TTL)
    clock, uows, check = await feature_checks(access_ttl, inputs_ttl)
    await check()  # loads both
    opened = uows.opened

    clock.advance(seconds=TTL * 0.9)  # due for renewal
    uows.hold()
    renewing = asyncio.create_task(check())
    await asyncio.sleep(0)  # it runs up to its unit of work
    assert uows.entered.is_set(), "the first caller to find them due loads them"
    meanwhile = [await check() for _ in "abc"]
    uows.gate.set()
    renewed = await renewing
    clock.advance(seconds=TTL * 0.5)  # past the first load's expiry, not the renewal's
    after = await check()

    assert all(m == renewed == after for m in meanwhile)
    assert uows.opened == opened + 1, f"one unit of work renewed the {due}"


async def test_callers_that_find_a_token_unknown_at_once_wait_for_one_load() -> None:
    s = await scene()
    cold = Process.over(s.db, s.clock, uows=GatedUnitsOfWork(s.db))
    assert isinstance(cold.uows, GatedUnitsOfWork)

    cold.uows.hold()
    burst = [asyncio.create_task(cold.svc.credentials.authenticate(s.key)) for _ in range(8)]
    await asyncio.sleep(0)  # each runs up to the load, or to waiting for it
    cold.uows.gate.set()
    principals = await asyncio.gather(*burst)

    assert cold.uows.opened == 1, "one load for the whole burst"
    assert len(set(principals)) == 1


async def test_waiting_callers_load_themselves_when_the_load_fails() -> None:
    s = await scene()
    cold = Process.over(s.db, s.clock, uows=GatedUnitsOfWork(s.db))
    assert isinstance(cold.uows, GatedUnitsOfWork)
    cold.uows.hold()
    first = asyncio.create_task(cold.svc.credentials.authenticate(s.key))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(cold.svc.credentials.authenticate(s.key))
    await asyncio.sleep(0)

    first.cancel()  # the load under way ends without keeping anything
    cold.uows.gate.set()

    assert isinstance(await asyncio.wait_for(waiting, 5), Principal)
    assert first.cancelled()


@pytest.mark.parametrize("cache", ["standing", "inputs"])
async def test_feature_checks_that_find_nothing_kept_at_once_load_it_once(
    cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, uows, check = await feature_checks(TTL, TTL)
    await check()
    clock.advance(seconds=TTL * 3)  # an idle spell: nothing kept any more
    loads = {"standing": 0, "inputs": 0}
    read = {
        "standing": (InMemoryTenantRepository, "get"),
        "inputs": (InMemoryFeatureRepository, "list"),
    }
    repository, method = read[cache]
    original = getattr(repository, method)

    async def counted(self: Any, *args: Any) -> Any:
        loads[cache] += 1
        await asyncio.sleep(0)  # a round trip: the others run meanwhile
        return await original(self, *args)

    monkeypatch.setattr(repository, method, counted)

    uows.hold()
    burst = [asyncio.create_task(check()) for _ in range(8)]
    await asyncio.sleep(0)
    uows.gate.set()
    answers = await asyncio.gather(*burst)

    assert loads[cache] == 1, f"the {cache} loaded once for the whole burst"
    assert all(a == answers[0] for a in answers)


async def test_a_cached_token_stops_working_when_it_expires() -> None:
    s = await scene()
    expiring = await s.here.svc.credentials.issue_user_token(
        Principal.user(s.member.id),
        IssueUserToken(s.member.id, "short", expires_at=s.clock.now() + timedelta(seconds=2)),
    )
    await s.here.svc.credentials.authenticate(expiring.token)

    s.clock.advance(seconds=2)

    assert await outcome(s.here.svc.credentials.authenticate(expiring.token)) == "Unauthenticated"


async def test_another_process_sees_a_revocation_within_the_time_to_live() -> None:
    s = await scene()
    elsewhere = Process.over(s.db, s.clock)
    principal = await elsewhere.svc.credentials.authenticate(s.key)
    assert principal.api_key_id is not None

    await s.here.svc.credentials.revoke_api_key(
        Principal.user(s.owner.id), s.tenant.id, principal.api_key_id
    )
    assert await outcome(s.here.svc.credentials.authenticate(s.key)) == "Unauthenticated"

    s.clock.advance(seconds=TTL)
    assert await outcome(elsewhere.svc.credentials.authenticate(s.key)) == "Unauthenticated"


async def test_a_change_of_the_tenant_given_to_a_use_case_does_not_reach_the_cache() -> None:
    s = await scene()
    principal = await s.here.svc.credentials.authenticate(s.member_token)
    given_out = await s.here.svc.tenants.get_tenant(principal, s.tenant.id)

    given_out.rename("Changed by a caller", s.clock.now())

    again = await s.here.svc.tenants.get_tenant(principal, s.tenant.id)
    assert again.name == s.tenant.name


def test_a_load_overtaken_by_a_change_is_not_kept() -> None:
    clock = MutableClock()
    cache = AccessCache(clock, TTL)
    principal = Principal.user(Uuid7Generator().new())  # type: ignore[arg-type]
    since = cache.generation

    cache.forget_all()  # a change lands while the load is under way
    cache.remember_principal("hash", principal, None, clock.now(), since=since)
    tenant_id = TenantId(Uuid7Generator().new())
    cache.remember_access(principal, tenant_id, _access(tenant_id, clock), clock.now(), since=since)

    assert cache.principal("hash", clock.now()) is None
    assert cache.access(principal, tenant_id, clock.now()) is None


def test_a_time_to_live_of_zero_keeps_nothing() -> None:
    clock = MutableClock()
    cache = AccessCache(clock, 0)
    principal = Principal.user(Uuid7Generator().new())  # type: ignore[arg-type]

    cache.remember_principal("hash", principal, None, clock.now(), since=cache.generation)

    assert cache.principal("hash", clock.now()) is None


def test_memory_stays_bounded_whatever_the_number_of_tokens() -> None:
    clock = MutableClock()
    cache = AccessCache(clock, TTL, max_entries=3)
    principal = Principal.user(Uuid7Generator().new())  # type: ignore[arg-type]

    for n in range(10):
        cache.remember_principal(f"hash-{n}", principal, None, clock.now(), since=0)

    kept = [n for n in range(10) if cache.principal(f"hash-{n}", clock.now()) is not None]
    assert kept == [7, 8, 9]


def _access(tenant_id: TenantId, clock: MutableClock) -> Access:
    now = clock.now()
    return Access(Tenant(id=tenant_id, name="T", created_at=now, updated_at=now), Role.OWNER)


# --- the cached answer is the database's answer -----------------------------------------------

Change = Callable[[Scene], Awaitable[object]]


async def _remove_member(s: Scene) -> object:
    return await s.here.svc.members.remove_member(
        Principal.user(s.owner.id), s.tenant.id, s.member.id
    )


async def _add_member_back(s: Scene) -> object:
    return await s.here.svc.members.add_member(
        PLATFORM, AddMember(s.tenant.id, Role.VIEWER, user_id=s.member.id)
    )


async def _make_viewer(s: Scene) -> object:
    return await s.here.svc.members.change_role(
        Principal.user(s.owner.id), ChangeRole(s.tenant.id, s.member.id, Role.VIEWER)
    )


async def _make_admin(s: Scene) -> object:
    return await s.here.svc.members.change_role(
        Principal.user(s.owner.id), ChangeRole(s.tenant.id, s.member.id, Role.ADMIN)
    )


async def _suspend(s: Scene) -> object:
    return await s.here.svc.tenants.suspend_tenant(PLATFORM, s.tenant.id)


async def _reactivate(s: Scene) -> object:
    return await s.here.svc.tenants.reactivate_tenant(PLATFORM, s.tenant.id)


async def _deactivate(s: Scene) -> object:
    return await s.here.svc.users.update_user(PLATFORM, UpdateUser(s.member.id, is_active=False))


async def _activate(s: Scene) -> object:
    return await s.here.svc.users.update_user(PLATFORM, UpdateUser(s.member.id, is_active=True))


async def _promote(s: Scene) -> object:
    return await s.here.svc.users.update_user(
        PLATFORM, UpdateUser(s.member.id, is_platform_admin=True)
    )


async def _demote(s: Scene) -> object:
    return await s.here.svc.users.update_user(
        PLATFORM, UpdateUser(s.member.id, is_platform_admin=False)
    )


async def _wait_a_little(s: Scene) -> object:
    s.clock.advance(seconds=1)
    return None


CHANGES: list[Change] = [
    _remove_member,
    _add_member_back,
    _make_viewer,
    _make_admin,
    _suspend,
    _reactivate,
    _deactivate,
    _activate,
    _promote,
    _demote,
    _wait_a_little,
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CHANGES), min_size=1, max_size=8))
def test_in_the_process_that_made_a_change_every_answer_is_the_databases(
    changes: list[Change],
) -> None:
    async def scenario() -> None:
        s = await scene()
        uncached = Process.over(s.db, s.clock, ttl=0)
        await standing(s.here, s)  # the cache is warm before the first change
        for change in changes:
            await outcome(change(s))  # a refused change (e.g. twice the same) changes nothing
            assert await standing(s.here, s) == await standing(uncached, s), change.__name__

    run(scenario())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CHANGES), min_size=1, max_size=6))
def test_any_other_process_gives_the_databases_answer_once_the_time_to_live_passed(
    changes: list[Change],
) -> None:
    async def scenario() -> None:
        s = await scene()
        elsewhere = Process.over(s.db, s.clock)
        uncached = Process.over(s.db, s.clock, ttl=0)
        await standing(elsewhere, s)
        for change in changes:
            await outcome(change(s))
        s.clock.advance(seconds=TTL)
        assert await standing(elsewhere, s) == await standing(uncached, s)

    run(scenario())


@pytest.mark.parametrize("ttl", [TTL, 0.0])
async def test_a_busy_credential_records_its_use_once_a_minute(ttl: float) -> None:
    s = await scene()
    process = Process.over(s.db, s.clock, ttl=ttl)

    async def last_used() -> object:
        tokens = await process.svc.credentials.list_user_tokens(
            Principal.user(s.member.id), s.member.id, ALL
        )
        return next(t.last_used_at for t in tokens.items if t.name == "laptop")

    await process.svc.credentials.authenticate(s.member_token)
    first = s.clock.now()
    s.clock.advance(seconds=30)
    await process.svc.credentials.authenticate(s.member_token)
    assert await last_used() == first

    s.clock.advance(seconds=31)
    await process.svc.credentials.authenticate(s.member_token)
    assert await last_used() == s.clock.now()


async def test_a_check_from_the_cache_answers_as_the_database_would_and_changes_nothing() -> None:
    """`authorized_from_cache` reads the remembered standing itself, not a copy: it answers
    the same as `authorize`, and what it remembers stays as it was."""
    s = await scene()
    here = s.here.deps
    key = await s.here.svc.credentials.authenticate(s.key)  # a member-role key
    assert here.authorized_from_cache(key, Permission.CALLS_READ, s.tenant.id) is False

    await s.here.svc.tenants.get_tenant(key, s.tenant.id)  # now remembered
    assert here.authorized_from_cache(key, Permission.CALLS_READ, s.tenant.id) is True
    assert await outcome(_from_cache(here, key, Permission.MEMBERS_MANAGE, s.tenant)) == (
        "PermissionDenied"
    )
    remembered = here.access.access(key, s.tenant.id, s.clock.now())
    assert remembered is not None
    assert remembered.tenant == s.tenant

    await s.here.svc.tenants.suspend_tenant(PLATFORM, s.tenant.id)
    await s.here.svc.tenants.get_tenant(key, s.tenant.id)
    assert await outcome(_from_cache(here, key, Permission.CALLS_READ, s.tenant)) == (
        "PermissionDenied"
    )


async def _from_cache(
    deps: UseCaseDeps, principal: Principal, permission: Permission, tenant: Tenant
) -> bool:
    return deps.authorized_from_cache(principal, permission, tenant.id)
