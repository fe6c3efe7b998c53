"""An owner closes their tenant: refused at once, reopenable for a grace period, then its
data is purged by the worker in bounded batches."""

from __future__ import annotations

from datetime import timedelta

import attrs
import structlog

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.phone_numbers import PhoneNumberService
from application.ports.tenant_data import TenantPurger
from domain.audit import SYSTEM
from domain.ids import TenantId
from domain.tenancy import Tenant

log = structlog.get_logger(__name__)

DEFAULT_PURGE_GRACE = timedelta(days=30)
DEFAULT_EXPORT_KEEP_FOR = timedelta(days=7)


@attrs.frozen
class LeavingPolicy:
    """How long a closed tenant stays reopenable, how long an export is kept, and how much
    one step of a purge or an export's build handles."""

    purge_grace: timedelta = DEFAULT_PURGE_GRACE
    export_keep_for: timedelta = DEFAULT_EXPORT_KEEP_FOR
    # Rows per delete transaction: short enough not to hold locks or bloat one transaction.
    purge_chunk_rows: int = 5_000
    # Closed tenants one purge pass takes on (the next pass, a minute on, takes the rest).
    purge_tenants_per_pass: int = 10
    # An archive chunk's size, about 1 MiB: one row, one bounded read for a download.
    export_chunk_bytes: int = 1024 * 1024
    # Rows an export reads per transaction.
    export_page_rows: int = 1_000


@attrs.frozen
class PurgeReport:
    purged: list[TenantId] = attrs.field(factory=list)
    expired_exports: int = 0


class TenantClosureService:
    def __init__(
        self,
        deps: UseCaseDeps,
        purger: TenantPurger,
        policy: LeavingPolicy | None = None,
        numbers: PhoneNumberService | None = None,
    ) -> None:
        self._deps = deps
        self._purger = purger
        self._policy = policy or LeavingPolicy()
        self._numbers = numbers
        """Releases the numbers provisioned for a tenant at the provider before its purge."""

    async def close(self, principal: Principal, tenant_id: TenantId) -> Tenant:
        """Closed at once: its members and keys are refused (403) except to read the tenant,
        download its exports and reopen it; its running batches pause at the dispatcher's
        next round, as for a suspended tenant; its data is purged after the grace period."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            tenant = (
                await authorize(principal, Permission.TENANT_CLOSE, tenant_id, tx, lock=True)
            ).tenant
            before = tenant.status
            tenant.close(self._deps.clock.now(), self._policy.purge_grace)
            await tx.tenants.save(tenant)
            await self._deps.audit(
                tx,
                principal,
                "tenant.closed",
                "tenant",
                tenant.id,
                tenant_id=tenant.id,
                changes={
                    "status": {"from": before.value, "to": tenant.status.value},
                    "purge_after": tenant.purge_after.isoformat() if tenant.purge_after else None,
                },
            )
            await tx.commit()
        return tenant

    async def reopen(self, principal: Principal, tenant_id: TenantId) -> Tenant:
        """Active again, with everything it had, if its grace period has not ended."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            tenant = (
                await authorize(principal, Permission.TENANT_CLOSE, tenant_id, tx, lock=True)
            ).tenant
            before = tenant.status
            tenant.reopen(self._deps.clock.now())
            await tx.tenants.save(tenant)
            await self._deps.audit(
                tx,
                principal,
                "tenant.reopened",
                "tenant",
                tenant.id,
                tenant_id=tenant.id,
                changes={"status": {"from": before.value, "to": tenant.status.value}},
            )
            await tx.commit()
        return tenant

    async def purge_due(self) -> PurgeReport:
        """One pass: the closed tenants past their grace period are deleted (the numbers
        provisioned for them released at the provider first), their rows in bounded batches
        and then the tenant, with a platform-level `tenant.purged` entry (its
        id and the rows deleted per table, nothing else). A pass interrupted midway leaves
        the tenant closed and due: the next one carries on where it stopped."""
        report = PurgeReport()
        now = self._deps.clock.now()
        for tenant_id in await self._purger.due(now, self._policy.purge_tenants_per_pass):
            if self._numbers is not None and not await self._numbers.release_all(tenant_id):
                continue  # a number the provider still holds: the next pass tries again
            rows = await self._purger.delete_rows(tenant_id, self._policy.purge_chunk_rows)
            async with self._deps.uows() as tx:
                tenant = await tx.tenants.get_for_update(tenant_id)
                if tenant is None or not tenant.due_for_purge(self._deps.clock.now()):
                    continue
                await tx.tenants.remove(tenant)
                await self._deps.audit(
                    tx,
                    SYSTEM,
                    "tenant.purged",
                    "tenant",
                    tenant_id,
                    tenant_id=None,
                    changes={"rows": {table: n for table, n in rows.items() if n}},
                )
                await tx.commit()
            report.purged.append(tenant_id)
            log.info("tenant purged", tenant_id=str(tenant_id), rows=sum(rows.values()))
        return report
