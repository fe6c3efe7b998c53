"""In-memory adapters: the same contract as PostgreSQL, for fast use-case tests.

Each unit of work reads the committed tables through its own overlay of pending writes and
publishes them on commit, so concurrent units of work behave like read-committed
transactions: a lost update is refused by version, a rollback leaves nothing behind, and
`get_for_update` serialises writers of a tenant like a row lock.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import attrs

from application.entitlements import month_start
from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    lead_phone_taken,
    number_taken,
    provider_number_taken,
)
from application.pagination import PageRequest, Position
from application.ports import (
    CallFilter,
    CallListItem,
    CallRoute,
    InboxMessage,
    LeadFilter,
    LiveCall,
    StagedLead,
    StagedMerge,
    UsageGrouping,
    UsagePeriod,
    UsageQuery,
    UsageTotal,
)
from domain.agents import VoiceAgent
from domain.audit import AuditEntry
from domain.calls import AiUsage, VoiceCall
from domain.credentials import ApiKey, UserToken
from domain.ids import (
    AgentId,
    ApiKeyId,
    CallId,
    FeatureId,
    LeadId,
    PhoneNumberId,
    PlanId,
    TenantId,
    UserId,
    UserTokenId,
    VoiceId,
)
from domain.leads import Lead
from domain.phones import NumberStatus, PhoneLine, PhoneNumber
from domain.plans import Feature, FeatureValue, Override, Plan
from domain.tenancy import Member, Membership, Role, Tenant, User, UserTenant
from domain.values import Email
from domain.voices import Voice

T = TypeVar("T")
_DELETED = object()


class InMemoryDatabase:
    """The committed state shared by every unit of work of one test or process."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {
            name: {}
            for name in (
                "users",
                "tenants",
                "memberships",
                "api_keys",
                "user_tokens",
                "audit",
                "plans",
                "plan_values",
                "features",
                "overrides",
                "voices",
                "phone_numbers",
                "agents",
                "leads",
                "calls",
                "live_calls",
                "ai_usage",
                "inbox",
            )
        }
        self.tenant_locks: dict[TenantId, asyncio.Lock] = {}
        self.placement_lock = asyncio.Lock()
        self.dedupe_locks: dict[str, asyncio.Lock] = {}

    def unit_of_work(
        self,
        *,
        tenant_id: TenantId | None = None,
        user_id: UserId | None = None,
        called_number: PhoneNumber | None = None,
        called_provider_number: str | None = None,
        call_route: CallRoute | None = None,
        bulk: bool = False,
    ) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)


class _Overlay:
    """Pending writes of one transaction over the committed tables."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.pending: dict[str, dict[Any, Any]] = {name: {} for name in db.tables}
        # The committed version each versioned save started from: checked again at commit,
        # as PostgreSQL's row lock would, so two transactions cannot both win.
        self.based_on: dict[tuple[str, Any], int] = {}
        # An import's rows, private to the transaction like PostgreSQL's temporary table.
        self.staged_leads: list[StagedLead] = []

    def get(self, table: str, key: Any) -> Any:
        value = self.pending[table].get(key, None)
        if value is _DELETED:
            return None
        if value is None:
            value = self._db.tables[table].get(key)
        return copy.deepcopy(value)

    def rows(self, table: str) -> list[Any]:
        merged = {**self._db.tables[table], **self.pending[table]}
        return [copy.deepcopy(v) for v in merged.values() if v is not _DELETED]

    def rows_where(self, table: str, keep: Callable[[Any], bool]) -> list[Any]:
        """`rows` filtered, copying only the rows kept (a large table stays cheap to query)."""
        merged = {**self._db.tables[table], **self.pending[table]}
        return [copy.deepcopy(v) for v in merged.values() if v is not _DELETED and keep(v)]

    def put(self, table: str, key: Any, value: Any) -> None:
        self.pending[table][key] = copy.deepcopy(value)

    def delete(self, table: str, key: Any) -> None:
        self.pending[table][key] = _DELETED

    def committed(self, table: str, key: Any) -> Any:
        return self._db.tables[table].get(key)

    def _check_unique(
        self, table: str, key: Callable[[Any], Any], error: Callable[[], AlreadyExists]
    ) -> None:
        """A unique index: checked at commit against what others committed meanwhile."""
        for row_id, row in self.pending[table].items():
            if row is _DELETED or key(row) is None:
                continue
            for other_id, other in self._db.tables[table].items():
                if other_id != row_id and key(other) == key(row):
                    pending = self.pending[table].get(other_id)
                    if pending is _DELETED or (pending is not None and key(pending) != key(row)):
                        continue
                    raise error()

    def publish(self) -> None:
        for (table, key), version in self.based_on.items():
            committed = self._db.tables[table].get(key)
            if committed is None or committed.version != version:
                raise ConcurrencyConflict(table, key)
        for user in self.pending["users"].values():
            if user is not _DELETED and any(
                other.email == user.email and other.id != user.id
                for other in self._db.tables["users"].values()
            ):
                raise AlreadyExists("user", "email")
        self._check_unique(
            "phone_numbers", lambda n: n.number if n.is_active else None, number_taken
        )
        self._check_unique(
            "phone_numbers",
            lambda n: n.provider_number_id if n.is_active else None,
            provider_number_taken,
        )
        self._check_unique("leads", lambda lead: (lead.tenant_id, lead.phone), lead_phone_taken)
        self._check_unique(
            "calls",
            lambda c: (c.tenant_id, c.idempotency_key) if c.idempotency_key else None,
            lambda: AlreadyExists("call", "idempotency_key"),
        )
        self._check_unique(
            "calls", lambda c: c.vapi_call_id, lambda: AlreadyExists("call", "vapi_call_id")
        )
        self._check_unique(
            "inbox", lambda m: m.dedupe_key, lambda: AlreadyExists("message", "dedupe_key")
        )
        self.based_on.clear()
        for table, writes in self.pending.items():
            for key, value in writes.items():
                if value is _DELETED:
                    self._db.tables[table].pop(key, None)
                else:
                    self._db.tables[table][key] = value
            writes.clear()


def _page(
    rows: Iterable[T],
    request: PageRequest,
    position: Callable[[T], Position],
    *,
    newest_first: bool = False,
) -> list[T]:
    def key(row: T) -> tuple[datetime, UUID]:
        p = position(row)
        return (p.created_at, p.id)

    ordered = sorted(rows, key=key, reverse=newest_first)
    if request.after is not None:
        mark = (request.after.created_at, request.after.id)
        ordered = [r for r in ordered if (key(r) < mark if newest_first else key(r) > mark)]
    return ordered[: request.limit + 1]


def _save_versioned(overlay: _Overlay, table: str, entity: Any, name: str) -> None:
    current = overlay.get(table, entity.id)
    committed = overlay.committed(table, entity.id)
    if (
        current is None
        or getattr(current, "tenant_id", None) != getattr(entity, "tenant_id", None)
        or current.version != entity.version
        or (committed is not None and committed.version > entity.version)
    ):
        raise ConcurrencyConflict(name, entity.id)
    overlay.based_on.setdefault((table, entity.id), entity.version)
    entity.version += 1
    overlay.put(table, entity.id, entity)


def _owned(row: T | None, tenant_id: TenantId) -> T | None:
    """A tenant-scoped row, only for its own tenant."""
    return row if row is not None and getattr(row, "tenant_id", None) == tenant_id else None


def _save_credential(overlay: _Overlay, table: str, credential: ApiKey | UserToken) -> None:
    """Like the SQL adapter: only the name and the revocation change; last use is kept."""
    stored = overlay.get(table, credential.id)
    if stored is not None:
        stored.name = credential.name
        stored.revoked_at = credential.revoked_at
        overlay.put(table, credential.id, stored)


class InMemoryUserRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def get(self, user_id: UserId) -> User | None:
        return self._o.get("users", user_id)  # type: ignore[no-any-return]

    async def by_email(self, email: Email) -> User | None:
        return next((u for u in self._o.rows("users") if u.email == email), None)

    async def add(self, user: User) -> None:
        if await self.by_email(user.email) is not None:
            raise AlreadyExists("user", "email")
        self._o.put("users", user.id, user)

    async def save(self, user: User) -> None:
        other = await self.by_email(user.email)
        if other is not None and other.id != user.id:
            raise AlreadyExists("user", "email")
        _save_versioned(self._o, "users", user, "user")

    async def list(self, page: PageRequest) -> list[User]:
        return _page(self._o.rows("users"), page, lambda u: Position(u.created_at, u.id))


class InMemoryTenantRepository:
    def __init__(self, overlay: _Overlay, uow: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._uow = uow

    async def get(self, tenant_id: TenantId) -> Tenant | None:
        return self._o.get("tenants", tenant_id)  # type: ignore[no-any-return]

    async def get_for_update(self, tenant_id: TenantId) -> Tenant | None:
        await self._uow.lock_tenant(tenant_id)
        return await self.get(tenant_id)

    async def add(self, tenant: Tenant) -> None:
        self._o.put("tenants", tenant.id, tenant)

    async def save(self, tenant: Tenant) -> None:
        _save_versioned(self._o, "tenants", tenant, "tenant")

    async def list(self, page: PageRequest) -> list[Tenant]:
        return _page(self._o.rows("tenants"), page, lambda t: Position(t.created_at, t.id))


class InMemoryMembershipRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, user_id: UserId) -> Membership | None:
        return next(
            (
                m
                for m in self._o.rows("memberships")
                if m.tenant_id == tenant_id and m.user_id == user_id
            ),
            None,
        )

    async def add(self, membership: Membership) -> None:
        if await self.get(membership.tenant_id, membership.user_id) is not None:
            raise AlreadyExists(
                "membership", "user_id", "the user is already a member of this tenant"
            )
        self._o.put("memberships", membership.id, membership)

    async def save(self, membership: Membership) -> None:
        _save_versioned(self._o, "memberships", membership, "membership")

    async def remove(self, membership: Membership) -> None:
        self._o.delete("memberships", membership.id)

    async def count_owners(self, tenant_id: TenantId) -> int:
        return sum(
            1
            for m in self._o.rows("memberships")
            if m.tenant_id == tenant_id and m.role is Role.OWNER
        )

    async def count(self, tenant_id: TenantId) -> int:
        return sum(1 for m in self._o.rows("memberships") if m.tenant_id == tenant_id)

    async def members(self, tenant_id: TenantId, page: PageRequest) -> list[Member]:
        rows = [
            Member(m, self._o.get("users", m.user_id))
            for m in self._o.rows("memberships")
            if m.tenant_id == tenant_id
        ]
        return _page(rows, page, lambda r: Position(r.membership.created_at, r.membership.id))

    async def tenants_of(self, user_id: UserId, page: PageRequest) -> list[UserTenant]:
        rows = [
            UserTenant(self._o.get("tenants", m.tenant_id), m)
            for m in self._o.rows("memberships")
            if m.user_id == user_id
        ]
        return _page(rows, page, lambda r: Position(r.membership.created_at, r.membership.id))


class InMemoryApiKeyRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def add(self, key: ApiKey) -> None:
        self._o.put("api_keys", key.id, key)

    async def get(self, tenant_id: TenantId, key_id: ApiKeyId) -> ApiKey | None:
        key = self._o.get("api_keys", key_id)
        return key if key is not None and key.tenant_id == tenant_id else None

    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> ApiKey | None:
        return next(
            (
                k
                for k in self._o.rows("api_keys")
                if k.tenant_id == tenant_id and k.prefix == prefix
            ),
            None,
        )

    async def save(self, key: ApiKey) -> None:
        _save_credential(self._o, "api_keys", key)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[ApiKey]:
        rows = [k for k in self._o.rows("api_keys") if k.tenant_id == tenant_id]
        return _page(rows, page, lambda k: Position(k.created_at, k.id))

    async def mark_used(self, key_id: ApiKeyId, at: datetime) -> None:
        key = self._o.get("api_keys", key_id)
        if key is not None:
            key.last_used_at = at
            self._o.put("api_keys", key_id, key)

    async def revoke_created_by(
        self, tenant_id: TenantId, user_id: UserId, at: datetime
    ) -> Sequence[ApiKey]:
        revoked = sorted(
            (
                k
                for k in self._o.rows("api_keys")
                if k.tenant_id == tenant_id and k.created_by == user_id and k.revoked_at is None
            ),
            key=lambda k: (k.created_at, k.id),
        )
        for key in revoked:
            key.revoked_at = at
            self._o.put("api_keys", key.id, key)
        return revoked


class InMemoryUserTokenRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def add(self, token: UserToken) -> None:
        self._o.put("user_tokens", token.id, token)

    async def get(self, user_id: UserId, token_id: UserTokenId) -> UserToken | None:
        token = self._o.get("user_tokens", token_id)
        return token if token is not None and token.user_id == user_id else None

    async def by_prefix(self, prefix: str) -> UserToken | None:
        return next((t for t in self._o.rows("user_tokens") if t.prefix == prefix), None)

    async def save(self, token: UserToken) -> None:
        _save_credential(self._o, "user_tokens", token)

    async def list(self, user_id: UserId, page: PageRequest) -> list[UserToken]:
        rows = [t for t in self._o.rows("user_tokens") if t.user_id == user_id]
        return _page(rows, page, lambda t: Position(t.created_at, t.id))

    async def mark_used(self, token_id: UserTokenId, at: datetime) -> None:
        token = self._o.get("user_tokens", token_id)
        if token is not None:
            token.last_used_at = at
            self._o.put("user_tokens", token_id, token)


class InMemoryAuditLog:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def record(self, entry: AuditEntry) -> None:
        self._o.put("audit", entry.id, entry)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        rows = [e for e in self._o.rows("audit") if e.tenant_id == tenant_id]
        return _page(rows, page, lambda e: Position(e.at, e.id), newest_first=True)


class InMemoryPlanRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def list(self) -> list[Plan]:
        return sorted(self._o.rows("plans"), key=lambda p: (p.created_at, p.id))

    async def get(self, plan_id: PlanId) -> Plan | None:
        return self._o.get("plans", plan_id)  # type: ignore[no-any-return]

    async def default(self) -> Plan | None:
        return next((p for p in await self.list() if p.is_default), None)

    async def add(self, plan: Plan) -> None:
        if any(p.name == plan.name for p in self._o.rows("plans")):
            raise AlreadyExists("plan", "name")
        self._o.put("plans", plan.id, plan)

    async def save(self, plan: Plan) -> None:
        if any(p.name == plan.name and p.id != plan.id for p in self._o.rows("plans")):
            raise AlreadyExists("plan", "name")
        _save_versioned(self._o, "plans", plan, "plan")

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        return {f: v for (p, f), v in self._items("plan_values") if p == plan_id}

    def _items(self, table: str) -> Sequence[tuple[Any, Any]]:
        merged = {**self._o._db.tables[table], **self._o.pending[table]}
        return [(k, copy.deepcopy(v)) for k, v in merged.items() if v is not _DELETED]

    async def set_value(self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue) -> None:
        self._o.put("plan_values", (plan_id, feature_id), value)

    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        if (plan_id, feature_id) not in dict(self._items("plan_values")):
            return False
        self._o.delete("plan_values", (plan_id, feature_id))
        return True


class InMemoryFeatureRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def list(self) -> list[Feature]:
        return sorted(self._o.rows("features"), key=lambda f: f.key)

    async def by_key(self, key: str) -> Feature | None:
        return next((f for f in self._o.rows("features") if f.key == key), None)

    async def add(self, feature: Feature) -> None:
        if await self.by_key(feature.key) is not None:
            raise AlreadyExists("feature", "feature_key")
        self._o.put("features", feature.id, feature)


class InMemoryOverrideRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]:
        return [o for o in self._o.rows("overrides") if o.tenant_id == tenant_id]

    async def put(self, override: Override) -> None:
        self._o.put("overrides", (override.tenant_id, override.feature_id), override)

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        if self._o.get("overrides", (tenant_id, feature_id)) is None:
            return False
        self._o.delete("overrides", (tenant_id, feature_id))
        return True


class InMemoryVoiceRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, voice_id: VoiceId) -> Voice | None:
        return _owned(self._o.get("voices", voice_id), tenant_id)

    async def add(self, voice: Voice) -> None:
        self._o.put("voices", voice.id, voice)

    async def save(self, voice: Voice) -> None:
        _save_versioned(self._o, "voices", voice, "voice")

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[Voice]:
        rows = [
            v
            for v in self._o.rows("voices")
            if v.tenant_id == tenant_id and active in (None, v.is_active)
        ]
        return _page(rows, page, lambda v: Position(v.created_at, v.id))


class InMemoryPhoneNumberRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, number_id: PhoneNumberId) -> PhoneLine | None:
        return _owned(self._o.get("phone_numbers", number_id), tenant_id)

    async def add(self, line: PhoneLine) -> None:
        if await self.routing(line.number) is not None:
            raise number_taken()
        self._o.put("phone_numbers", line.id, line)

    async def save(self, line: PhoneLine) -> None:
        _save_versioned(self._o, "phone_numbers", line, "phone number")

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, status: NumberStatus | None = None
    ) -> list[PhoneLine]:
        rows = [
            n
            for n in self._o.rows("phone_numbers")
            if n.tenant_id == tenant_id and status in (None, n.status)
        ]
        return _page(rows, page, lambda n: Position(n.created_at, n.id))

    async def count_active(self, tenant_id: TenantId) -> int:
        return sum(
            1 for n in self._o.rows("phone_numbers") if n.tenant_id == tenant_id and n.is_active
        )

    async def routing(self, number: PhoneNumber) -> PhoneLine | None:
        return next(
            (n for n in self._o.rows("phone_numbers") if n.number == number and n.is_active), None
        )

    async def routing_by_provider_id(self, provider_number_id: str) -> PhoneLine | None:
        found = [
            n
            for n in self._o.rows("phone_numbers")
            if n.provider_number_id == provider_number_id and n.is_active
        ]
        return found[0] if len(found) == 1 else None

    async def stop_routing_to(self, tenant_id: TenantId, agent_id: AgentId) -> None:
        for line in self._o.rows("phone_numbers"):
            if line.tenant_id == tenant_id and line.inbound_agent_id == agent_id:
                line.inbound_agent_id = None
                line.version += 1
                self._o.put("phone_numbers", line.id, line)


class InMemoryVoiceAgentRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, agent_id: AgentId) -> VoiceAgent | None:
        return _owned(self._o.get("agents", agent_id), tenant_id)

    async def add(self, agent: VoiceAgent) -> None:
        self._o.put("agents", agent.id, agent)

    async def save(self, agent: VoiceAgent) -> None:
        _save_versioned(self._o, "agents", agent, "agent")

    async def remove(self, agent: VoiceAgent) -> None:
        if await self.get(agent.tenant_id, agent.id) is not None:
            self._o.delete("agents", agent.id)

    async def list(
        self, tenant_id: TenantId, page: PageRequest, *, active: bool | None = None
    ) -> list[VoiceAgent]:
        rows = [
            a
            for a in self._o.rows("agents")
            if a.tenant_id == tenant_id and active in (None, a.is_active)
        ]
        return _page(rows, page, lambda a: Position(a.created_at, a.id))

    async def count_active(self, tenant_id: TenantId) -> int:
        return sum(1 for a in self._o.rows("agents") if a.tenant_id == tenant_id and a.is_active)


def _matches(lead: Lead, where: LeadFilter) -> bool:
    text = where.text.casefold() if where.text else None
    return (
        where.status in (None, lead.status)
        and where.source in (None, lead.source)
        and where.do_not_call in (None, lead.do_not_call)
        and where.contacted in (None, lead.last_contacted_at is not None)
        and (
            text is None
            or any(
                text in field.casefold()
                for field in (
                    lead.name or "",
                    lead.phone.e164,
                    lead.email.value if lead.email else "",
                )
            )
        )
    )


def _last_given(values: Iterable[T | None]) -> T | None:
    """The last value that is not None."""
    found = None
    for value in values:
        found = value if value is not None else found
    return found


class InMemoryLeadRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, lead_id: LeadId) -> Lead | None:
        return _owned(self._o.get("leads", lead_id), tenant_id)

    async def by_phone(self, tenant_id: TenantId, phone: PhoneNumber) -> Lead | None:
        return next(
            (
                lead
                for lead in self._o.rows("leads")
                if lead.tenant_id == tenant_id and lead.phone == phone
            ),
            None,
        )

    async def by_phones(
        self, tenant_id: TenantId, phones: Sequence[PhoneNumber]
    ) -> dict[PhoneNumber, Lead]:
        wanted = set(phones)
        return {
            lead.phone: lead
            for lead in self._o.rows("leads")
            if lead.tenant_id == tenant_id and lead.phone in wanted
        }

    async def add(self, lead: Lead) -> None:
        if await self.by_phone(lead.tenant_id, lead.phone) is not None:
            raise lead_phone_taken()
        self._o.put("leads", lead.id, lead)

    async def save(self, lead: Lead) -> None:
        other = await self.by_phone(lead.tenant_id, lead.phone)
        if other is not None and other.id != lead.id:
            raise lead_phone_taken()
        _save_versioned(self._o, "leads", lead, "lead")

    async def stage(self, rows: Sequence[StagedLead]) -> None:
        self._o.staged_leads.extend(rows)

    async def merge_staged(self, tenant_id: TenantId, *, source: str, at: datetime) -> StagedMerge:
        numbers: dict[str, list[StagedLead]] = {}
        for row in sorted(self._o.staged_leads, key=lambda r: r.row):
            numbers.setdefault(row.phone, []).append(row)
        self._o.staged_leads.clear()
        phones = {p: PhoneNumber(p, zone=rows[0].phone_zone) for p, rows in numbers.items()}
        existing = await self.by_phones(tenant_id, list(phones.values()))  # before any write
        created = updated = unchanged = duplicates = 0
        for phone, rows in numbers.items():
            duplicates += len(rows) - 1
            name = _last_given(r.name for r in rows)
            email = _last_given(r.email for r in rows)
            timezone = _last_given(r.timezone for r in rows)
            metadata = {key: value for r in rows for key, value in r.metadata.items()}
            lead = existing.get(phones[phone])
            if lead is None:
                self._o.put(
                    "leads",
                    rows[0].id,
                    Lead.new(
                        rows[0].id,
                        tenant_id,
                        phones[phone],
                        at,
                        timezone=timezone,
                        name=name,
                        email=Email(email) if email is not None else None,
                        source=source,
                        metadata=metadata,
                    ),
                )
                created += 1
                continue
            before = (lead.name, lead.email, lead.timezone, lead.metadata)  # Email: any case
            after = (
                name or lead.name,
                Email(email) if email is not None else lead.email,
                timezone or lead.timezone,
                {**lead.metadata, **metadata},
            )
            if after == before:
                unchanged += 1
                continue
            lead.name, lead.email, lead.timezone, lead.metadata = after
            lead.updated_at = at
            lead.version += 1
            self._o.put("leads", lead.id, lead)
            updated += 1
        return StagedMerge(created, updated, unchanged, duplicates)

    async def remove(self, lead: Lead) -> None:
        for call in self._o.rows("calls"):
            if call.tenant_id == lead.tenant_id and call.lead_id == lead.id:
                call.lead_id = None
                self._o.put("calls", call.id, call)
        if await self.get(lead.tenant_id, lead.id) is not None:
            self._o.delete("leads", lead.id)

    async def list(self, tenant_id: TenantId, where: LeadFilter, page: PageRequest) -> list[Lead]:
        rows = [
            lead
            for lead in self._o.rows("leads")
            if lead.tenant_id == tenant_id and _matches(lead, where)
        ]
        return _page(rows, page, lambda lead: Position(lead.created_at, lead.id), newest_first=True)


def _call_matches(call: VoiceCall, where: CallFilter) -> bool:
    return (
        (where.agent_id is None or call.agent_id == where.agent_id)
        and (where.lead_id is None or call.lead_id == where.lead_id)
        and (where.status is None or call.status == where.status)
        and (where.batch_id is None or call.batch_id == where.batch_id)
        and (where.direction is None or call.direction == where.direction)
        and (where.created_from is None or call.created_at >= where.created_from)
        and (where.created_before is None or call.created_at < where.created_before)
    )


class InMemoryCallRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def add(self, call: VoiceCall) -> None:
        if call.idempotency_key is not None and await self.by_idempotency_key(
            call.tenant_id, call.idempotency_key
        ):
            raise AlreadyExists("call", "idempotency_key")
        self._o.put("calls", call.id, call)

    async def get(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        return _owned(self._o.get("calls", call_id), tenant_id)

    async def get_for_update(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        return await self.get(tenant_id, call_id)

    async def save(self, call: VoiceCall) -> None:
        _save_versioned(self._o, "calls", call, "call")

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> VoiceCall | None:
        return next(
            (
                c
                for c in self._o.rows("calls")
                if c.tenant_id == tenant_id and c.idempotency_key == key
            ),
            None,
        )

    async def of_lead(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem]:
        return await self.list(tenant_id, CallFilter(lead_id=lead_id), page)

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool:
        return any(
            c.tenant_id == tenant_id and c.agent_id == agent_id for c in self._o.rows("calls")
        )

    async def seconds_since(self, tenant_id: TenantId, since: datetime) -> int:
        return sum(
            c.call_duration or 0
            for c in self._o.rows("calls")
            if c.tenant_id == tenant_id and c.created_at >= since
        )

    async def route(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        calls: list[VoiceCall] = self._o.rows("calls")
        # Our id first, as in PostgreSQL.
        found = next((c for c in calls if route.call_id and c.id == route.call_id), None) or next(
            (
                c
                for c in calls
                if route.provider_call_id and c.vapi_call_id == route.provider_call_id
            ),
            None,
        )
        return (found.tenant_id, found.id) if found else None

    async def list(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        rows = [
            c for c in self._o.rows("calls") if c.tenant_id == tenant_id and _call_matches(c, where)
        ]
        page_rows = _page(rows, page, lambda c: Position(c.created_at, c.id), newest_first=True)
        return [CallListItem.of(c) for c in page_rows]


class InMemoryLiveCallRegistry:
    def __init__(self, overlay: _Overlay, unit: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._unit = unit

    async def lock(self) -> None:
        await self._unit.hold_lock(self._unit.db.placement_lock)

    async def hold(self, live: LiveCall) -> None:
        if self._o.get("live_calls", live.call_id) is None:
            self._o.put("live_calls", live.call_id, live)

    def _owned(self, tenant_id: TenantId, call_id: CallId) -> LiveCall | None:
        return _owned(self._o.get("live_calls", call_id), tenant_id)

    async def hang_up(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        live = self._owned(tenant_id, call_id)
        if live is not None:
            self._o.put(
                "live_calls",
                call_id,
                attrs.evolve(live, on_line=False, check_at=min(live.check_at, check_at)),
            )

    async def release(self, tenant_id: TenantId, call_id: CallId) -> None:
        if self._owned(tenant_id, call_id) is not None:
            self._o.delete("live_calls", call_id)

    async def postpone(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        live = self._owned(tenant_id, call_id)
        if live is not None:
            self._o.put("live_calls", call_id, attrs.evolve(live, check_at=check_at))

    async def count(self, tenant_id: TenantId | None = None) -> int:
        return sum(
            1
            for live in self._o.rows("live_calls")
            if live.on_line and (tenant_id is None or live.tenant_id == tenant_id)
        )

    async def due(self, at: datetime, limit: int, after: LiveCall | None = None) -> list[LiveCall]:
        def is_due(live: LiveCall) -> bool:
            return live.check_at <= at and (
                after is None or (live.check_at, live.call_id) > (after.check_at, after.call_id)
            )

        due = self._o.rows_where("live_calls", is_due)
        return sorted(due, key=lambda live: (live.check_at, live.call_id))[:limit]

    async def in_flight(self, after: CallId | None, limit: int) -> list[LiveCall]:
        rows = [r for r in self._o.rows("live_calls") if after is None or r.call_id > after]
        return sorted(rows, key=lambda live: live.call_id)[:limit]


class InMemoryAiUsageRepository:
    def __init__(self, overlay: _Overlay) -> None:
        self._o = overlay

    async def add_many(self, rows: Sequence[AiUsage]) -> None:
        for row in rows:
            self._o.put("ai_usage", row.id, row)

    async def of_call(self, tenant_id: TenantId, call_id: CallId) -> list[AiUsage]:
        rows = [
            u for u in self._o.rows("ai_usage") if u.tenant_id == tenant_id and u.call_id == call_id
        ]
        return sorted(rows, key=lambda u: u.id)

    async def totals(self, tenant_id: TenantId, query: UsageQuery) -> list[UsageTotal]:
        cost_of: dict[CallId, Decimal] = {}
        for u in self._o.rows("ai_usage"):
            if u.tenant_id == tenant_id:
                cost_of[u.call_id] = cost_of.get(u.call_id, Decimal(0)) + u.item.cost
        groups: dict[tuple[Any, ...], list[VoiceCall]] = {}
        for c in self._o.rows("calls"):
            if c.tenant_id != tenant_id or not query.start <= c.created_at < query.end:
                continue
            key = (_period_start(c.created_at, query.period), *_usage_group(c, query.by))
            groups.setdefault(key, []).append(c)
        totals = [
            UsageTotal(
                period_start=key[0],
                calls=len(calls),
                seconds=sum(c.call_duration or 0 for c in calls),
                cost=sum((cost_of.get(c.id, Decimal(0)) for c in calls), Decimal(0)),
                agent_id=key[1] if query.by is UsageGrouping.AGENT else None,
                batch_id=key[1] if query.by is UsageGrouping.BATCH else None,
            )
            for key, calls in groups.items()
        ]
        return sorted(
            totals,
            key=lambda t: (
                t.period_start,
                (t.agent_id or t.batch_id) is None,
                str(t.agent_id or t.batch_id or ""),
            ),
        )


def _period_start(at: datetime, period: UsagePeriod) -> datetime:
    if period is UsagePeriod.MONTH:
        return month_start(at)
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _usage_group(call: VoiceCall, by: UsageGrouping | None) -> tuple[Any, ...]:
    if by is UsageGrouping.AGENT:
        return (call.agent_id,)
    if by is UsageGrouping.BATCH:
        return (call.batch_id,)
    return ()


class InMemoryWebhookInbox:
    def __init__(self, overlay: _Overlay, unit: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._unit = unit

    async def add(self, message: InboxMessage) -> bool:
        # Like the unique index: a second delivery waits for the first to end.
        lock = self._unit.db.dedupe_locks.setdefault(message.dedupe_key, asyncio.Lock())
        await self._unit.hold_lock(lock)
        if any(m.dedupe_key == message.dedupe_key for m in self._o.rows("inbox")):
            return False
        self._o.put("inbox", message.id, message)
        return True

    async def list(self, tenant_id: TenantId | None, page: PageRequest) -> list[InboxMessage]:
        rows = [m for m in self._o.rows("inbox") if m.tenant_id == tenant_id]
        return _page(rows, page, lambda m: Position(m.received_at, m.id))


class InMemoryUnitOfWork:
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._overlay = _Overlay(db)
        self._held: list[asyncio.Lock] = []
        self._after_commit: list[Callable[[], None]] = []
        self.users = InMemoryUserRepository(self._overlay)
        self.tenants = InMemoryTenantRepository(self._overlay, self)
        self.memberships = InMemoryMembershipRepository(self._overlay)
        self.api_keys = InMemoryApiKeyRepository(self._overlay)
        self.user_tokens = InMemoryUserTokenRepository(self._overlay)
        self.audit = InMemoryAuditLog(self._overlay)
        self.plans = InMemoryPlanRepository(self._overlay)
        self.features = InMemoryFeatureRepository(self._overlay)
        self.overrides = InMemoryOverrideRepository(self._overlay)
        self.voices = InMemoryVoiceRepository(self._overlay)
        self.phone_numbers = InMemoryPhoneNumberRepository(self._overlay)
        self.agents = InMemoryVoiceAgentRepository(self._overlay)
        self.leads = InMemoryLeadRepository(self._overlay)
        self.calls = InMemoryCallRepository(self._overlay)
        self.live_calls = InMemoryLiveCallRegistry(self._overlay, self)
        self.ai_usage = InMemoryAiUsageRepository(self._overlay)
        self.inbox = InMemoryWebhookInbox(self._overlay, self)

    @property
    def db(self) -> InMemoryDatabase:
        return self._db

    async def hold_lock(self, lock: asyncio.Lock) -> None:
        """Hold `lock` until the unit of work ends (like a row or advisory lock)."""
        if lock not in self._held:
            await lock.acquire()
            self._held.append(lock)

    async def lock_tenant(self, tenant_id: TenantId) -> None:
        await self.hold_lock(self._db.tenant_locks.setdefault(tenant_id, asyncio.Lock()))

    async def switch_tenant(self, tenant_id: TenantId | None) -> None:
        """Nothing to move: these repositories filter by the tenant each call names."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._overlay.pending = {name: {} for name in self._db.tables}
        self._overlay.based_on.clear()
        self._overlay.staged_leads.clear()
        for lock in self._held:
            lock.release()
        self._held.clear()
        self._after_commit.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        self._overlay.publish()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()
