"""The phone-number inventory (the seed's PhoneNumberModel): admins provision numbers through
the telephony provider, route and release them; every member reads them.

A number's E.164 and the provider's id for it come only from the provider's answer: a tenant
buys one, or imports its own with the proof the provider checks (its Twilio credentials, or a
provider credential of its Vonage, Telnyx or SIP account). A platform admin may attach an
existing provider number to a tenant, and confirm a number typed in before provisioning
existed. Only numbers proven so route inbound calls and place outbound ones.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import structlog

from application.access import Permission, Principal, authorize, require_platform_admin
from application.context import (
    UseCaseDeps,
    apply_changes,
    check_version,
    every_tenant_id,
    jsonable,
)
from application.entitlements import require_capacity
from application.errors import (
    AlreadyExists,
    IdempotencyKeyReused,
    NotFound,
    ProviderError,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProvisioningRefused,
)
from application.links import check_agent
from application.pagination import Page, PageRequest, Position
from application.ports.telephony import NumberOrder, NumberProvisioner, ProviderLine, TwilioProof
from application.ports.unit_of_work import UnitOfWork
from domain.audit import SYSTEM, Actor
from domain.errors import InvalidValue
from domain.ids import AgentId, PhoneNumberId, TenantId
from domain.phones import (
    NumberOwnership,
    NumberProvider,
    NumberStatus,
    PhoneLine,
    PhoneNumber,
)

log = structlog.get_logger(__name__)

NUMBER_FIELDS = frozenset({"label", "inbound_agent_id"})
MAX_IDEMPOTENCY_KEY = 255
MAX_SECRET = 255
_AREA_CODE = re.compile(r"[2-9][0-9]{2}")
# Vapi's list of numbers is searched from a little before our row was made: the two clocks
# differ.
FIND_SLACK = timedelta(minutes=2)


class NumberSource(enum.StrEnum):
    """Where a provisioned number comes from."""

    VAPI = "vapi"
    """A number the provider sells (Vapi's free US numbers), by area code."""
    TWILIO = "twilio"
    """The tenant's Twilio number, proven by its Twilio credentials."""
    VONAGE = "vonage"
    TELNYX = "telnyx"
    BYO = "byo-phone-number"
    """A number of the tenant's SIP trunk, known to the provider by a credential."""
    ATTACH = "attach"
    """An existing number of the provider, given to the tenant by a platform admin."""


_PROVIDER_OF = {
    NumberSource.VAPI: NumberProvider.VAPI,
    NumberSource.TWILIO: NumberProvider.TWILIO,
    NumberSource.VONAGE: NumberProvider.VONAGE,
    NumberSource.TELNYX: NumberProvider.TELNYX,
    NumberSource.BYO: NumberProvider.BYO,
}
_BY_CREDENTIAL = frozenset({NumberSource.VONAGE, NumberSource.TELNYX, NumberSource.BYO})


@attrs.frozen
class ProvisionNumber:
    tenant_id: TenantId
    source: NumberSource
    area_code: str | None = None
    number: PhoneNumber | None = None
    twilio: TwilioProof | None = None
    credential_id: str | None = None
    provider_number_id: str | None = None
    label: str | None = None
    inbound_agent_id: AgentId | None = None
    idempotency_key: str | None = None


@attrs.frozen
class UpdateNumber:
    tenant_id: TenantId
    number_id: PhoneNumberId
    changes: Mapping[str, Any]
    """Only the fields to change, among NUMBER_FIELDS."""
    version: int | None = None


@attrs.frozen
class SettlingPolicy:
    """When numbers being provisioned are looked at again, and when one is given up."""

    first_look: timedelta = timedelta(seconds=30)
    """After a request, how long before a number it left provisioning is looked for."""
    again: timedelta = timedelta(seconds=30)
    give_up_after: timedelta = timedelta(minutes=15)
    """A number the provider has not shown (or not activated) by then is failed."""
    batch: int = 100


@attrs.frozen
class SettleReport:
    checked: int = 0
    activated: int = 0
    failed: int = 0


def _position(line: PhoneLine) -> Position:
    return Position(line.created_at, line.id)


async def number_of(tx: UnitOfWork, tenant_id: TenantId, number_id: PhoneNumberId) -> PhoneLine:
    line = await tx.phone_numbers.get(tenant_id, number_id)
    if line is None:
        raise NotFound("phone number", number_id)
    return line


def _text(value: str | None, field: str, *, most: int = MAX_SECRET) -> str | None:
    if value is not None and (not value.strip() or len(value) > most):
        raise InvalidValue(f"{field} must be 1 to {most} characters", field=field)
    return value


def _forbid(cmd: ProvisionNumber, fields: tuple[str, ...]) -> None:
    for field in fields:
        if getattr(cmd, field) is not None:
            name = "twilio_*" if field == "twilio" else field
            raise InvalidValue(f"{name} does not go with source {cmd.source.value}", field=name)


def check_order(cmd: ProvisionNumber) -> None:
    """What each source needs, and nothing it does not take."""
    _text(cmd.idempotency_key, "Idempotency-Key", most=MAX_IDEMPOTENCY_KEY)
    source = cmd.source
    if source is NumberSource.VAPI:
        _forbid(cmd, ("number", "twilio", "credential_id", "provider_number_id"))
        if cmd.area_code is not None and not _AREA_CODE.fullmatch(cmd.area_code):
            raise InvalidValue(
                "area_code must be a North American area code: three digits, not starting "
                "with 0 or 1",
                field="area_code",
            )
        return
    if source is NumberSource.ATTACH:
        _forbid(cmd, ("area_code", "number", "twilio", "credential_id"))
        if _text(cmd.provider_number_id, "provider_number_id") is None:
            raise InvalidValue(
                "provider_number_id: the provider's id of the number to attach",
                field="provider_number_id",
            )
        return
    _forbid(cmd, ("area_code", "provider_number_id"))
    if cmd.number is None:
        raise InvalidValue(f"number: the number to import from {source.value}", field="number")
    if source is NumberSource.TWILIO:
        _forbid(cmd, ("credential_id",))
        proof = cmd.twilio
        if proof is None or _text(proof.account_sid, "twilio_account_sid") is None:
            raise InvalidValue(
                "twilio_account_sid: the Twilio account that holds the number",
                field="twilio_account_sid",
            )
        _text(proof.auth_token, "twilio_auth_token")
        _text(proof.api_key, "twilio_api_key")
        _text(proof.api_secret, "twilio_api_secret")
        by_key = proof.api_key is not None and proof.api_secret is not None
        if (proof.auth_token is None) == (not by_key) or (
            (proof.api_key is None) != (proof.api_secret is None)
        ):
            raise InvalidValue(
                "give twilio_auth_token, or twilio_api_key with twilio_api_secret",
                field="twilio_auth_token",
            )
        return
    _forbid(cmd, ("twilio",))
    if _text(cmd.credential_id, "credential_id") is None:
        raise InvalidValue(
            f"credential_id: the provider credential of the {source.value} account that holds "
            "the number",
            field="credential_id",
        )


def _same_request(line: PhoneLine, cmd: ProvisionNumber) -> bool:
    if cmd.source is NumberSource.ATTACH:
        return line.ownership is NumberOwnership.ATTACHED
    return (
        line.ownership is NumberOwnership.PROVISIONED
        and line.provider is _PROVIDER_OF[cmd.source]
        and (cmd.number is None or line.number == cmd.number)
        and line.provider_credential_id == cmd.credential_id
    )


def _refusal(error: ProviderError) -> ProviderError | ProvisioningRefused:
    """The provider's refusal of what the tenant asked (bad credentials, no number in that
    area code) is the client's to fix; its other failures are the provider's."""
    if isinstance(error, ProviderRejected) and error.status in (400, 404, 409, 422):
        return ProvisioningRefused(str(error))
    return error


class PhoneNumberService:
    def __init__(
        self,
        deps: UseCaseDeps,
        provisioner: NumberProvisioner,
        policy: SettlingPolicy | None = None,
    ) -> None:
        self._deps = deps
        self._provisioner = provisioner
        self._policy = policy or SettlingPolicy()

    # --- provisioning ---------------------------------------------------------------------

    async def provision_number(self, principal: Principal, cmd: ProvisionNumber) -> PhoneLine:
        """Make a number at the provider for the tenant, within `phone_numbers.max` (a number
        being provisioned holds its place).

        The row is committed first, provisioning, holding the number (imports) against every
        other tenant; then the provider is asked once. A refusal removes the row and is told
        with the provider's reason; an unanswered request leaves the number provisioning,
        found at the provider later by our id (its name there), never asked for twice. A
        repeat with the same Idempotency-Key answers with the first number.
        """
        check_order(cmd)
        if cmd.source is NumberSource.ATTACH:
            return await self._attach(principal, cmd)
        try:
            line, fresh = await self._reserve(principal, cmd)
        except AlreadyExists as error:
            if error.field != "idempotency_key" or cmd.idempotency_key is None:
                raise
            return await self._repeat(cmd)  # a concurrent request with the key won
        if not fresh:
            return line
        order = NumberOrder(
            line.id,
            line.provider,
            area_code=cmd.area_code,
            number=cmd.number,
            twilio=cmd.twilio,
            credential_id=cmd.credential_id,
        )
        try:
            made = await self._provisioner.provision_number(order)
        except ProviderOutcomeUnknown as error:
            found = await self._search(line)
            if found is None:
                log.warning("number_outcome_unknown", number_id=str(line.id), error=str(error))
                return line  # provisioning: settled once the provider shows it, or failed
            made = found
        except ProviderError as error:
            await self._forget(principal, line, str(error))
            raise _refusal(error) from None
        return await self._record(principal, line.tenant_id, line.id, made)

    async def _admit(
        self, tx: UnitOfWork, principal: Principal, cmd: ProvisionNumber
    ) -> PhoneLine | None:
        """In `tx`, with the tenant locked: the first number of a repeated Idempotency-Key;
        else None, once a new number may be had (the plan has room, the agent is the
        tenant's)."""
        access = await authorize(principal, Permission.NUMBERS_MANAGE, cmd.tenant_id, tx, lock=True)
        if cmd.idempotency_key is not None:
            first = await tx.phone_numbers.by_idempotency_key(cmd.tenant_id, cmd.idempotency_key)
            if first is not None:
                if not _same_request(first, cmd):
                    raise IdempotencyKeyReused()
                return first
        await require_capacity(
            self._deps.entitlements,
            tx,
            access.tenant,
            "phone_numbers.max",
            self._deps.clock.now(),
            ids=self._deps.ids,
        )
        await check_agent(tx, cmd.tenant_id, cmd.inbound_agent_id)
        return None

    async def _reserve(self, principal: Principal, cmd: ProvisionNumber) -> tuple[PhoneLine, bool]:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            first = await self._admit(tx, principal, cmd)
            if first is not None:
                return first, False
            now = self._deps.clock.now()
            if cmd.credential_id is not None and not await tx.phone_numbers.claim_credential(
                cmd.tenant_id, cmd.credential_id
            ):
                raise AlreadyExists(
                    "phone number",
                    "credential_id",
                    "this credential_id belongs to another account",
                )
            line = PhoneLine(
                id=PhoneNumberId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                number=cmd.number,
                provider=_PROVIDER_OF[cmd.source],
                created_at=now,
                updated_at=now,
                label=cmd.label,
                status=NumberStatus.PROVISIONING,
                inbound_agent_id=cmd.inbound_agent_id,
                provider_credential_id=cmd.credential_id,
                idempotency_key=cmd.idempotency_key,
            )
            await tx.phone_numbers.add(line)
            # Should this process stop before the provider's answer is recorded, the number
            # is looked for all the same.
            await tx.phone_numbers.settle_later(
                line.tenant_id, line.id, now + self._policy.first_look
            )
            await self._deps.audit(
                tx,
                principal,
                "phone_number.provisioning",
                "phone_number",
                line.id,
                tenant_id=cmd.tenant_id,
                changes={
                    "source": cmd.source.value,
                    **({"number": cmd.number.e164} if cmd.number else {}),
                    **({"area_code": cmd.area_code} if cmd.area_code else {}),
                },
            )
            await tx.commit()
        return line, True

    async def _repeat(self, cmd: ProvisionNumber) -> PhoneLine:
        assert cmd.idempotency_key is not None
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            first = await tx.phone_numbers.by_idempotency_key(cmd.tenant_id, cmd.idempotency_key)
        if first is None:
            raise AlreadyExists("phone number", "idempotency_key")
        if not _same_request(first, cmd):
            raise IdempotencyKeyReused()
        return first

    async def _search(self, line: PhoneLine) -> ProviderLine | None:
        """Right after an unanswered request, look once for the number it may have made."""
        try:
            return await self._provisioner.find_number(line.id, line.created_at - FIND_SLACK)
        except ProviderError:
            return None

    async def _forget(self, actor: Principal | Actor, line: PhoneLine, reason: str) -> None:
        """The provider made nothing: the reserved row goes, and the attempt stays audited."""
        async with self._deps.uows(tenant_id=line.tenant_id) as tx:
            current = await tx.phone_numbers.get(line.tenant_id, line.id)
            if current is None or current.status is not NumberStatus.PROVISIONING:
                return
            await tx.phone_numbers.remove(current)
            await self._deps.audit(
                tx,
                actor,
                "phone_number.refused",
                "phone_number",
                line.id,
                tenant_id=line.tenant_id,
                changes={"reason": reason},
            )
            await tx.commit()

    async def _record(
        self,
        actor: Principal | Actor,
        tenant_id: TenantId,
        number_id: PhoneNumberId,
        made: ProviderLine,
    ) -> PhoneLine:
        """The provider's answer, kept: active once it says the number, else still
        provisioning and looked at again."""
        now = self._deps.clock.now()
        try:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                line = await number_of(tx, tenant_id, number_id)
                if line.status is not NumberStatus.PROVISIONING:
                    return line  # settled meanwhile (the answer and a settling pass crossed)
                line.provisioned(made.provider_number_id, made.number, now)
                await tx.phone_numbers.save(line)
                if line.is_active:
                    await tx.phone_numbers.settled(tenant_id, number_id)
                    await self._deps.audit(
                        tx,
                        actor,
                        "phone_number.provisioned",
                        "phone_number",
                        line.id,
                        tenant_id=tenant_id,
                        changes={
                            "number": line.number.e164 if line.number else None,
                            "provider_number_id": line.provider_number_id,
                        },
                    )
                else:
                    await tx.phone_numbers.settle_later(
                        tenant_id, number_id, now + self._policy.again
                    )
                await tx.commit()
        except (AlreadyExists, InvalidValue) as error:
            # The provider made a number held by another tenant, or not the one asked for:
            # it goes back, and the tenant holds nothing.
            await self._give_back(made.provider_number_id)
            await self._fail(tenant_id, number_id, f"the provider's number cannot be used: {error}")
            raise ProvisioningRefused(
                f"the provider made a number that cannot be used ({error}); nothing was kept"
            ) from None
        return line

    async def _give_back(self, provider_number_id: str) -> None:
        try:
            await self._provisioner.release_number(provider_number_id)
        except ProviderError as error:
            log.error(
                "number_not_given_back", provider_number_id=provider_number_id, error=str(error)
            )

    async def _fail(self, tenant_id: TenantId, number_id: PhoneNumberId, reason: str) -> None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            line = await tx.phone_numbers.get(tenant_id, number_id)
            if line is None or line.status is not NumberStatus.PROVISIONING:
                return
            line.fail(reason, self._deps.clock.now())
            await tx.phone_numbers.save(line)
            await tx.phone_numbers.settled(tenant_id, number_id)
            await self._deps.audit(
                tx,
                SYSTEM,
                "phone_number.failed",
                "phone_number",
                number_id,
                tenant_id=tenant_id,
                changes={"reason": reason},
            )
            await tx.commit()

    async def _attach(self, principal: Principal, cmd: ProvisionNumber) -> PhoneLine:
        """A platform admin gives the tenant an existing number of the provider: its number
        and provider are read from the provider, never typed."""
        require_platform_admin(principal)
        assert cmd.provider_number_id is not None
        try:
            found = await self._provisioner.get_number(cmd.provider_number_id)
        except ProviderError as error:
            raise _refusal(error) from None
        if found is None or found.number is None:
            raise ProvisioningRefused(
                f"the provider has no active phone number {cmd.provider_number_id}"
            )
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            first = await self._admit(tx, principal, cmd)
            if first is not None:
                return first
            now = self._deps.clock.now()
            line = PhoneLine(
                id=PhoneNumberId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                number=found.number,
                provider=found.provider or NumberProvider.VAPI,
                created_at=now,
                updated_at=now,
                provider_number_id=found.provider_number_id,
                label=cmd.label,
                inbound_agent_id=cmd.inbound_agent_id,
                ownership=NumberOwnership.ATTACHED,
                idempotency_key=cmd.idempotency_key,
            )
            await tx.phone_numbers.add(line)
            await self._deps.audit(
                tx,
                principal,
                "phone_number.attached",
                "phone_number",
                line.id,
                tenant_id=cmd.tenant_id,
                changes={
                    "number": found.number.e164,
                    "provider_number_id": found.provider_number_id,
                },
            )
            await tx.commit()
        return line

    # --- settling what the provider did not answer ----------------------------------------

    async def settle_due(self) -> SettleReport:
        """Look at the numbers whose provisioning is unsettled and due: activate those the
        provider shows with their number, fail those it never made (or never activated) by
        the policy's bound. One transaction per number; the provider is only read, except to
        give back a number that never activated."""
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            due = await tx.phone_numbers.due_for_settling(now, self._policy.batch)
        report = SettleReport()
        for tenant_id, number_id in due:
            outcome = await self._settle(tenant_id, number_id, now)
            report = attrs.evolve(
                report,
                checked=report.checked + 1,
                activated=report.activated + (outcome is NumberStatus.ACTIVE),
                failed=report.failed + (outcome is NumberStatus.FAILED),
            )
        return report

    async def _settle(
        self, tenant_id: TenantId, number_id: PhoneNumberId, now: datetime
    ) -> NumberStatus | None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            line = await tx.phone_numbers.get(tenant_id, number_id)
            if line is None or line.status is not NumberStatus.PROVISIONING:
                await tx.phone_numbers.settled(tenant_id, number_id)
                await tx.commit()
                return None
        try:
            if line.provider_number_id is not None:
                made = await self._provisioner.get_number(line.provider_number_id)
            else:
                made = await self._provisioner.find_number(line.id, line.created_at - FIND_SLACK)
        except ProviderError as error:
            log.warning("number_not_settled", number_id=str(number_id), error=str(error))
            await self._postpone(tenant_id, number_id, now)
            return None
        overdue = now - line.created_at >= self._policy.give_up_after
        if made is not None and made.number is not None:
            try:
                settled = await self._record(SYSTEM, tenant_id, number_id, made)
            except ProvisioningRefused:
                return NumberStatus.FAILED
            return settled.status
        if not overdue:
            await self._postpone(tenant_id, number_id, now)
            return None
        if made is not None:
            await self._give_back(made.provider_number_id)
            reason = "the provider did not activate the number in time; it was given back"
        else:
            reason = "the provider made no number for the request"
        await self._fail(tenant_id, number_id, reason)
        return NumberStatus.FAILED

    async def _postpone(self, tenant_id: TenantId, number_id: PhoneNumberId, now: datetime) -> None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await tx.phone_numbers.settle_later(tenant_id, number_id, now + self._policy.again)
            await tx.commit()

    # --- the inventory --------------------------------------------------------------------

    async def get_number(
        self, principal: Principal, tenant_id: TenantId, number_id: PhoneNumberId
    ) -> PhoneLine:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            return await number_of(tx, tenant_id, number_id)

    async def number_to_call(
        self, principal: Principal, tenant_id: TenantId, number_id: PhoneNumberId
    ) -> PhoneLine:
        """The number, for one who may place calls in the tenant to ring it (the sandbox's
        callers)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_PLACE, tenant_id, tx)
            return await number_of(tx, tenant_id, number_id)

    async def list_numbers(
        self,
        principal: Principal,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: NumberStatus | None = None,
        ownership: NumberOwnership | None = None,
    ) -> Page[PhoneLine]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            rows = await tx.phone_numbers.list(tenant_id, page, status=status, ownership=ownership)
        return Page.from_rows(rows, page, _position)

    async def unconfirmed_numbers(self, principal: Principal) -> list[PhoneLine]:
        """Every tenant's numbers typed in without proof, awaiting confirmation (platform
        admins)."""
        require_platform_admin(principal)
        found: list[PhoneLine] = []
        for tenant_id in await every_tenant_id(self._deps):
            found.extend(await self._unconfirmed_of(tenant_id))
        return found

    async def _unconfirmed_of(self, tenant_id: TenantId) -> list[PhoneLine]:
        lines = await self._numbers_of(tenant_id, NumberOwnership.UNCONFIRMED)
        return [line for line in lines if line.is_active]

    async def _numbers_of(self, tenant_id: TenantId, ownership: NumberOwnership) -> list[PhoneLine]:
        """Every number the tenant holds this way, a page a transaction."""
        found: list[PhoneLine] = []
        page = PageRequest(limit=100)
        while True:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                rows = await tx.phone_numbers.list(tenant_id, page, ownership=ownership)
            found.extend(rows[: page.limit])
            if len(rows) <= page.limit:
                return found
            page = PageRequest(page.limit, _position(rows[page.limit - 1]))

    async def confirm_number(
        self, principal: Principal, tenant_id: TenantId, number_id: PhoneNumberId
    ) -> PhoneLine:
        """A platform admin vouches that a number typed in without proof is the tenant's:
        from now on it routes and dials."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            # Who may confirm is told only of a number the caller may read (else 404).
            await authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            line = await number_of(tx, tenant_id, number_id)
            require_platform_admin(principal)
            line.confirm(self._deps.clock.now())
            await tx.phone_numbers.save(line)
            await self._deps.audit(
                tx,
                principal,
                "phone_number.confirmed",
                "phone_number",
                line.id,
                tenant_id=tenant_id,
                changes={
                    "number": line.number.e164 if line.number else None,
                    "provider_number_id": line.provider_number_id,
                },
            )
            await tx.commit()
        return line

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

    async def release_all(self, tenant_id: TenantId) -> bool:
        """Release every number provisioned for the tenant at the provider, and here (a
        closed tenant's purge): True when none is left with the provider; a failure is logged
        and the number stays, for the next try."""
        lines = await self._numbers_of(tenant_id, NumberOwnership.PROVISIONED)
        released_all = True
        for line in lines:
            if not line.is_held or line.provider_number_id is None:
                continue
            try:
                await self._provisioner.release_number(line.provider_number_id)
            except ProviderError as error:
                log.error(
                    "number_not_released",
                    tenant_id=str(tenant_id),
                    provider_number_id=line.provider_number_id,
                    error=str(error),
                )
                released_all = False
                continue
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                current = await tx.phone_numbers.get(tenant_id, line.id)
                if current is not None and current.is_held:
                    now = self._deps.clock.now()
                    if current.is_active:
                        current.release(now)
                    else:
                        current.fail("released with its tenant before it was settled", now)
                    await tx.phone_numbers.save(current)
                    await tx.phone_numbers.settled(tenant_id, line.id)
                    await self._audit_released(tx, SYSTEM, current, at_provider=True)
                    await tx.commit()
        return released_all

    async def release_number(
        self, principal: Principal, tenant_id: TenantId, number_id: PhoneNumberId
    ) -> PhoneLine:
        """Take the number out of service: it answers no more calls, frees its place in
        `phone_numbers.max`, and may be provisioned again. A number provisioned for the tenant
        is released at the provider first (one it no longer knows counts as released); if the
        provider cannot be told, nothing changes here and the error says so. Attached and
        typed-in numbers stay at the provider: they were the platform's before."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.NUMBERS_MANAGE, tenant_id, tx)
            line = await number_of(tx, tenant_id, number_id)
            # Refused before the provider is asked when the number is not active.
            attrs.evolve(line).release(self._deps.clock.now())
        at_provider = (
            line.ownership is NumberOwnership.PROVISIONED and line.provider_number_id is not None
        )
        if at_provider:
            assert line.provider_number_id is not None
            await self._provisioner.release_number(line.provider_number_id)
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            line = await number_of(tx, tenant_id, number_id)
            line.release(self._deps.clock.now())
            await tx.phone_numbers.save(line)
            await self._audit_released(tx, principal, line, at_provider=at_provider)
            await tx.commit()
        return line

    async def _audit_released(
        self, tx: UnitOfWork, actor: Principal | Actor, line: PhoneLine, *, at_provider: bool
    ) -> None:
        await self._deps.audit(
            tx,
            actor,
            "phone_number.released",
            "phone_number",
            line.id,
            tenant_id=line.tenant_id,
            changes={
                "number": line.number.e164 if line.number else None,
                "released_at_provider": at_provider,
            },
        )
