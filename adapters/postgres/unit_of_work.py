"""The PostgreSQL unit of work: one connection, one transaction, one security context."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.agents import (
    ENTER_CALLED_LINE,
    PostgresPhoneNumberRepository,
    PostgresVoiceAgentRepository,
    PostgresVoiceRepository,
    line_parties,
)
from adapters.postgres.audit import PostgresAuditLog
from adapters.postgres.batches import (
    PostgresBatchItemRepository,
    PostgresBatchRepository,
    PostgresRunningBatches,
)
from adapters.postgres.calls import (
    PostgresAiUsageRepository,
    PostgresCallRepository,
    PostgresLiveCallRegistry,
    PostgresWebhookInbox,
    entering_routed_call,
    store_and_lock_call,
)
from adapters.postgres.credentials import PostgresApiKeyRepository, PostgresUserTokenRepository
from adapters.postgres.errors import DatabaseNotAnswering, translate
from adapters.postgres.invitations import PostgresInvitationRepository
from adapters.postgres.leads import PostgresLeadRepository
from adapters.postgres.mapping import phone_line_from_mapping
from adapters.postgres.monitoring import PoolWatch
from adapters.postgres.plans import (
    PostgresFeatureRepository,
    PostgresOverrideRepository,
    PostgresPlanRepository,
)
from adapters.postgres.prebuilt import Prebuilt, Rows, commit, end_transaction
from adapters.postgres.rls import (
    APP_ROLE,
    CALLED_NUMBER_SETTING,
    CALLED_PROVIDER_NUMBER_SETTING,
    ROUTED_CALL_SETTING,
    ROUTED_PROVIDER_CALL_SETTING,
    ROUTER_ROLE,
    TENANT_SETTING,
    USER_SETTING,
)
from adapters.postgres.sign_in import PostgresPasswordResetTokenRepository, PostgresSignInThrottle
from adapters.postgres.tenancy import (
    PostgresMembershipRepository,
    PostgresTenantRepository,
    PostgresUserRepository,
)
from adapters.postgres.tenant_exports import PostgresTenantExportRepository
from adapters.postgres.timeouts import (
    STATEMENT_SECONDS,
    DatabaseTimeouts,
    answering_within,
    milliseconds,
)
from adapters.postgres.webhooks import (
    PostgresOutboundEvents,
    PostgresWebhookDeliveries,
    PostgresWebhookEndpointRepository,
)
from application.errors import ConcurrencyConflict, ServiceUnavailable
from application.ports.agents import LineParties
from application.ports.calls import CallRoute, InboxMessage
from domain.calls import VoiceCall
from domain.ids import CallId, TenantId, UserId
from domain.phones import PhoneLine, PhoneNumber

# One round trip: drop to the application role (the routing role, for routing work) and set
# the row-level security context, all transaction-local, so a pooled connection never
# carries them into the next use.
ENTER_CONTEXT = sa.text(
    "SELECT set_config('role', :role, true),"
    f" set_config('{TENANT_SETTING}', :tenant_id, true),"
    f" set_config('{USER_SETTING}', :user_id, true),"
    f" set_config('{CALLED_NUMBER_SETTING}', :called_number, true),"
    f" set_config('{CALLED_PROVIDER_NUMBER_SETTING}', :called_provider_number, true),"
    f" set_config('{ROUTED_CALL_SETTING}', :routed_call, true),"
    f" set_config('{ROUTED_PROVIDER_CALL_SETTING}', :routed_provider_call, true),"
    " set_config('statement_timeout', :statement_timeout, true),"
    " set_config('lock_timeout', :lock_timeout, true)"
)


def context_values(
    *,
    role: str,
    tenant_id: TenantId | None = None,
    user_id: UserId | None = None,
    called_number: PhoneNumber | None = None,
    called_provider_number: str | None = None,
    call_route: CallRoute | None = None,
    statement_seconds: float,
    lock_seconds: float,
) -> dict[str, str]:
    """ENTER_CONTEXT's values: an unset part of the context is the empty string, which the
    policies read as none (NULLIF … '')."""
    route = call_route or CallRoute()
    return {
        "role": role,
        "tenant_id": str(tenant_id) if tenant_id else "",
        "user_id": str(user_id) if user_id else "",
        "called_number": called_number.e164 if called_number else "",
        "called_provider_number": called_provider_number or "",
        "routed_call": str(route.call_id or ""),
        "routed_provider_call": route.provider_call_id or "",
        "statement_timeout": milliseconds(statement_seconds),
        "lock_timeout": milliseconds(lock_seconds),
    }


def _closed_while_pooled(error: Exception) -> bool:
    """The first statement found the connection closed (the server restarted since it was
    pooled): a fresh one may serve, and nothing was sent on this one that mattered."""
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def _connection_lost(error: Exception) -> bool:
    """The connection is gone (the server or the network dropped it), as opposed to the
    server refusing the work on a connection that lives on (a conflict, a constraint)."""
    if isinstance(error, sa.exc.DBAPIError):
        return error.connection_invalidated
    return isinstance(error, (ConnectionError, TimeoutError))


# Transaction-local like the rest of the context: it ends with the transaction. The role
# too: routing work, which starts as the routing role, continues as the application role.
_SWITCH_TENANT = Prebuilt(
    sa.text(
        f"SELECT set_config('role', '{APP_ROLE}', true),"
        f" set_config('{TENANT_SETTING}', :tenant_id, true)"
    )
)
_ENTER_CONTEXT = Prebuilt(ENTER_CONTEXT)


class PostgresUnitOfWork:
    users: PostgresUserRepository
    tenants: PostgresTenantRepository
    memberships: PostgresMembershipRepository
    api_keys: PostgresApiKeyRepository
    user_tokens: PostgresUserTokenRepository
    password_resets: PostgresPasswordResetTokenRepository
    sign_in_throttle: PostgresSignInThrottle
    audit: PostgresAuditLog
    plans: PostgresPlanRepository
    features: PostgresFeatureRepository
    overrides: PostgresOverrideRepository
    voices: PostgresVoiceRepository
    phone_numbers: PostgresPhoneNumberRepository
    agents: PostgresVoiceAgentRepository
    leads: PostgresLeadRepository
    calls: PostgresCallRepository
    live_calls: PostgresLiveCallRegistry
    ai_usage: PostgresAiUsageRepository
    inbox: PostgresWebhookInbox
    batches: PostgresBatchRepository
    batch_items: PostgresBatchItemRepository
    running_batches: PostgresRunningBatches

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        tenant_id: TenantId | None = None,
        user_id: UserId | None = None,
        called_number: PhoneNumber | None = None,
        called_provider_number: str | None = None,
        call_route: CallRoute | None = None,
        entering: bool = False,
        pool: PoolWatch | None = None,
        timeouts: DatabaseTimeouts | None = None,
        bulk: bool = False,
    ) -> None:
        self._engine = engine
        self._pool = pool or PoolWatch(engine)
        self._statement_seconds, self._lock_seconds = (timeouts or DatabaseTimeouts()).for_work(
            bulk=bulk
        )
        self._tenant_id = tenant_id
        self._user_id = user_id
        self._called_number = called_number
        self._called_provider_number = called_provider_number
        self._call_route = call_route or CallRoute()
        # Routing work starts as the routing role: it reads the named call or line, writes
        # nothing, and leaves the application role's queries free of the routing policies.
        self._routing = bool(
            called_number
            or called_provider_number
            or self._call_route.call_id
            or self._call_route.provider_call_id
        )
        # What a routing unit of work enters as its transaction begins: its answer is kept for
        # enter_routed_call or enter_called_line.
        self._entering = (
            None
            if not entering
            else (ENTER_CALLED_LINE, {"number": called_number.e164})
            if called_number
            else entering_routed_call(self._call_route)
        )
        self._entered: Rows | None = None
        self._conn: AsyncConnection | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        try:
            conn = await self._begin()
        except Exception as error:
            if not _closed_while_pooled(error):
                raise (translate(error) or error) from error
            try:
                conn = await self._begin()
            except Exception as again:
                raise (translate(again) or again) from again
        self._conn = conn
        self.users = PostgresUserRepository(conn)
        self.tenants = PostgresTenantRepository(conn)
        self.memberships = PostgresMembershipRepository(conn)
        self.api_keys = PostgresApiKeyRepository(conn)
        self.user_tokens = PostgresUserTokenRepository(conn)
        self.password_resets = PostgresPasswordResetTokenRepository(conn)
        self.sign_in_throttle = PostgresSignInThrottle(conn)
        self.audit = PostgresAuditLog(conn)
        self.plans = PostgresPlanRepository(conn)
        self.features = PostgresFeatureRepository(conn)
        self.overrides = PostgresOverrideRepository(conn)
        self.voices = PostgresVoiceRepository(conn)
        self.phone_numbers = PostgresPhoneNumberRepository(conn)
        self.agents = PostgresVoiceAgentRepository(conn)
        self.leads = PostgresLeadRepository(conn, self._statement_seconds)
        self.calls = PostgresCallRepository(conn)
        self.live_calls = PostgresLiveCallRegistry(conn)
        self.ai_usage = PostgresAiUsageRepository(conn)
        self.inbox = PostgresWebhookInbox(conn)
        self.batches = PostgresBatchRepository(conn)
        self.batch_items = PostgresBatchItemRepository(conn)
        self.running_batches = PostgresRunningBatches(conn)
        self.webhook_endpoints = PostgresWebhookEndpointRepository(conn)
        self.invitations = PostgresInvitationRepository(conn)
        self.events = PostgresOutboundEvents(conn)
        self.deliveries = PostgresWebhookDeliveries(conn)
        self.exports = PostgresTenantExportRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with answering_within(conn, self._statement_seconds):
                try:
                    await end_transaction(conn)  # rolls back whatever was not committed
                finally:
                    await conn.close()
        except Exception as error:
            if exc is None:
                raise (translate(error) or error) from error
        if exc is not None:
            translated = translate(exc)
            if translated is not None:
                raise translated from exc

    @property
    def connection(self) -> AsyncConnection:
        """The transaction's connection, for adapters that work across a tenant's tables (its
        export, its purge) in this unit of work's context."""
        assert self._conn is not None, "connection outside the unit of work's block"
        return self._conn

    async def switch_tenant(self, tenant_id: TenantId | None) -> None:
        assert self._conn is not None, "switch_tenant() outside the unit of work's block"
        try:
            await _SWITCH_TENANT.run(self._conn, {"tenant_id": str(tenant_id or "")})
        except Exception as error:
            raise (translate(error) or error) from error

    async def enter_routed_call(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        entering = entering_routed_call(route)
        if entering is None:
            return None
        row = (await self._enter(*entering)).first()
        return (TenantId(row["tenant_id"]), CallId(row["id"])) if row else None

    async def enter_called_line(self, called: PhoneNumber) -> PhoneLine | None:
        row = (await self._enter(ENTER_CALLED_LINE, {"number": called.e164})).first()
        return phone_line_from_mapping(row) if row else None

    async def _enter(self, statement: Prebuilt, values: dict[str, Any]) -> Rows:
        """What the routing `statement` answers: kept from the transaction's start when the
        unit of work was opened `entering` it, else run now."""
        assert self._conn is not None, "entering outside the unit of work's block"
        entered, self._entered = self._entered, None
        if entered is not None:
            assert (statement, values) == self._entering, "entered another route than opened"
            return entered
        try:
            return await statement.run(self._conn, values)
        except Exception as error:
            raise (translate(error) or error) from error

    async def line_parties(self, line: PhoneLine, caller: PhoneNumber | None) -> LineParties:
        assert self._conn is not None, "line_parties() outside the unit of work's block"
        try:
            return await line_parties(self._conn, line, caller)
        except Exception as error:
            raise (translate(error) or error) from error

    async def store_and_lock_call(
        self, message: InboxMessage, call_id: CallId
    ) -> tuple[bool, VoiceCall | None]:
        assert self._conn is not None, "store_and_lock_call() outside the unit of work's block"
        try:
            return await store_and_lock_call(self._conn, message, call_id)
        except Exception as error:
            raise (translate(error) or error) from error

    async def _begin(self) -> AsyncConnection:
        """A pooled connection in a transaction with this unit of work's context and bounds
        (each waits at most the pool timeout, then the statement's bound)."""
        conn = await self._pool.connect()
        try:
            # Set on the synchronous connection: the option is ours and sends nothing, where
            # the async connection's setter (like its begin()) hops into SQLAlchemy's greenlet,
            # a measurable part of a short transaction's CPU. SQLAlchemy's own transaction
            # begins with its first statement, if one is run (autobegin); the server's begins
            # here, with the context.
            sync = conn.sync_connection
            assert sync is not None, "a connection not yet started"
            sync.execution_options(**{STATEMENT_SECONDS: self._statement_seconds})
            # BEGIN and the context in one round trip (and the route entered, if asked).
            self._entered = await _ENTER_CONTEXT.begin_with(
                conn,
                context_values(
                    role=ROUTER_ROLE if self._routing else APP_ROLE,
                    tenant_id=self._tenant_id,
                    user_id=self._user_id,
                    called_number=self._called_number,
                    called_provider_number=self._called_provider_number,
                    call_route=self._call_route,
                    statement_seconds=self._statement_seconds,
                    lock_seconds=self._lock_seconds,
                ),
                then=self._entering,
            )
        except BaseException:
            await conn.close()
            raise
        return conn

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        """Commit and end the unit of work: the role and tenant context were transaction-local,
        so nothing may run on this connection afterwards (it would run without them)."""
        assert self._conn is not None, "commit() outside the unit of work's block, or twice"
        conn, self._conn = self._conn, None
        try:
            await commit(conn)
        except sa.exc.IntegrityError as error:
            # A link checked at commit (deferred) lost its target to a concurrent change.
            raise ConcurrencyConflict("transaction", "a linked record changed") from error
        except DatabaseNotAnswering as error:
            # The commit may have reached the server: its outcome is unknown, not undone.
            raise ServiceUnavailable(
                f"the database did not confirm the commit within {error.seconds:g} s; the"
                " change may or may not have been saved: read it back before repeating it"
            ) from error
        except Exception as error:
            if _connection_lost(error):
                # Likewise when the connection broke (a server restart, the network).
                raise ServiceUnavailable(
                    "the connection to the database was lost during the commit; the change"
                    " may or may not have been saved: read it back before repeating it"
                ) from error
            raise (translate(error) or error) from error
        finally:
            # What the caller hears of is the commit's outcome; a connection that cannot be
            # put back in its usual mode is broken, and the pool discards it.
            with contextlib.suppress(Exception):
                await end_transaction(conn)
            await conn.close()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


class PostgresUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, timeouts: DatabaseTimeouts | None = None) -> None:
        self._engine = engine
        self.pool = PoolWatch(engine)
        self.timeouts = timeouts or DatabaseTimeouts()

    def __call__(
        self,
        *,
        tenant_id: TenantId | None = None,
        user_id: UserId | None = None,
        called_number: PhoneNumber | None = None,
        called_provider_number: str | None = None,
        call_route: CallRoute | None = None,
        entering: bool = False,
        bulk: bool = False,
    ) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(
            self._engine,
            tenant_id=tenant_id,
            user_id=user_id,
            called_number=called_number,
            called_provider_number=called_provider_number,
            call_route=call_route,
            entering=entering,
            pool=self.pool,
            timeouts=self.timeouts,
            bulk=bulk,
        )


class PostgresDatabaseProbe:
    """Readiness: the database answers and its schema is at the migrations' head."""

    def __init__(self, engine: AsyncEngine, head: str | None) -> None:
        self._engine = engine
        self._head = head

    async def _head_of_database(self) -> str | None:
        async with self._engine.connect() as conn:
            head: str | None = (
                await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
        return head

    async def check(self) -> str | None:
        try:
            try:
                current = await self._head_of_database()
            except Exception as error:
                if not _closed_while_pooled(error):
                    raise
                current = await self._head_of_database()  # a connection from before a restart
        except Exception as error:
            translated = translate(error)
            if translated is None and not isinstance(error, sa.exc.ProgrammingError):
                raise
            return "the database is unreachable" if translated else "the schema is not migrated"
        if current != self._head:
            return f"the schema is at {current}, not at the migrations' head {self._head}"
        return None
