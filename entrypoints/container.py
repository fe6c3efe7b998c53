"""The composition root: the one place that decides which adapter serves which port.

Tests override `uows` and `probe` with the in-memory adapters. Every provider here is
synchronous (the engine is created lazily and disposed by the app's cleanup), so resolving
a service never returns an awaitable.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.ids import Uuid7Generator
from adapters.memory.email import RecordingMailer
from adapters.passwords import Argon2PasswordHasher
from adapters.postgres.engine import create_engine, create_probe_engine
from adapters.postgres.leases import PostgresProcessLeases
from adapters.postgres.monitoring import PostgresOperationalFigures
from adapters.postgres.reads import PostgresQuickReads
from adapters.postgres.schema import head_revision
from adapters.postgres.tenant_data import PostgresTenantPurger, PostgresTenantRecords
from adapters.postgres.timeouts import DatabaseTimeouts
from adapters.postgres.unit_of_work import PostgresDatabaseProbe, PostgresUnitOfWorkFactory
from adapters.sandbox import SandboxTelephonyProvider
from adapters.vapi.answers import reply_of
from adapters.vapi.messages import read_message
from adapters.webhook_sender import HttpWebhookSender
from adapters.workers import ProcessWorkerPool
from application.access import DEFAULT_ACCESS_CACHE_SECONDS, AccessCache
from application.account_deletion import AccountDeletionService
from application.agents import AgentService
from application.audit import AuditService
from application.batches import BatchDispatcher, BatchService
from application.bootstrap import BootstrapService
from application.call_events import ProviderEvents
from application.call_tracking import CallPolicy
from application.calls import CallService
from application.context import UseCaseDeps
from application.credentials import CredentialService
from application.entitlements import DEFAULT_TTL_SECONDS, EntitlementCache
from application.errors import ServiceUnavailable
from application.interrupted_calls import InterruptedCalls
from application.invitations import InvitationService
from application.lead_import import LeadImportService
from application.leads import LeadService
from application.phone_numbers import PhoneNumberService, SettlingPolicy
from application.phone_resolution import PhoneResolver
from application.plans import FeatureService, PlanService, TenantFeatureService
from application.ports.email import Mailer
from application.ports.reads import QuickReads
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.workers import WorkerPool
from application.reads import UnitOfWorkReads
from application.reconciliation import Reconciler
from application.retention import Retention
from application.sign_in import SignInPolicy, SignInService
from application.tenancy import MembershipService, TenantService
from application.tenant_closure import LeavingPolicy, TenantClosureService
from application.tenant_exports import TenantExportService
from application.users import UserService
from application.voices import VoiceService
from application.webhook_delivery import DeliveryPolicy, WebhookDeliverer
from application.webhook_endpoints import WebhookEndpointService
from application.webhook_messages import InboxRetention, WebhookMessages
from domain.invitations import DEFAULT_INVITATION_LIFE
from entrypoints.http.events import PublicEventPayloads
from entrypoints.http.routing import UseCases

log = structlog.get_logger(__name__)
# How long `serve` may spend ending sandbox calls at start or stop: a database that does not
# answer must not keep it from starting or stopping.
SANDBOX_SETTLE_SECONDS = 15


def quick_reads(uows: UnitOfWorkFactory) -> QuickReads:
    """In one round trip on PostgreSQL; through a unit of work on the other adapters."""
    if isinstance(uows, PostgresUnitOfWorkFactory):
        return PostgresQuickReads(uows)
    return UnitOfWorkReads(uows)


def _sandbox_of(telephony: object) -> SandboxTelephonyProvider | None:
    return telephony if isinstance(telephony, SandboxTelephonyProvider) else None


class Container(containers.DeclarativeContainer):
    database_url = providers.Dependency(instance_of=str)
    db_pool_size = providers.Object(10)
    db_connect_timeout = providers.Object(5)
    db_timeouts = providers.Object(DatabaseTimeouts())

    engine = providers.Singleton(
        create_engine,
        database_url,
        pool_size=db_pool_size,
        connect_timeout=db_connect_timeout,
        timeouts=db_timeouts,
    )
    # Readiness and the metrics' figures read through a small pool of their own, so an API
    # pool exhausted by a busy moment does not make a healthy database look down.
    probe_engine = providers.Singleton(
        create_probe_engine,
        database_url,
        connect_timeout=db_connect_timeout,
        timeouts=db_timeouts,
    )
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    uows = providers.Singleton(PostgresUnitOfWorkFactory, engine, db_timeouts)
    probe = providers.Singleton(
        PostgresDatabaseProbe, probe_engine, providers.Callable(head_revision)
    )
    # The figures through the probe's pool; the pool gauges watch the API's.
    operational_figures = providers.Singleton(
        PostgresOperationalFigures, probe_engine, uows.provided.pool
    )

    entitlement_cache_seconds = providers.Object(DEFAULT_TTL_SECONDS)
    entitlement_cache = providers.Singleton(EntitlementCache, entitlement_cache_seconds)
    access_cache_seconds = providers.Object(DEFAULT_ACCESS_CACHE_SECONDS)
    access_cache = providers.Singleton(AccessCache, clock, access_cache_seconds)
    reads = providers.Singleton(quick_reads, uows)
    deps = providers.Singleton(
        UseCaseDeps,
        uows=uows,
        ids=ids,
        clock=clock,
        entitlements=entitlement_cache,
        access=access_cache,
        reads=reads,
    )
    tenants = providers.Singleton(TenantService, deps)
    memberships = providers.Singleton(MembershipService, deps)
    users = providers.Singleton(UserService, deps)
    credentials = providers.Singleton(CredentialService, deps)
    audit = providers.Singleton(AuditService, deps)
    plans = providers.Singleton(PlanService, deps)
    features = providers.Singleton(FeatureService, deps)
    tenant_features = providers.Singleton(TenantFeatureService, deps)
    voices = providers.Singleton(VoiceService, deps)
    agents = providers.Singleton(AgentService, deps)
    leads = providers.Singleton(LeadService, deps)
    # Processes that check imports' rows beside this one (build_container sets their number
    # from VOICE_AGENT_IMPORT_WORKERS; none: this process checks them).
    import_workers: providers.Provider[WorkerPool | None] = providers.Object(None)
    lead_import = providers.Singleton(LeadImportService, deps, import_workers)
    phone_resolver = providers.Singleton(PhoneResolver, deps)
    call_policy = providers.Object(CallPolicy())
    # The sandbox unless a Vapi key is configured (the CLI overrides this with the client).
    telephony = providers.Singleton(SandboxTelephonyProvider)
    number_settling = providers.Object(SettlingPolicy())
    phone_numbers = providers.Singleton(PhoneNumberService, deps, telephony, number_settling)
    calls = providers.Singleton(CallService, deps, telephony, call_policy)
    provider_events = providers.Singleton(ProviderEvents, deps, phone_resolver, call_policy)
    # Replays read the stored messages with the same parser live ones come through.
    inbox_retention = providers.Object(InboxRetention())
    webhook_messages = providers.Singleton(
        WebhookMessages, deps, provider_events, providers.Object(read_message), inbox_retention
    )
    retention = providers.Singleton(Retention, deps, inbox_retention)
    reconciler = providers.Singleton(Reconciler, deps, telephony, call_policy)
    batches = providers.Singleton(BatchService, deps, call_policy)
    webhook_endpoints = providers.Singleton(WebhookEndpointService, deps)
    webhook_sender = providers.Singleton(HttpWebhookSender)
    delivery_policy = providers.Object(DeliveryPolicy())
    webhook_deliverer = providers.Singleton(
        WebhookDeliverer,
        deps,
        webhook_sender,
        providers.Singleton(PublicEventPayloads),
        delivery_policy,
    )
    batch_dispatcher = providers.Singleton(BatchDispatcher, deps, calls, call_policy)
    # Closing a tenant and exporting its data (grace period and export life from settings).
    leaving_policy = providers.Object(LeavingPolicy())
    tenant_closure = providers.Singleton(
        TenantClosureService,
        deps,
        providers.Singleton(PostgresTenantPurger, uows),
        leaving_policy,
        phone_numbers,
    )
    tenant_exports = providers.Singleton(
        TenantExportService,
        deps,
        providers.Singleton(PostgresTenantRecords, uows),
        leaving_policy,
    )
    process_leases = providers.Singleton(
        PostgresProcessLeases, database_url, connect_timeout=db_connect_timeout
    )
    # Only with the sandbox: its calls are the ones that live in this process.
    interrupted_calls = providers.Singleton(InterruptedCalls, deps, telephony, process_leases)
    bootstrap = providers.Singleton(BootstrapService, deps, credentials, tenants)
    account_deletion = providers.Singleton(AccountDeletionService, deps)
    password_hasher = providers.Singleton(Argon2PasswordHasher)
    # Replaced by the settings' choice (SMTP, or the outbox under the data directory; see
    # cli.build_container); tests keep what was sent in memory or run an SMTP server.
    mailer: providers.Provider[Mailer] = providers.Singleton(RecordingMailer)
    # The base of the links and instructions written into emails (VOICE_AGENT_PUBLIC_URL).
    public_url = providers.Object("http://127.0.0.1:8080")
    sign_in_policy = providers.Object(SignInPolicy())
    sign_in = providers.Singleton(
        SignInService, deps, password_hasher, mailer, sign_in_policy, public_url=public_url
    )
    invitation_life = providers.Object(DEFAULT_INVITATION_LIFE)
    invitations = providers.Singleton(
        InvitationService,
        deps,
        mailer,
        password_hasher,
        life=invitation_life,
        public_url=public_url,
        acceptance_token_life=sign_in_policy.provided.token_life,
    )

    use_cases = providers.Singleton(
        UseCases,
        tenants=tenants,
        memberships=memberships,
        users=users,
        credentials=credentials,
        audit=audit,
        plans=plans,
        features=features,
        tenant_features=tenant_features,
        voices=voices,
        phone_numbers=phone_numbers,
        agents=agents,
        leads=leads,
        lead_import=lead_import,
        calls=calls,
        batches=batches,
        webhook_endpoints=webhook_endpoints,
        provider_events=provider_events,
        webhook_messages=webhook_messages,
        tenant_closure=tenant_closure,
        tenant_exports=tenant_exports,
        probe=probe,
        sign_in=sign_in,
        invitations=invitations,
        account_deletion=account_deletion,
        retention=retention,
        sandbox=providers.Callable(_sandbox_of, telephony),
    )


def connect_sandbox(container: Container) -> None:
    """Feed the sandbox's simulated webhooks to the handler real ones reach."""
    telephony = container.telephony()
    if isinstance(telephony, SandboxTelephonyProvider):
        events = container.provider_events()

        async def deliver(payload: dict[str, object]) -> dict[str, object]:
            return reply_of(await events.receive(read_message(payload, events.now())))

        telephony.connect(deliver)


@contextlib.asynccontextmanager
async def sandbox_calls_settled(container: Container) -> AsyncIterator[None]:
    """While `serve` runs on the sandbox: first end the calls that stopped processes left in
    flight, last end this process's own (their player stops with it)."""
    telephony = container.telephony()
    if not isinstance(telephony, SandboxTelephonyProvider):
        yield
        return
    settler = container.interrupted_calls()
    try:
        async with asyncio.timeout(SANDBOX_SETTLE_SECONDS):
            await settler.start()
    except (ServiceUnavailable, TimeoutError) as error:  # the reconciler settles them later
        log.warning(
            "sandbox calls of stopped processes not checked",
            error=str(error) or f"no answer within {SANDBOX_SETTLE_SECONDS} s",
        )
    try:
        yield
    finally:
        await telephony.close()  # nothing may move a call while it is being ended
        try:
            async with asyncio.timeout(SANDBOX_SETTLE_SECONDS):
                await settler.stop()
        except (ServiceUnavailable, TimeoutError) as error:
            log.warning(
                "sandbox calls left for the next start",
                error=str(error) or f"no answer within {SANDBOX_SETTLE_SECONDS} s",
            )


async def dispose(container: Container) -> None:
    """Stop the telephony client and the import workers, then close the connection pools
    (creating an engine never connects, so this is cheap)."""
    telephony = container.telephony()
    await telephony.close()
    workers = container.import_workers()
    if isinstance(workers, ProcessWorkerPool):
        await workers.close()
    await container.webhook_deliverer().stop()
    await container.sign_in().drain()  # the reset messages and notices in hand
    await container.webhook_sender().close()
    await container.engine().dispose()
    await container.probe_engine().dispose()
