"""Phone numbers provisioned through the provider, on the in-memory adapters with a scripted
provider: what each source sends, refusals that leave nothing behind, unanswered requests
settled without asking twice, the place a number holds in the plan, credentials kept to one
tenant, attaching and confirming by platform admins, and releasing at the provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.calls import line_in_service
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.errors import (
    AlreadyExists,
    IdempotencyKeyReused,
    PermissionDenied,
    ProviderError,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnreachable,
    ProvisioningRefused,
)
from application.pagination import PageRequest
from application.phone_numbers import (
    NumberSource,
    PhoneNumberService,
    ProvisionNumber,
    SettlingPolicy,
    check_order,
)
from application.plans import SetOverride, TenantFeatureService
from application.ports.telephony import NumberOrder, ProviderLine, TwilioProof
from domain.agents import VoiceAgent
from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import AgentId, PhoneNumberId
from domain.phones import NumberOwnership, NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from domain.plans import EntitlementExceeded
from domain.tenancy import Tenant
from tests.fakes.telephony import FakeTelephony
from tests.support import PLATFORM, MutableClock, World, twilio_import
from tests.unit.helpers import AuditTap

ALL = PageRequest(limit=100)
SF = PhoneNumber.parse("+14155550123")
NYC = PhoneNumber.parse("+12127365000")
POLICY = SettlingPolicy(
    first_look=timedelta(seconds=30),
    again=timedelta(seconds=30),
    give_up_after=timedelta(minutes=15),
)


@attrs.frozen
class Shop:
    tenant: Tenant
    owner: Principal


@pytest.fixture
def fake() -> FakeTelephony:
    return FakeTelephony()


@pytest.fixture
def numbers(deps: UseCaseDeps, fake: FakeTelephony) -> PhoneNumberService:
    return PhoneNumberService(deps, fake, POLICY)


async def _shop(deps: UseCaseDeps, world: World, name: str, places: int = 3) -> Shop:
    await sync_catalogue(deps)
    owner = await world.user(f"owner@{name.lower()}.example")
    tenant = await world.tenant(owner, name)
    await TenantFeatureService(deps).set_override(
        PLATFORM, SetOverride(tenant.id, "phone_numbers.max", places)
    )
    return Shop(tenant, Principal.user(owner.id))


@pytest.fixture
async def acme(deps: UseCaseDeps, world: World) -> Shop:
    return await _shop(deps, world, "Acme")


@pytest.fixture
async def globex(deps: UseCaseDeps, world: World) -> Shop:
    return await _shop(deps, world, "Globex")


def buy(shop: Shop, area_code: str | None = "415", **fields: Any) -> ProvisionNumber:
    return ProvisionNumber(shop.tenant.id, NumberSource.VAPI, area_code=area_code, **fields)


def by_credential(
    shop: Shop, number: PhoneNumber, credential: str, source: NumberSource = NumberSource.VONAGE
) -> ProvisionNumber:
    return ProvisionNumber(shop.tenant.id, source, number=number, credential_id=credential)


async def listed(numbers: PhoneNumberService, shop: Shop) -> list[PhoneLine]:
    return list((await numbers.list_numbers(shop.owner, shop.tenant.id, ALL)).items)


def actions(tap: AuditTap) -> list[str]:
    return [e.action for e in tap.new()]


# --- buying and importing -------------------------------------------------------------------


async def test_a_bought_number_is_the_providers_answer_and_the_order_names_our_row(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, audit_tap: AuditTap
) -> None:
    audit_tap.new()
    line = await numbers.provision_number(acme.owner, buy(acme, label="Front desk"))

    [order] = fake.orders
    made = fake.numbers[line.provider_number_id or ""]
    assert (order.number_id, order.provider, order.area_code) == (
        line.id,
        NumberProvider.VAPI,
        "415",
    )
    assert (line.number, line.provider_number_id) == (made.number, made.provider_number_id)
    assert (line.status, line.ownership, line.in_service) == (
        NumberStatus.ACTIVE,
        NumberOwnership.PROVISIONED,
        True,
    )
    assert line.label == "Front desk"
    assert await listed(numbers, acme) == [line]
    assert actions(audit_tap) == ["phone_number.provisioning", "phone_number.provisioned"]


async def test_an_import_sends_the_tenants_proof_once_and_keeps_no_secret(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, memory_db: InMemoryDatabase
) -> None:
    line = await numbers.provision_number(acme.owner, twilio_import(acme.tenant.id, SF))

    [order] = fake.orders
    assert order.twilio is not None
    assert (order.number, order.provider) == (SF, NumberProvider.TWILIO)
    assert (line.number, line.provider) == (SF, NumberProvider.TWILIO)
    stored = repr(memory_db.tables["phone_numbers"]) + repr(memory_db.tables["audit"])
    assert order.twilio.auth_token is not None
    assert order.twilio.auth_token not in stored
    assert order.twilio.auth_token not in repr(order)


@pytest.mark.parametrize("status", [400, 404, 409, 422])
async def test_a_refusal_is_told_with_the_providers_reason_and_leaves_nothing(
    numbers: PhoneNumberService,
    fake: FakeTelephony,
    acme: Shop,
    audit_tap: AuditTap,
    memory_db: InMemoryDatabase,
    status: int,
) -> None:
    reason = "Vapi answered 400: Twilio could not authenticate the account"
    fake.provision_next(ProviderRejected(reason, status=status))
    audit_tap.new()

    with pytest.raises(ProvisioningRefused) as raised:
        await numbers.provision_number(acme.owner, twilio_import(acme.tenant.id, SF))

    assert reason in str(raised.value)
    assert await listed(numbers, acme) == []
    assert memory_db.tables["phone_number_settling"] == {}
    written = audit_tap.new()
    assert [e.action for e in written] == ["phone_number.provisioning", "phone_number.refused"]
    assert reason in written[-1].changes["reason"]
    # The number is free again: the same import may be tried at once.
    again = await numbers.provision_number(acme.owner, twilio_import(acme.tenant.id, SF))
    assert again.is_active


@pytest.mark.parametrize(
    "error",
    [
        ProviderUnreachable("Vapi cannot be reached: connection refused"),
        ProviderRejected("Vapi answered 401: Invalid Key", status=401),
    ],
)
async def test_a_provider_failure_is_the_providers_and_leaves_nothing(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, error: ProviderError
) -> None:
    fake.provision_next(error)
    with pytest.raises(type(error)) as raised:
        await numbers.provision_number(acme.owner, buy(acme))
    assert not isinstance(raised.value, ProvisioningRefused)
    assert await listed(numbers, acme) == []


async def test_an_unanswered_buy_is_found_by_its_name_at_once_and_not_bought_twice(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop
) -> None:
    def made_then_lost(order: NumberOrder) -> ProviderLine:
        fake.numbers["pn-lost"] = ProviderLine("pn-lost", NYC, order.provider, str(order.number_id))
        raise ProviderOutcomeUnknown("no answer from Vapi (TimeoutError); the number may exist")

    fake.provision_next(made_then_lost)
    line = await numbers.provision_number(acme.owner, buy(acme))

    assert (line.status, line.number, line.provider_number_id) == (
        NumberStatus.ACTIVE,
        NYC,
        "pn-lost",
    )
    assert len(fake.orders) == 1


async def test_an_unanswered_buy_the_provider_shows_later_is_settled_by_the_sweep(
    numbers: PhoneNumberService,
    fake: FakeTelephony,
    acme: Shop,
    clock: MutableClock,
    memory_db: InMemoryDatabase,
) -> None:
    fake.provision_next(ProviderOutcomeUnknown("no answer from Vapi; the number may exist"))
    line = await numbers.provision_number(acme.owner, buy(acme))
    assert (line.status, line.number) == (NumberStatus.PROVISIONING, None)
    assert memory_db.tables["phone_number_settling"]

    # Not due yet: nothing is asked of the provider.
    assert (await numbers.settle_due()).checked == 0
    # The provider shows it by our id (its name there) by the time the sweep looks.
    fake.numbers["pn-late"] = ProviderLine("pn-late", SF, NumberProvider.VAPI, str(line.id))
    clock.advance(seconds=POLICY.first_look.total_seconds())
    report = await numbers.settle_due()

    settled = await numbers.get_number(acme.owner, acme.tenant.id, line.id)
    assert (report.checked, report.activated, report.failed) == (1, 1, 0)
    assert (settled.status, settled.number, settled.provider_number_id) == (
        NumberStatus.ACTIVE,
        SF,
        "pn-late",
    )
    assert len(fake.orders) == 1
    assert memory_db.tables["phone_number_settling"] == {}


async def test_a_request_the_provider_never_took_fails_after_the_bound_and_frees_its_place(
    deps: UseCaseDeps,
    numbers: PhoneNumberService,
    fake: FakeTelephony,
    acme: Shop,
    clock: MutableClock,
) -> None:
    fake.provision_next(ProviderOutcomeUnknown("no answer from Vapi; the number may exist"))
    line = await numbers.provision_number(acme.owner, buy(acme))

    clock.advance(seconds=POLICY.first_look.total_seconds())
    assert (await numbers.settle_due()).failed == 0  # still within the bound: looked again later
    clock.advance(seconds=POLICY.give_up_after.total_seconds())
    report = await numbers.settle_due()

    failed = await numbers.get_number(acme.owner, acme.tenant.id, line.id)
    assert (report.failed, failed.status, failed.in_service) == (1, NumberStatus.FAILED, False)
    assert failed.error is not None
    assert "no number" in failed.error
    assert len(fake.orders) == 1
    async with deps.uows(tenant_id=acme.tenant.id) as tx:
        assert await tx.phone_numbers.count_held(acme.tenant.id) == 0


async def test_a_bought_number_still_activating_waits_then_becomes_active(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, clock: MutableClock
) -> None:
    fake.provision_next(
        lambda order: ProviderLine("pn-new", None, order.provider, str(order.number_id))
    )
    line = await numbers.provision_number(acme.owner, buy(acme))
    assert (line.status, line.provider_number_id, line.number) == (
        NumberStatus.PROVISIONING,
        "pn-new",
        None,
    )

    fake.numbers["pn-new"] = ProviderLine("pn-new", SF, NumberProvider.VAPI, str(line.id))
    clock.advance(seconds=POLICY.again.total_seconds())
    await numbers.settle_due()

    active = await numbers.get_number(acme.owner, acme.tenant.id, line.id)
    assert (active.status, active.number) == (NumberStatus.ACTIVE, SF)


async def test_a_number_still_activating_past_the_bound_is_given_back(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, clock: MutableClock
) -> None:
    fake.provision_next(
        lambda order: ProviderLine("pn-stuck", None, order.provider, str(order.number_id))
    )
    line = await numbers.provision_number(acme.owner, buy(acme))

    clock.advance(seconds=(POLICY.give_up_after + POLICY.again).total_seconds())
    await numbers.settle_due()

    failed = await numbers.get_number(acme.owner, acme.tenant.id, line.id)
    assert failed.status is NumberStatus.FAILED
    assert fake.released == ["pn-stuck"]


# --- the plan's place, idempotency ----------------------------------------------------------


async def test_a_number_being_provisioned_holds_its_place_in_the_plan(
    deps: UseCaseDeps, world: World, fake: FakeTelephony, numbers: PhoneNumberService
) -> None:
    shop = await _shop(deps, world, "Tiny", places=1)
    fake.provision_next(ProviderOutcomeUnknown("no answer"))
    await numbers.provision_number(shop.owner, buy(shop))

    with pytest.raises(EntitlementExceeded) as raised:
        await numbers.provision_number(shop.owner, twilio_import(shop.tenant.id, SF))
    assert (raised.value.feature, raised.value.limit, raised.value.used) == (
        "phone_numbers.max",
        1,
        1,
    )
    assert len(fake.orders) == 1


async def test_a_retry_with_the_same_key_answers_the_first_number_without_buying_again(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop
) -> None:
    first = await numbers.provision_number(acme.owner, buy(acme, idempotency_key="buy-1"))
    again = await numbers.provision_number(acme.owner, buy(acme, idempotency_key="buy-1"))

    assert again.id == first.id
    assert len(fake.orders) == 1
    with pytest.raises(IdempotencyKeyReused):
        await numbers.provision_number(
            acme.owner, twilio_import(acme.tenant.id, SF, idempotency_key="buy-1")
        )


# --- no claiming ----------------------------------------------------------------------------


async def test_a_number_held_by_one_tenant_cannot_be_imported_by_another(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, globex: Shop
) -> None:
    held = await numbers.provision_number(acme.owner, twilio_import(acme.tenant.id, SF))

    with pytest.raises(AlreadyExists) as raised:
        await numbers.provision_number(globex.owner, twilio_import(globex.tenant.id, SF))

    assert (raised.value.entity, raised.value.field) == ("phone number", "number")
    assert str(acme.tenant.id) not in str(raised.value)
    assert len(fake.orders) == 1  # the provider was never asked for it
    assert await listed(numbers, globex) == []
    assert (await numbers.get_number(acme.owner, acme.tenant.id, held.id)).in_service


async def test_a_provider_credential_stays_with_the_first_tenant_that_imports_with_it(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, globex: Shop
) -> None:
    await numbers.provision_number(acme.owner, by_credential(acme, SF, "cred-acme"))
    # The same tenant imports more numbers of its account with it.
    await numbers.provision_number(
        acme.owner, by_credential(acme, NYC, "cred-acme", NumberSource.BYO)
    )

    with pytest.raises(AlreadyExists) as raised:
        await numbers.provision_number(
            globex.owner,
            by_credential(globex, PhoneNumber.parse("+442079460958"), "cred-acme"),
        )

    assert raised.value.field == "credential_id"
    assert [o.credential_id for o in fake.orders] == ["cred-acme", "cred-acme"]
    assert await listed(numbers, globex) == []


async def test_only_a_platform_admin_attaches_an_existing_number_read_from_the_provider(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop, audit_tap: AuditTap
) -> None:
    fake.numbers["pn-house"] = ProviderLine("pn-house", SF, NumberProvider.TWILIO)
    attach = ProvisionNumber(acme.tenant.id, NumberSource.ATTACH, provider_number_id="pn-house")

    with pytest.raises(PermissionDenied):
        await numbers.provision_number(acme.owner, attach)
    with pytest.raises(ProvisioningRefused):
        await numbers.provision_number(PLATFORM, attrs.evolve(attach, provider_number_id="pn-none"))
    audit_tap.new()
    line = await numbers.provision_number(PLATFORM, attach)

    assert (line.number, line.provider, line.provider_number_id, line.ownership) == (
        SF,
        NumberProvider.TWILIO,
        "pn-house",
        NumberOwnership.ATTACHED,
    )
    assert line.in_service
    assert actions(audit_tap) == ["phone_number.attached"]
    assert fake.orders == []


# --- what each source takes -----------------------------------------------------------------

PROOF = TwilioProof("AC123", auth_token="token")
VALID = [
    {"source": NumberSource.VAPI},
    {"source": NumberSource.VAPI, "area_code": "212"},
    {"source": NumberSource.TWILIO, "number": SF, "twilio": PROOF},
    {
        "source": NumberSource.TWILIO,
        "number": SF,
        "twilio": TwilioProof("AC123", api_key="SK1", api_secret="s"),
    },
    {"source": NumberSource.VONAGE, "number": SF, "credential_id": "c"},
    {"source": NumberSource.TELNYX, "number": SF, "credential_id": "c"},
    {"source": NumberSource.BYO, "number": SF, "credential_id": "c"},
    {"source": NumberSource.ATTACH, "provider_number_id": "pn"},
]
EXTRAS = {
    "area_code": "415",
    "number": SF,
    "twilio": PROOF,
    "credential_id": "c",
    "provider_number_id": "pn",
}


@settings(max_examples=150, deadline=None)
@given(
    order=st.sampled_from(VALID),
    extra=st.sampled_from(sorted(EXTRAS)),
    drop=st.booleans(),
)
def test_each_source_takes_what_it_needs_and_refuses_the_rest(order, extra, drop) -> None:
    check_order(ProvisionNumber(None, **order))  # type: ignore[arg-type]  # each is whole
    fields = dict(order)
    if drop:
        needed = [k for k in fields if k not in ("source", "area_code")]
        if not needed:
            return
        del fields[needed[0]]
        with pytest.raises(InvalidValue):
            check_order(ProvisionNumber(None, **fields))  # type: ignore[arg-type]
        return
    if extra in fields or (order["source"], extra) == (NumberSource.VAPI, "area_code"):
        return  # already there, or optional for that source
    fields[extra] = EXTRAS[extra]
    with pytest.raises(InvalidValue) as raised:
        check_order(ProvisionNumber(None, **fields))  # type: ignore[arg-type]
    assert raised.value.field is not None


@pytest.mark.parametrize("area_code", ["41", "4155", "015", "1a5", " 415"])
def test_an_area_code_is_three_digits_of_north_america(area_code: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        check_order(ProvisionNumber(None, NumberSource.VAPI, area_code=area_code))  # type: ignore[arg-type]
    assert raised.value.field == "area_code"


# --- numbers typed in before provisioning ---------------------------------------------------


async def _typed_in(deps: UseCaseDeps, shop: Shop, number: PhoneNumber) -> PhoneLine:
    """A number registered the old way, by typing it: unconfirmed."""
    now = deps.clock.now()
    line = PhoneLine(
        id=PhoneNumberId(deps.ids.new()),
        tenant_id=shop.tenant.id,
        number=number,
        provider=NumberProvider.VAPI,
        created_at=now,
        updated_at=now,
        provider_number_id="typed-pn",
        ownership=NumberOwnership.UNCONFIRMED,
    )
    async with deps.uows(tenant_id=shop.tenant.id) as tx:
        await tx.phone_numbers.add(line)
        await tx.commit()
    return line


async def test_an_unconfirmed_number_places_no_call_until_a_platform_admin_confirms_it(
    deps: UseCaseDeps, numbers: PhoneNumberService, acme: Shop, audit_tap: AuditTap
) -> None:
    line = await _typed_in(deps, acme, SF)
    agent = VoiceAgent(
        id=AgentId(deps.ids.new()),
        tenant_id=acme.tenant.id,
        name="Sam",
        created_at=deps.clock.now(),
        updated_at=deps.clock.now(),
    )

    async with deps.uows(tenant_id=acme.tenant.id) as tx:
        with pytest.raises(InvalidValue) as raised:
            await line_in_service(tx, acme.tenant.id, line.id, agent)
    assert "confirmation" in str(raised.value)
    assert [n.id for n in await numbers.unconfirmed_numbers(PLATFORM)] == [line.id]
    with pytest.raises(PermissionDenied):
        await numbers.confirm_number(acme.owner, acme.tenant.id, line.id)

    audit_tap.new()
    confirmed = await numbers.confirm_number(PLATFORM, acme.tenant.id, line.id)

    assert (confirmed.ownership, confirmed.in_service) == (NumberOwnership.CONFIRMED, True)
    assert actions(audit_tap) == ["phone_number.confirmed"]
    async with deps.uows(tenant_id=acme.tenant.id) as tx:
        assert (await line_in_service(tx, acme.tenant.id, line.id, agent)).id == line.id
    assert await numbers.unconfirmed_numbers(PLATFORM) == []
    with pytest.raises(InvalidStateTransition):
        await numbers.confirm_number(PLATFORM, acme.tenant.id, line.id)


# --- releasing ------------------------------------------------------------------------------


async def test_releasing_a_provisioned_number_releases_it_at_the_provider_first(
    numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop
) -> None:
    line = await numbers.provision_number(acme.owner, buy(acme))
    fake.release_next(ProviderUnreachable("Vapi cannot be reached"))

    with pytest.raises(ProviderUnreachable):
        await numbers.release_number(acme.owner, acme.tenant.id, line.id)
    assert (await numbers.get_number(acme.owner, acme.tenant.id, line.id)).is_active

    released = await numbers.release_number(acme.owner, acme.tenant.id, line.id)
    assert released.status is NumberStatus.RELEASED
    assert fake.released == [line.provider_number_id]
    with pytest.raises(InvalidStateTransition):
        await numbers.release_number(acme.owner, acme.tenant.id, line.id)
    assert fake.released == [line.provider_number_id]


async def test_releasing_an_attached_or_typed_in_number_leaves_it_with_the_provider(
    deps: UseCaseDeps, numbers: PhoneNumberService, fake: FakeTelephony, acme: Shop
) -> None:
    fake.numbers["pn-house"] = ProviderLine("pn-house", SF, NumberProvider.VAPI)
    attached = await numbers.provision_number(
        PLATFORM,
        ProvisionNumber(acme.tenant.id, NumberSource.ATTACH, provider_number_id="pn-house"),
    )
    typed = await _typed_in(deps, acme, NYC)

    for line in (attached, typed):
        await numbers.release_number(acme.owner, acme.tenant.id, line.id)

    assert fake.released == []
    assert "pn-house" in fake.numbers
