"""`voice-agent`: serve the API, migrate, administer, generate docs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar
from uuid import UUID

import structlog
from aiohttp import web
from dependency_injector import providers
from sqlalchemy.engine import Connection

from adapters.email import OutboxMailer, SmtpMailer
from adapters.postgres import schema
from adapters.postgres.embedded import EmbeddedPostgres, ensure_database
from adapters.postgres.engine import with_login
from adapters.postgres.erd import render_erd
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.roles import LoginUnavailable, escapes_from_row_level_security
from adapters.postgres.timeouts import DatabaseTimeouts
from adapters.sandbox import SandboxOutcome, SandboxScript, SandboxTelephonyProvider
from adapters.vapi.client import VapiTelephonyProvider
from adapters.webhook_sender import HttpWebhookSender
from adapters.workers import ProcessWorkerPool
from application.access import Principal
from application.batches import BatchService, CreateBatch, Preflight
from application.bootstrap import DemoInstallation
from application.call_tracking import CallPolicy
from application.catalogue import sync_catalogue
from application.errors import ApplicationError
from application.lead_import import ColumnMapping, ImportLeads, ImportReport
from application.pagination import MAX_PAGE_SIZE, PageRequest
from application.ports.batches import BatchFilter, LeadSelection
from application.ports.calls import InboxEntry
from application.ports.email import Mailer
from application.sign_in import SignInPolicy
from application.tenant_closure import LeavingPolicy
from application.webhook_delivery import DeliveryPolicy
from application.webhook_messages import InboxRetention, ReplayOutcome, WebhookMessages
from domain.batches import Batch, BatchStatus, CallingWindow
from domain.errors import DomainError, InvalidValue
from domain.ids import AgentId, BatchId, LeadId, PhoneNumberId, TenantId
from domain.leads import LeadStatus
from domain.passwords import ThrottleRule
from domain.phones import PhoneLine
from domain.values import Email
from domain.webhooks import RetrySchedule
from entrypoints.container import Container, connect_sandbox, dispose, sandbox_calls_settled
from entrypoints.http.app import create_app, openapi_document
from entrypoints.http.webhooks import WebhookVerifier
from entrypoints.jobs import job_app, postgres_connector, run_worker, worker_in_background
from entrypoints.logs import AccessLog, configure_logging
from entrypoints.settings import Settings, SettingsError
from entrypoints.worker_health import WorkerHealth

if TYPE_CHECKING:  # the job queue is imported when a worker starts
    import procrastinate

EMBEDDED_DATABASE = "voice_agent"
ERD_PATH = Path("docs/erd.md")

log = structlog.get_logger("cli")
T = TypeVar("T")


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL to use: DATABASE_URL, or the embedded server (started here)."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    server = EmbeddedPostgres(settings.pg_data_dir)
    log.info("starting embedded PostgreSQL", data_dir=str(server.data_dir))
    server_url = server.start()
    try:
        yield ensure_database(server_url, EMBEDDED_DATABASE)
    finally:
        server.stop()
        log.info("embedded PostgreSQL stopped")


def build_container(settings: Settings, url: str) -> Container:
    container = Container()
    container.database_url.override(url)
    container.db_pool_size.override(settings.db_pool_size)
    container.db_connect_timeout.override(settings.db_connect_timeout)
    container.db_timeouts.override(
        DatabaseTimeouts(
            pool_seconds=settings.db_pool_timeout_seconds,
            statement_seconds=settings.db_statement_timeout_seconds,
            lock_seconds=settings.db_lock_timeout_seconds,
            bulk_seconds=settings.db_bulk_timeout_seconds,
        )
    )
    if settings.import_workers > 0:
        container.import_workers.override(
            providers.Singleton(ProcessWorkerPool, settings.import_workers)
        )
    container.webhook_sender.override(
        providers.Singleton(
            HttpWebhookSender,
            timeout_seconds=settings.webhooks_timeout_seconds,
            allow_private_targets=settings.webhooks_allow_private_targets,
        )
    )
    container.delivery_policy.override(
        DeliveryPolicy(
            schedule=RetrySchedule(
                delays=tuple(timedelta(seconds=s) for s in settings.webhooks_retry_delays),
                disable_after=timedelta(seconds=settings.webhooks_disable_after_seconds),
            ),
            # Well past the time bound: a request in flight is never made twice at once.
            lease=timedelta(seconds=2 * settings.webhooks_timeout_seconds + 5),
        )
    )
    container.entitlement_cache_seconds.override(float(settings.entitlement_cache_seconds))
    container.mailer.override(mailer_provider(settings, container))
    container.public_url.override(settings.public_url)
    window = timedelta(seconds=settings.sign_in_window_seconds)
    block = timedelta(seconds=settings.sign_in_block_seconds)
    container.sign_in_policy.override(
        SignInPolicy(
            token_life=timedelta(hours=settings.sign_in_token_hours),
            per_address=ThrottleRule(settings.sign_in_max_failures, window, block),
            per_client=ThrottleRule(settings.sign_in_client_max_failures, window, block),
            trusted_proxies=settings.trusted_proxies,
        )
    )
    container.invitation_life.override(timedelta(days=settings.invitation_days))
    container.access_cache_seconds.override(settings.access_cache_seconds)
    container.leaving_policy.override(
        LeavingPolicy(
            purge_grace=timedelta(days=settings.tenant_purge_grace_days),
            export_keep_for=timedelta(days=settings.tenant_export_days),
        )
    )
    container.inbox_retention.override(
        InboxRetention(
            settled=timedelta(days=settings.webhook_inbox_days),
            failed=timedelta(days=settings.webhook_failed_days),
        )
    )
    container.call_policy.override(
        CallPolicy(
            provider_max_concurrent=settings.provider_max_concurrent_calls,
            tenant_max_concurrent=settings.tenant_max_concurrent_calls,
            reconcile_after=timedelta(seconds=settings.reconcile_after_seconds),
            report_grace=timedelta(seconds=settings.report_grace_seconds),
            recheck_every=timedelta(seconds=settings.reconcile_recheck_seconds),
        )
    )
    if settings.vapi_api_key is not None:
        container.telephony.override(
            providers.Singleton(
                VapiTelephonyProvider,
                settings.vapi_api_key,
                base_url=settings.vapi_base_url,
                timeout_seconds=settings.vapi_timeout_seconds,
                connect_timeout_seconds=settings.vapi_connect_timeout_seconds,
                server=settings.vapi_server,
            )
        )
    else:
        container.telephony.override(
            providers.Singleton(
                SandboxTelephonyProvider,
                SandboxScript(
                    ring_seconds=settings.sandbox_ring_seconds,
                    talk_seconds=settings.sandbox_talk_seconds,
                    outcome=SandboxOutcome(settings.sandbox_outcome),
                    seed=settings.sandbox_seed,
                ),
            )
        )
    return container


def mailer_provider(settings: Settings, container: Container) -> providers.Provider[Mailer]:
    """SMTP when a host is configured, else the outbox under the data directory."""
    if settings.smtp_host is None:
        return providers.Singleton(
            OutboxMailer, settings.outbox_dir, sender=settings.email_from, clock=container.clock
        )
    return providers.Singleton(
        SmtpMailer,
        settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        sender=settings.email_from,
        timeout_seconds=settings.smtp_timeout_seconds,
        clock=container.clock,
    )


def announce_mailer(settings: Settings) -> None:
    """Say once at start where email goes (never the credentials)."""
    if settings.smtp_host is None:
        log.info(
            "email goes to the outbox",
            outbox=str(settings.outbox_dir.resolve()),
            public_url=settings.public_url,
        )
    else:
        log.info(
            "email goes to an SMTP server",
            server=f"{settings.smtp_host}:{settings.smtp_port}",
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            sender=settings.email_from,
            public_url=settings.public_url,
        )


def webhook_verifier(settings: Settings) -> WebhookVerifier:
    return WebhookVerifier(
        mode=settings.webhook_auth,
        secret=settings.webhook_secret,
        header=settings.webhook_header,
        max_skew_seconds=settings.webhook_max_skew_seconds,
    )


async def install_catalogue(container: Container) -> int:
    """The default plans and features, added where missing (never overwritten)."""
    added = await sync_catalogue(container.deps())
    if added:
        log.info("catalogue installed", rows_added=added)
    return added


def _announce_demo(demo: DemoInstallation, settings: Settings) -> None:
    token_file = settings.data_dir / "demo-token"
    token_file.write_text(demo.admin.token + "\n")
    token_file.chmod(0o600)
    if settings.log_format == "json":
        log.info(
            "demo installation ready",
            platform_admin=str(demo.admin.user.email),
            tenant=demo.tenant.name,
            tenant_id=str(demo.tenant.id),
            token_file=str(token_file),
        )
        return
    print(
        "\n"
        "  Demo installation ready (first start on an empty database):\n"
        f"    platform admin : {demo.admin.user.email}\n"
        f"    demo tenant    : {demo.tenant.name} ({demo.tenant.id})\n"
        f"    token          : {demo.admin.token}\n"
        f"  The token is also in {token_file} (readable only by you); it is shown once.\n"
        f"  Try: curl -H 'Authorization: Bearer {demo.admin.token}' "
        f"http://{settings.host}:{settings.port}/v1/me\n",
        flush=True,
    )


async def settle_heap(_app: web.Application | None = None) -> None:
    """Set apart what start-up made (modules, the container, libphonenumber's metadata: some
    160,000 objects) from the garbage collector's full collections, which otherwise walk it
    all each time, the process stopped meanwhile. In a benchmark run of inbound answers and
    webhooks, ten full collections took 105-167 ms each, every request in flight delayed by
    as much; with start-up's objects frozen, 2-7 ms. What start-up made lives as long as the
    process anyway."""
    gc.collect()
    gc.freeze()


def serve(settings: Settings) -> None:
    with database(settings) as url:
        if settings.auto_migrate:
            prepare_database(settings, url)
            log.info("database migrated", revision=schema.head_revision())
        # From here on the application's own login, not the owner the migrations ran as.
        url = application_login(settings, url)
        container = build_container(settings, url)
        connect_sandbox(container)

        async def cleanup() -> None:
            await dispose(container)

        worker_health = WorkerHealth() if settings.worker else None
        app = create_app(
            container.use_cases(),
            max_body_bytes=settings.max_body_bytes,
            upload_max_bytes=settings.upload_max_bytes,
            import_concurrency=settings.import_concurrency,
            webhook_verifier=webhook_verifier(settings),
            on_cleanup=cleanup,
            operational_figures=container.operational_figures(),
            worker_health=worker_health,
        )
        if worker_health is not None:
            queue = postgres_connector(url, settings.db_connect_timeout)
            jobs = jobs_of(container, queue, worker_health)

            async def background_worker(_app: web.Application) -> AsyncIterator[None]:
                async with worker_in_background(jobs, worker_health):
                    yield

            app.cleanup_ctx.append(background_worker)

        async def sandbox_calls(_app: web.Application) -> AsyncIterator[None]:
            async with sandbox_calls_settled(container):
                yield

        app.cleanup_ctx.append(sandbox_calls)

        async def prepare(_app: web.Application) -> None:
            if not (settings.embedded and settings.seed_demo):
                return
            demo = await container.bootstrap().seed_demo()
            if demo is not None:
                _announce_demo(demo, settings)
            elif (settings.data_dir / "demo-token").exists():
                log.info("demo token", file=str(settings.data_dir / "demo-token"))

        app.on_startup.append(prepare)
        app.on_startup.append(settle_heap)
        announce_mailer(settings)
        log.info(
            "serving",
            url=f"http://{settings.host}:{settings.port}",
            docs="/docs",
            telephony="sandbox" if settings.sandbox else "vapi",
            worker=settings.worker,
        )
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            print=None,
            access_log_class=AccessLog,
        )


def worker(settings: Settings) -> None:
    """Run background jobs (the reconciler) until interrupted; any number may run."""
    if settings.sandbox:
        # The sandbox's calls live in the serving process: a worker elsewhere would find
        # none of them and take every call for lost.
        raise InvalidValue(
            "the sandbox provider has no calls outside `serve`: run the worker in-process "
            "(VOICE_AGENT_WORKER=true, the default) or set VOICE_AGENT_VAPI_API_KEY",
            field="VOICE_AGENT_VAPI_API_KEY",
        )
    with database(settings) as url:
        if settings.auto_migrate:
            schema.upgrade(url)
        url = application_login(settings, url)
        container = build_container(settings, url)

        async def work(container: Container) -> None:
            # A process manager stops with SIGTERM: the job in hand ends as on Ctrl-C, and the
            # pools are closed, instead of the process dying with a job left "doing". The
            # handlers come before "worker started": a stop sent once that is logged is clean.
            working = asyncio.current_task()
            assert working is not None
            loop = asyncio.get_running_loop()
            for stop in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(stop, working.cancel)
            await settle_heap()
            log.info("worker started", telephony="sandbox" if settings.sandbox else "vapi")
            announce_mailer(settings)
            queue = postgres_connector(url, settings.db_connect_timeout)
            try:
                await run_worker(jobs_of(container, queue))
            except asyncio.CancelledError:
                log.info("worker stopped")

        _run_with(container, work)


def jobs_of(
    container: Container,
    queue: procrastinate.BaseConnector,
    health: WorkerHealth | None = None,
) -> procrastinate.App:
    """The job queue's app with every job the container can do: one list, for `serve`'s
    worker and `voice-agent worker` alike."""
    return job_app(
        queue,
        container.reconciler(),
        health,
        dispatcher=container.batch_dispatcher(),
        deliverer=container.webhook_deliverer(),
        closure=container.tenant_closure(),
        exports=container.tenant_exports(),
        numbers=container.phone_numbers(),
        inbox=container.webhook_messages(),
        retention=container.retention(),
    )


def runtime_database_url(settings: Settings, url: str) -> str:
    """The URL the API and the workers use: VOICE_AGENT_APP_DATABASE_URL, else `url` (the
    owner's, which migrates) logged in as the application role, with
    VOICE_AGENT_APP_DATABASE_PASSWORD if set."""
    if settings.app_database_url is not None:
        return settings.app_database_url
    return with_login(url, APP_ROLE, settings.app_database_password)


def application_login(settings: Settings, url: str) -> str:
    """`runtime_database_url`, once it is known to log in and to be unable to escape
    row-level security: a superuser's or owner's session would undo it with one RESET ROLE,
    so `serve` and `worker` refuse to start on such a login rather than run exposed."""
    runtime = runtime_database_url(settings, url)
    setting = "VOICE_AGENT_APP_DATABASE_URL"
    guide = "(README: Using an external PostgreSQL)"
    try:
        escapes = escapes_from_row_level_security(
            runtime, connect_timeout=settings.db_connect_timeout
        )
    except LoginUnavailable as error:
        raise InvalidValue(
            f"cannot log in as the application's database login: {error}. `voice-agent "
            f"migrate` makes {APP_ROLE} a login; on a server that asks for a password set "
            f"VOICE_AGENT_APP_DATABASE_PASSWORD, or {setting} for another login {guide}",
            field=setting,
        ) from None
    if escapes:
        raise InvalidValue(
            "refusing to run as a database login that could escape row-level security: "
            f"{'; '.join(escapes)}. Set {setting} to a login that is neither a superuser "
            f"nor the tables' owner {guide}",
            field=setting,
        )
    return runtime


def prepare_database(settings: Settings, url: str, *, migrate: bool = True) -> int:
    """Migrate to head (when `migrate`) and add the default catalogue where missing, both
    under the migration lock: processes starting at once on a fresh database take turns, and
    the later ones find nothing left to do. Returns the catalogue rows added."""
    with schema.migration_lock(url) as conn:
        if migrate:
            _migrate_to(conn, "head")
        return _run_with(build_container(settings, url), install_catalogue)


def _migrate_to(conn: Connection, revision: str, *, allow_downgrade: bool = False) -> str | None:
    try:
        return schema.migrate(conn, revision, allow_downgrade=allow_downgrade)
    except schema.MigrationRefused as refused:
        raise InvalidValue(str(refused), field="revision") from None


def migrate(settings: Settings, revision: str, *, allow_downgrade: bool = False) -> None:
    """Migrate to `revision` (below the current one only with `allow_downgrade`), then, at
    head, install the default catalogue; prints the revision the database is really at."""
    with database(settings) as url, schema.migration_lock(url) as conn:
        at = _migrate_to(conn, revision, allow_downgrade=allow_downgrade)
        added = 0
        if at is not None and at == schema.head_revision():
            added = _run_with(build_container(settings, url), install_catalogue)
    head = schema.head_revision()
    print(f"database at {at or 'base'} (head {head}); catalogue rows added: {added}")


def catalogue_sync(settings: Settings) -> None:
    with database(settings) as url:
        added = prepare_database(settings, url, migrate=False)
    print(f"catalogue rows added: {added}")


def _run_with(container: Container, action: Callable[[Container], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            return await action(container)
        finally:
            await dispose(container)

    return asyncio.run(run())


def purge_closed_tenants(settings: Settings) -> None:
    """One purge pass, as the worker runs each minute: closed tenants past their grace period
    deleted, expired exports removed."""
    with database(settings) as url:

        async def purge(container: Container) -> tuple[int, int]:
            report = await container.tenant_closure().purge_due()
            return len(report.purged), await container.tenant_exports().remove_expired()

        tenants, exports = _run_with(build_container(settings, url), purge)
    print(f"tenants purged: {tenants}; expired exports removed: {exports}")


def purge_content(settings: Settings) -> None:
    """One retention pass, as the worker runs every five minutes: each tenant's calls' content
    past its time deleted; prints what went, tenant by tenant."""
    with database(settings) as url:

        async def purge(container: Container) -> dict[TenantId, dict[str, int]]:
            return await container.retention().purge_due()

        purged = _run_with(build_container(settings, url), purge)
    for tenant, counts in purged.items():
        print(tenant, " ".join(f"{kind}={count}" for kind, count in sorted(counts.items())))
    print(f"tenants with content purged: {len(purged)}")


def phone_numbers(settings: Settings, args: argparse.Namespace) -> int:
    """`voice-agent numbers unconfirmed|confirm`: the numbers typed in before provisioning,
    across tenants, and confirming one as its tenant's (as a platform admin, audited)."""
    operator = Principal.operator()
    with database(settings) as url:
        container = build_container(settings, url)
        if args.numbers_command == "unconfirmed":

            async def listing(container: Container) -> list[PhoneLine]:
                return await container.phone_numbers().unconfirmed_numbers(operator)

            found = _run_with(container, listing)
            for line in found:
                print(_number_line(line))
            if not found:
                print("no unconfirmed numbers")
            return 0

        async def confirm(container: Container) -> PhoneLine:
            return await container.phone_numbers().confirm_number(
                operator, TenantId(args.tenant), PhoneNumberId(args.number)
            )

        print(f"confirmed: {_number_line(_run_with(container, confirm))}")
        return 0


def _number_line(line: PhoneLine) -> str:
    number = line.number.e164 if line.number else "-"
    return (
        f"{line.tenant_id}  {line.id}  {number}  {line.provider.value}  "
        f"{line.provider_number_id or '-'}  {line.ownership.value}"
    )


def create_platform_admin(settings: Settings, email: str) -> None:
    address = Email.parse(email)
    with database(settings) as url:
        prepare_database(settings, url, migrate=settings.auto_migrate)

        async def promote(container: Container) -> str:
            return (await container.bootstrap().create_platform_admin(address)).token

        token = _run_with(build_container(settings, url), promote)
    print(token)


def import_leads(settings: Settings, args: argparse.Namespace) -> int:
    """Import a CSV file into a tenant, with a progress bar; prints the report. The file is
    read a line at a time: memory does not grow with its size."""
    from tqdm import tqdm

    lines = _count_lines(args.file)
    with _open_csv(args.file) as text:
        command = ImportLeads(
            TenantId(args.tenant),
            text,
            ColumnMapping(
                phone=args.phone_column,
                name=args.name_column,
                email=args.email_column,
                timezone=args.timezone_column,
                extra=not args.no_extra,
            ),
            region=args.country,
            source=args.source,
            delimiter=args.delimiter,
        )
        with database(settings) as url:
            container = build_container(settings, url)
            workers = container.import_workers()
            if workers is not None:
                workers.start()  # they start while the database is made ready
            if settings.auto_migrate:
                schema.upgrade(url)

            async def run(container: Container) -> ImportReport:
                with tqdm(total=lines, unit="row", desc="importing", leave=False) as bar:
                    return await container.lead_import().import_leads(
                        Principal.operator(), command, progress=bar.update
                    )

            report = _run_with(container, run)
    print(
        f"rows {report.rows}: created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, duplicates {report.duplicates}, failed {report.failed}"
    )
    for error in report.errors:
        print(f"row {error.row}: {error.field}: {error.message}")
    if report.failed > len(report.errors):
        print(f"... and {report.failed - len(report.errors)} more failed rows")
    return 0 if report.failed == 0 else 1


def _count_lines(path: Path) -> int:
    """The file's line breaks, counted a block at a time: the progress bar's length."""
    try:
        with path.open("rb") as file:
            return sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b""))
    except OSError as error:
        raise InvalidValue(f"cannot read {path}: {error.strerror}", field="file") from None


def _open_csv(path: Path) -> TextIO:
    # newline="": line breaks inside quoted fields reach the CSV reader as they are.
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise InvalidValue(f"cannot read {path}: {error.strerror}", field="file") from None


def _uuid(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a tenant id (UUID)") from None


# --- batches -----------------------------------------------------------------------------------

# How often `batches watch` reads the batch again, by default.
WATCH_INTERVAL_SECONDS = 2.0


def run_batches(settings: Settings, action: Callable[[BatchService], Awaitable[T]]) -> T:
    """Run `action` on the batch use cases against the configured database, as the operator
    (platform authority, audited as the system), as `leads import` does."""
    with database(settings) as url:
        container = build_container(settings, url)
        if settings.auto_migrate:
            schema.upgrade(url)

        async def run(container: Container) -> T:
            return await action(container.batches())

        return _run_with(container, run)


def batches(settings: Settings, args: argparse.Namespace) -> int:
    """`voice-agent batches …`: list, show, create, preflight, start, pause, resume, cancel and
    watch a tenant's batches."""
    operator, tenant = Principal.operator(), TenantId(args.tenant)
    command = args.batches_command
    if command == "list":
        listed = run_batches(
            settings, lambda svc: _all_batches(svc, tenant, BatchFilter(args.status))
        )
        for batch in listed:
            print(_batch_line(batch))
        if not listed:
            print("no batches")
        return 0
    if command == "create":
        made, report = run_batches(
            settings, lambda svc: svc.create_batch(operator, _create_command(args))
        )
        print("\n".join(_describe_batch(made)))
        print("\n".join(_describe_preflight(report)))
        return 0
    batch_id = BatchId(args.batch)
    if command == "show":
        shown = run_batches(settings, lambda svc: svc.get_batch(operator, tenant, batch_id))
        print("\n".join(_describe_batch(shown)))
    elif command == "preflight":
        report = run_batches(settings, lambda svc: svc.preflight(operator, tenant, batch_id))
        print("\n".join(_describe_preflight(report)))
    elif command == "watch":
        watched = run_batches(
            settings, lambda svc: watch_batch(svc, tenant, batch_id, args.interval)
        )
        print(_batch_line(watched))
    else:  # start, pause, resume, cancel
        changed = run_batches(
            settings, lambda svc: getattr(svc, command)(operator, tenant, batch_id)
        )
        print(_batch_line(changed))
    return 0


async def _all_batches(svc: BatchService, tenant: TenantId, where: BatchFilter) -> list[Batch]:
    found: list[Batch] = []
    cursor: str | None = None
    while True:
        page = await svc.list_batches(
            Principal.operator(), tenant, where, PageRequest.parse(MAX_PAGE_SIZE, cursor)
        )
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            return found


async def watch_batch(
    svc: BatchService, tenant: TenantId, batch_id: BatchId, interval: float
) -> Batch:
    """A progress bar of the batch's finished leads, read again every `interval` seconds
    until the batch is completed or cancelled; the batch as it ended."""
    from tqdm import tqdm

    operator = Principal.operator()
    batch = await svc.get_batch(operator, tenant, batch_id)
    with tqdm(total=batch.counts.total, unit="lead", desc=batch.name) as bar:
        while True:
            bar.total = batch.counts.total
            bar.n = batch.counts.total - batch.counts.open
            bar.set_postfix_str(_live_summary(batch), refresh=False)
            bar.refresh()
            if batch.status.finished:
                return batch
            await asyncio.sleep(interval)
            batch = await svc.get_batch(operator, tenant, batch_id)


def _live_summary(batch: Batch) -> str:
    c = batch.counts
    status = batch.status.value
    if batch.pause_reason is not None:
        status += f" ({batch.pause_reason.value})"
    return f"{status}; pending {c.pending}, on the line {c.dialling + c.live}"


def _batch_line(batch: Batch) -> str:
    c = batch.counts
    return (
        f"{batch.id}  {batch.status.value:<9}  {c.total - c.open}/{c.total} finished  {batch.name}"
    )


def _tally(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "none"


def _describe_batch(batch: Batch) -> list[str]:
    c, w = batch.counts, batch.window
    status = batch.status.value
    if batch.pause_reason is not None:
        status += f" ({batch.pause_reason.value})"
    days = ",".join(str(d) for d in sorted(w.days))
    hours = f"{w.start:%H:%M}-{w.end:%H:%M}"
    zone = batch.timezone or "none (the leads' own, else their number's)"
    return [
        f"batch {batch.id}: {batch.name}",
        f"  status       {status}",
        f"  agent        {batch.agent_id} from number {batch.from_number_id}",
        f"  window       days {days}, {hours}, zone {zone}",
        f"  concurrency  {batch.concurrency}, at most {batch.max_attempts} tries a lead",
        f"  progress     {c.total - c.open}/{c.total} finished: completed {c.completed}, "
        f"failed {c.failed}, skipped {c.skipped}, cancelled {c.cancelled}; "
        f"pending {c.pending}, dialling {c.dialling}, live {c.live}",
        f"  outcomes     {_tally({o.value: n for o, n in c.ended_by.items()})}",
        f"  skipped for  {_tally({r.value: n for r, n in c.skipped_by.items()})}",
        f"  cost         {batch.cost} USD",
        f"  created      {batch.created_at.isoformat()}",
    ]


def _describe_preflight(report: Preflight) -> list[str]:
    lines = [
        f"preflight: {report.leads} leads waiting, {report.callable_now} callable now",
        f"  do not call        {report.do_not_call}",
        f"  unknown time zone  {report.unknown_time_zone}",
        f"  outside window now {report.outside_window_now}",
        f"  invalid number     {report.invalid_number}",
        f"  duplicate ids      {report.duplicate_leads}",
        f"  concurrency        {report.concurrency}",
        f"  estimated          {timedelta(seconds=report.estimated_seconds)}",
    ]
    lines += [f"  problem: {problem}" for problem in report.problems]
    return lines


def _create_command(args: argparse.Namespace) -> CreateBatch:
    return CreateBatch(
        tenant_id=TenantId(args.tenant),
        agent_id=AgentId(args.agent),
        name=args.name,
        window=CallingWindow(days=args.window_days, start=args.start, end=args.end),
        selection=_lead_selection(args),
        from_number_id=PhoneNumberId(args.from_number) if args.from_number else None,
        concurrency=args.concurrency,
        timezone=args.timezone,
        max_attempts=args.max_attempts,
    )


def _lead_selection(args: argparse.Namespace) -> LeadSelection:
    filters = {
        "status": args.status,
        "source": args.source,
        "created_from": args.created_from,
        "created_before": args.created_before,
    }
    filtering = any(v is not None for v in filters.values()) or args.never_contacted
    if args.lead_ids is not None:
        if filtering or args.all_leads:
            raise InvalidValue(
                "give either --lead-ids or filters (--status, --source, --created-from, "
                "--created-before, --never-contacted), not both",
                field="lead-ids",
            )
        return LeadSelection(lead_ids=_read_lead_ids(args.lead_ids))
    if not filtering and not args.all_leads:
        raise InvalidValue(
            "say which leads: --lead-ids FILE, filters (--status, --source, --created-from, "
            "--created-before, --never-contacted), or --all-leads",
            field="lead-ids",
        )
    return LeadSelection(**filters, never_contacted=args.never_contacted)


def _read_lead_ids(path: Path) -> tuple[LeadId, ...]:
    """The lead ids of a file, one a line (blank lines and lines starting with # are left
    out)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidValue(f"cannot read {path}: {error.strerror}", field="lead-ids") from None
    except UnicodeDecodeError:
        raise InvalidValue(f"{path} is not UTF-8 text", field="lead-ids") from None
    ids: list[LeadId] = []
    for number, line in enumerate(lines, start=1):
        raw = line.strip()
        if not raw or raw.startswith("#"):
            continue
        try:
            ids.append(LeadId(UUID(raw)))
        except ValueError:
            raise InvalidValue(
                f"{path}, line {number}: {raw!r} is not a lead id (UUID)", field="lead-ids"
            ) from None
    return tuple(ids)


def _weekdays(raw: str) -> frozenset[int]:
    """ISO weekdays as `1-5`, `1,3,5` or `6-7,1`."""
    days: set[int] = set()
    try:
        for part in raw.split(","):
            first, _, last = part.strip().partition("-")
            low, high = int(first), int(last or first)
            if not 1 <= low <= high <= 7:
                raise ValueError(part)
            days.update(range(low, high + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r}: ISO weekdays 1 (Monday) to 7 (Sunday), as 1-5 or 1,3,5"
        ) from None
    return frozenset(days)


def _clock_time(raw: str) -> time:
    try:
        moment = time.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a time of day (HH:MM)") from None
    if moment.tzinfo is not None:
        raise argparse.ArgumentTypeError(f"{raw!r}: a local time, without a zone")
    return moment


def _instant(raw: str) -> datetime:
    """An ISO 8601 date or date-time; one without an offset is UTC."""
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an ISO 8601 date or time") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _id_of(what: str) -> Callable[[str], UUID]:
    def parse(raw: str) -> UUID:
        try:
            return UUID(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not {what} (UUID)") from None

    return parse


def _add_batch_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batches = commands.add_parser("batches", help="batches (campaigns) of calls")
    batch_commands = batches.add_subparsers(dest="batches_command", required=True)

    def command(name: str, help: str, *, batch: bool = True) -> argparse.ArgumentParser:
        sub = batch_commands.add_parser(name, help=help)
        sub.add_argument("--tenant", required=True, type=_uuid, help="the tenant id")
        if batch:
            sub.add_argument("batch", type=_id_of("a batch id"), help="the batch id")
        return sub

    listing = command("list", help="the tenant's batches, newest first", batch=False)
    listing.add_argument("--status", type=BatchStatus, choices=list(BatchStatus))
    command("show", help="a batch with its progress")
    create = command(
        "create",
        help="create a batch in draft from --lead-ids FILE or lead filters; prints it and "
        "its preflight (start it with `batches start`)",
        batch=False,
    )
    create.add_argument("--name", required=True, help="the batch's name")
    create.add_argument(
        "--agent", required=True, type=_id_of("an agent id"), help="the agent that calls"
    )
    create.add_argument(
        "--from-number", type=_id_of("a phone number id"), help="default: the agent's number"
    )
    create.add_argument(
        "--lead-ids", type=Path, metavar="FILE", help="a file of lead ids, one a line"
    )
    create.add_argument("--status", type=LeadStatus, choices=list(LeadStatus),
                        help="filter: leads in this status")  # fmt: skip
    create.add_argument("--source", help="filter: leads from this source")
    create.add_argument("--created-from", type=_instant, help="filter: created at or after")
    create.add_argument("--created-before", type=_instant, help="filter: created before")
    create.add_argument(
        "--never-contacted", action="store_true", help="filter: leads no call has reached"
    )
    create.add_argument(
        "--all-leads", action="store_true", help="every lead of the tenant (no filter)"
    )
    create.add_argument(
        "--window-days",
        type=_weekdays,
        default=frozenset(range(1, 6)),
        help="ISO weekdays the window opens, e.g. 1-5 (default) or 1,3,5",
    )
    create.add_argument("--start", type=_clock_time, default=time(9), help="default 09:00")
    create.add_argument("--end", type=_clock_time, default=time(17), help="default 17:00")
    create.add_argument("--concurrency", type=int, default=1, help="calls at once (default 1)")
    create.add_argument(
        "--timezone", help="IANA zone for leads whose own zone and number say nothing"
    )
    create.add_argument(
        "--max-attempts", type=int, default=3, help="tries a lead at most (default 3)"
    )
    command("preflight", help="what would happen if the batch ran now")
    command("start", help="start a draft batch")
    command("pause", help="pause a running batch (calls on the line finish)")
    command("resume", help="resume a paused batch")
    command("cancel", help="cancel a batch (waiting leads are not called)")
    watch = command("watch", help="a live progress bar until the batch is completed or cancelled")
    watch.add_argument(
        "--interval",
        type=float,
        default=WATCH_INTERVAL_SECONDS,
        help=f"seconds between readings (default {WATCH_INTERVAL_SECONDS:g})",
    )


# --- the provider's kept messages ---------------------------------------------------------------


def run_webhook_messages(
    settings: Settings, action: Callable[[WebhookMessages], Awaitable[T]]
) -> T:
    """Run `action` on the kept messages' use cases, as the operator (as `batches` does)."""
    with database(settings) as url:
        container = build_container(settings, url)
        if settings.auto_migrate:
            schema.upgrade(url)

        async def run(container: Container) -> T:
            return await action(container.webhook_messages())

        return _run_with(container, run)


def webhook_messages(settings: Settings, args: argparse.Namespace) -> int:
    """`voice-agent webhook-messages …`: list a tenant's (or no tenant's) kept messages, and
    replay one, or every failed one since a time; exits 1 when some are still failing."""
    operator = Principal.operator()
    tenant = TenantId(args.tenant) if args.tenant else None
    if args.webhook_messages_command == "list":
        listed = run_webhook_messages(
            settings, lambda svc: _all_messages(svc, tenant, failed=args.failed)
        )
        for entry in listed:
            print(_message_line(entry))
        if not listed:
            print("no messages")
        return 0
    if args.since is not None:
        tally = run_webhook_messages(
            settings, lambda svc: svc.replay_failed(operator, args.since, tenant)
        )
        print(
            f"replayed {tally.replayed}: applied {tally.applied}, "
            f"still failing {tally.still_failing}"
        )
        return 1 if tally.still_failing else 0
    replay = run_webhook_messages(settings, lambda svc: svc.replay(operator, tenant, args.message))
    print(f"{replay.outcome.value}: {_message_line(replay.message)}")
    return 1 if replay.outcome is ReplayOutcome.STILL_FAILING else 0


async def _all_messages(
    svc: WebhookMessages, tenant: TenantId | None, *, failed: bool
) -> list[InboxEntry]:
    found: list[InboxEntry] = []
    cursor: str | None = None
    while True:
        page = await svc.list_messages(
            Principal.operator(), tenant, PageRequest.parse(MAX_PAGE_SIZE, cursor), failed=failed
        )
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            return found


def _message_line(m: InboxEntry) -> str:
    state = "processed" if m.processed_at else ("failed" if m.failed else "kept")
    line = f"{m.id}  {m.received_at.isoformat()}  {m.type}  {state}"
    return f"{line}  {m.error}" if m.error else line


def _add_webhook_message_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    kept = commands.add_parser(
        "webhook-messages", help="the provider's messages kept in the inbox, and their replay"
    )
    kept_commands = kept.add_subparsers(dest="webhook_messages_command", required=True)
    tenant_help = "the tenant whose messages (default: those about no call of ours)"
    listing = kept_commands.add_parser("list", help="a tenant's kept messages, newest first")
    listing.add_argument("--tenant", type=_uuid, help=tenant_help)
    listing.add_argument("--failed", action="store_true", help="only those that failed to apply")
    replay = kept_commands.add_parser(
        "replay",
        help="apply a failed message again (by id), or every failed one since --since; "
        "exits 1 when some are still failing",
    )
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("message", nargs="?", type=_id_of("a message id"), help="the message id")
    which.add_argument(
        "--since",
        type=_instant,
        help="every failed message received at or after this time (ISO 8601; UTC if no offset)",
    )
    replay.add_argument(
        "--tenant",
        type=_uuid,
        help="the message's tenant; with --since, only this tenant's (default: every tenant's "
        "and those about no call of ours)",
    )


def write_erd(check: bool, output: Path) -> int:
    text = render_erd()
    if check:
        if not output.exists() or output.read_text() != text:
            print(f"{output} is stale: run `voice-agent erd`", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"wrote {output}")
    return 0


def package_version() -> str:
    """The installed package's version (pyproject's), or "unknown" when run uninstalled."""
    try:
        return importlib.metadata.version("voice-agent-backend")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="voice-agent", description=__doc__)
    root.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="migrate and serve the HTTP API")
    run.add_argument("--host", help="listen address (default VOICE_AGENT_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="listen port (default VOICE_AGENT_PORT or 8080)")
    up = commands.add_parser("migrate", help="migrate the database (default: to head)")
    up.add_argument("--revision", default="head", help="head (default), base or a revision id")
    up.add_argument(
        "--allow-downgrade",
        action="store_true",
        help="migrate down when --revision is below the database's (drops tables and data)",
    )
    admin = commands.add_parser("admin", help="administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    promote = admin_commands.add_parser(
        "create-platform-admin", help="create or promote a platform admin and print a token"
    )
    promote.add_argument("--email", required=True)
    catalogue = commands.add_parser("catalogue", help="the plan and feature catalogue")
    catalogue_commands = catalogue.add_subparsers(dest="catalogue_command", required=True)
    catalogue_commands.add_parser(
        "sync", help="add the default plans and features where missing (never overwrites)"
    )
    erd = commands.add_parser("erd", help="write docs/erd.md from the schema")
    erd.add_argument("--check", action="store_true", help="fail if the file is stale")
    erd.add_argument("--output", type=Path, default=ERD_PATH)
    commands.add_parser("openapi", help="print the OpenAPI document")
    commands.add_parser("worker", help="run background jobs (the call reconciler)")
    leads = commands.add_parser("leads", help="the lead book")
    lead_commands = leads.add_subparsers(dest="leads_command", required=True)
    load = lead_commands.add_parser(
        "import",
        help="import leads from a CSV file: valid rows imported, bad rows listed; "
        "exits 1 when some rows failed",
    )
    load.add_argument("file", type=Path)
    load.add_argument("--tenant", required=True, type=_uuid, help="the tenant id")
    load.add_argument("--country", help="ISO 3166 country for numbers written without +")
    load.add_argument("--source", default="import", help="source of the leads it creates")
    load.add_argument("--phone-column", default="phone")
    load.add_argument("--name-column", default="name")
    load.add_argument("--email-column", default="email")
    load.add_argument("--timezone-column", default="timezone")
    load.add_argument("--no-extra", action="store_true", help="ignore the other columns")
    load.add_argument("--delimiter", default=",")
    tenants = commands.add_parser("tenants", help="tenants' lifecycle")
    tenant_commands = tenants.add_subparsers(dest="tenants_command", required=True)
    tenant_commands.add_parser(
        "purge-closed",
        help="run one purge pass: delete closed tenants past their grace period, and expired "
        "exports (the worker does this every minute)",
    )
    retention = commands.add_parser("retention", help="calls' content kept for a time")
    retention_commands = retention.add_subparsers(dest="retention_command", required=True)
    retention_commands.add_parser(
        "purge",
        help="run one retention pass: delete each tenant's calls' content past its time (the "
        "worker does this every five minutes)",
    )
    numbers = commands.add_parser("numbers", help="phone numbers typed in before provisioning")
    number_commands = numbers.add_subparsers(dest="numbers_command", required=True)
    number_commands.add_parser(
        "unconfirmed",
        help="list every tenant's numbers awaiting confirmation (tenant, id, number, provider, "
        "provider id, ownership)",
    )
    confirming = number_commands.add_parser(
        "confirm", help="confirm a number as its tenant's: it answers and places calls again"
    )
    confirming.add_argument("tenant", type=_uuid, help="the tenant id")
    confirming.add_argument("number", type=_uuid, help="the number's id")
    _add_batch_commands(commands)
    _add_webhook_message_commands(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        if args.command == "serve":
            overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v}
            if overrides:
                import attrs

                settings = attrs.evolve(settings, **overrides)
            serve(settings)
        elif args.command == "worker":
            worker(settings)
        elif args.command == "migrate":
            migrate(settings, args.revision, allow_downgrade=args.allow_downgrade)
        elif args.command == "admin":
            create_platform_admin(settings, args.email)
        elif args.command == "catalogue":
            catalogue_sync(settings)
        elif args.command == "tenants":
            purge_closed_tenants(settings)
        elif args.command == "retention":
            purge_content(settings)
        elif args.command == "leads":
            return import_leads(settings, args)
        elif args.command == "batches":
            return batches(settings, args)
        elif args.command == "webhook-messages":
            return webhook_messages(settings, args)
        elif args.command == "numbers":
            return phone_numbers(settings, args)
        elif args.command == "erd":
            return write_erd(args.check, args.output)
        elif args.command == "openapi":
            import json

            print(json.dumps(openapi_document(), indent=2))
    except (DomainError, ApplicationError) as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
