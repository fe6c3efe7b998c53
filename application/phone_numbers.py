"""The phone-number inventory (the seed's PhoneNumberModel): admins register, route and
release numbers; every member reads them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps, apply_changes, check_version, jsonable
from application.entitlements import require_capacity
from application.errors import NotFound
from application.links import check_agent
from application.pagination import Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.ids import AgentId, PhoneNumberId, TenantId
from domain.phones import NumberProvider, NumberStatus, PhoneLine, PhoneNumber

NUMBER_FIELDS = frozenset({"label", "provider_number_id", "inbound_agent_id"})


@attrs.frozen
class RegisterNumber:
    tenant_id: TenantId
    number: PhoneNumber
    provider: NumberProvider
    provider_number_id: str | None = None
    label: str | None = None
    inbound_agent_id: AgentId | None = None


@attrs.frozen
class UpdateNumber:
    tenant_id: TenantId
    number_id: PhoneNumberId
    changes: Mapping[str, Any]
    """Only the fields to change, among NUMBER_FIELDS."""
    version: int | None = None


def _position(line: PhoneLine) -> Position:
    return Position(line.created_at, line.id)


async def number_of(tx: UnitOfWork, tenant_id: TenantId, number_id: PhoneNumberId) -> PhoneLine:
    line = await tx.phone_numbers.get(tenant_id, number_id)
    if line is None:
        raise NotFound("phone number", number_id)
    return line


class PhoneNumberService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def register_number(self, principal: Principal, cmd: RegisterNumber) -> PhoneLine:
        """Add a number to the inventory, within `phone_numbers.max` active numbers.

        A number active in any tenant is refused with AlreadyExists, which says nothing of
        the tenant that holds it.
        """
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.NUMBERS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            now = self._deps.clock.now()
            await require_capacity(
                self._deps.entitlements,
                tx,
                access.tenant,
                "phone_numbers.max",
                now,
                ids=self._deps.ids,
            )
            await check_agent(tx, cmd.tenant_id, cmd.inbound_agent_id)
            line = PhoneLine(
                id=PhoneNumberId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                number=cmd.number,
                provider=cmd.provider,
                created_at=now,
                updated_at=now,
                provider_number_id=cmd.provider_number_id,
                label=cmd.label,
                inbound_agent_id=cmd.inbound_agent_id,
            )
            await tx.phone_numbers.add(line)
            await self._deps.audit(
                tx,
                principal,
                "phone_number.registered",
                "phone_number",
                line.id,
                tenant_id=cmd.tenant_id,
                changes={"number": line.number.e164, "provider": line.provider.value},
            )
            await tx.commit()
        return line

    async def get_number(
        self, principal: Principal, tenant_id: TenantId, number_id: PhoneNumberId
    ) -> PhoneLine:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            return await number_of(tx, tenant_id, number_id)

    async def list_numbers(
        self,
        principal: Principal,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: NumberStatus | None = None,
    ) -> Page[PhoneLine]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            rows = await tx.phone_numbers.list(tenant_id, page, status=status)
        return Page.from_rows(rows, page, _position)

    async def update_number(self, principal: Principal, cmd: UpdateNumber) -> PhoneLine:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            await authorize(principal, Permission.NUMBERS_MANAGE, cmd.tenant_id, tx)
            line = await number_of(tx, cmd.tenant_id, cmd.number_id)
            check_version(cmd.version, line.version, "phone number", line.id)
            changes = dict(cmd.changes)
            now = self._deps.clock.now()
            diff: dict[str, Any] = {}
            if "inbound_agent_id" in changes:
                agent_id = changes.pop("inbound_agent_id")
                if agent_id != line.inbound_agent_id:
                    await check_agent(tx, cmd.tenant_id, agent_id)
                    diff["inbound_agent_id"] = {
                        "from": jsonable(line.inbound_agent_id),
                        "to": jsonable(agent_id),
                    }
                    line.route_inbound_to(agent_id, now)
            diff |= apply_changes(line, changes, now)
            if diff:
                await tx.phone_numbers.save(line)
                await self._deps.audit(
                    tx,
                    principal,
                    "phone_number.updated",
                    "phone_number",
                    line.id,
                    tenant_id=cmd.tenant_id,
                    changes=diff,
                )
                await tx.commit()
        return line

    async def release_number(
        self, principal: Principal, tenant_id: TenantId, number_id: PhoneNumberId
    ) -> PhoneLine:
        """Take the number out of service: it answers no more calls, frees its place in
        `phone_numbers.max`, and may be registered again (by any tenant)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.NUMBERS_MANAGE, tenant_id, tx)
            line = await number_of(tx, tenant_id, number_id)
            line.release(self._deps.clock.now())
            await tx.phone_numbers.save(line)
            await self._deps.audit(
                tx,
                principal,
                "phone_number.released",
                "phone_number",
                line.id,
                tenant_id=tenant_id,
                changes={"number": line.number.e164},
            )
            await tx.commit()
        return line
