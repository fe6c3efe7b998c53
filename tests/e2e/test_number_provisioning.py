"""Phone numbers through the API on PostgreSQL: bought and imported at the provider (the
sandbox, or a fake Vapi that checks each body against Vapi's SDK), never claimed by typing an
id, refused with Vapi's reason, settled after a timeout without buying twice, and routing
inbound calls only when proven the tenant's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.tables import phone_numbers
from adapters.vapi.client import VapiTelephonyProvider
from application.phone_numbers import SettlingPolicy
from entrypoints.container import Container
from tests.e2e.helpers import (
    Builder,
    OffsetClock,
    all_items,
    assert_problem,
    audit_log,
    comparable,
    entries,
    expect,
    send,
)
from tests.e2e.test_batches_cli import Run
from tests.e2e.test_batches_cli import run as run  # the command line's fixture
from tests.e2e.test_calls import (  # noqa: F401
    VAPI_TIMEOUT,
    api_fixture,
    call_policy_fixture,
    catalogue_fixture,
    oracle_fixture,
    sandbox_script,
    set_feature,
    telephony_provider,
    vapi_fixture,
    vapi_telephony_fixture,
)
from tests.fakes.vapi import DEFAULT_API_KEY, FakeVapi, Op
from tests.fakes.vapi_oracle import VapiOracle
from tests.support import Api, twilio_body

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("catalogue")]

CALLER = "+14155550999"


async def shop(build: Builder, admin: Api, name: str) -> tuple[Api, str]:
    """A tenant with room for numbers and inbound calls, and its owner's client."""
    owner = await build.person()
    tenant_id = await build.tenant(owner, name)
    await set_feature(admin, tenant_id, "phone_numbers.max", 5)
    await set_feature(admin, tenant_id, "calls.inbound", True)
    return owner.api, f"/v1/tenants/{tenant_id}"


async def typed_in(engine: AsyncEngine, base: str, number: str) -> str:
    """A number registered the old way, by typing it (as the migration left such numbers)."""
    tenant_id = base.rsplit("/", 1)[1]
    async with engine.begin() as conn:
        row = await conn.execute(
            sa.insert(phone_numbers)
            .values(
                id=sa.func.gen_random_uuid(),
                tenant_id=tenant_id,
                number=number,
                provider="vapi",
                provider_number_id=f"typed-{number}",
                status="active",
                ownership="unconfirmed",
            )
            .returning(phone_numbers.c.id)
        )
        return str(row.scalar_one())


# --- on the sandbox -------------------------------------------------------------------------


async def test_a_number_bought_on_the_sandbox_answers_an_inbound_call_with_its_agent(
    api: Api, admin: Api, build: Builder
) -> None:
    owner, base = await shop(build, admin, "Acme")
    line = expect(
        await owner.post(f"{base}/phone-numbers", {"source": "vapi", "area_code": "212"}), 201
    )

    assert (line["status"], line["ownership"], line["in_service"]) == (
        "active",
        "provisioned",
        True,
    )
    assert line["number"].startswith("+1212555")
    assert 100 <= int(line["number"][-4:]) < 200
    assert line["provider_number_id"]
    agent = expect(await owner.post(f"{base}/agents", {"name": "Front desk"}), 201)
    path = f"{base}/phone-numbers/{line['id']}"
    expect(await owner.patch(path, {"inbound_agent_id": agent["id"]}), 200)

    ring = expect(await owner.post(f"{path}/sandbox-calls", {"caller": CALLER}), 202)

    assert (ring["answered"], ring["refusal"]) == (True, None)
    call = expect(await owner.get(f"{base}/calls/{ring['call_id']}"), 200)
    assert (call["direction"], call["to_number"], call["agent_id"], call["caller_number"]) == (
        "inbound",
        line["number"],
        agent["id"],
        CALLER,
    )
    log = await audit_log(owner, base.rsplit("/", 1)[1])
    assert [e["changes"]["source"] for e in entries(log, "phone_number.provisioning")] == ["vapi"]


async def test_a_typed_in_number_answers_no_call_until_a_platform_admin_confirms_it(
    api: Api, admin: Api, build: Builder, engine: AsyncEngine
) -> None:
    owner, base = await shop(build, admin, "Legacy")
    number_id = await typed_in(engine, base, "+12125550142")
    agent = expect(await owner.post(f"{base}/agents", {"name": "Front desk"}), 201)
    path = f"{base}/phone-numbers/{number_id}"
    expect(await owner.patch(path, {"inbound_agent_id": agent["id"]}), 200)
    listed = await all_items(owner, f"{base}/phone-numbers", params={"ownership": "unconfirmed"})
    assert [(n["id"], n["in_service"]) for n in listed] == [(number_id, False)]

    refused = expect(await owner.post(f"{path}/sandbox-calls", {"caller": CALLER}), 202)
    placed = await send(
        owner, "POST", f"{base}/calls", json_body={"agent_id": agent["id"], "to": CALLER,
                                                     "from_number_id": number_id}
    )  # fmt: skip
    assert_problem(await send(owner, "POST", f"{path}/confirm"), 403)

    assert (refused["answered"], refused["call_id"]) == (False, None)
    assert refused["refusal"]
    assert assert_problem(placed, 422)["field"] == "from_number_id"
    confirmed = expect(await admin.post(f"{path}/confirm"), 200)
    assert (confirmed["ownership"], confirmed["in_service"]) == ("confirmed", True)
    answered = expect(await owner.post(f"{path}/sandbox-calls", {"caller": CALLER}), 202)
    assert answered["answered"] is True
    assert_problem(await send(admin, "POST", f"{path}/confirm"), 409)


async def test_another_tenant_cannot_take_a_number_or_its_provider_id_by_any_request(
    api: Api, admin: Api, build: Builder, all_rows: Any
) -> None:
    owner, base = await shop(build, admin, "Holder")
    held = expect(await owner.post(f"{base}/phone-numbers", twilio_body("+12125550177")), 201)
    by_credential = {"source": "vonage", "number": "+12125550178", "credential_id": "cred-holder"}
    expect(await owner.post(f"{base}/phone-numbers", by_credential), 201)
    rival, rival_base = await shop(build, admin, "Rival")
    numbers = f"{rival_base}/phone-numbers"
    own = expect(await rival.post(numbers, twilio_body("+12125550179")), 201)
    before = await all_rows()

    attempts = {
        "the number, imported": twilio_body("+1 212-555-0177"),
        "the number, over a SIP trunk": {"source": "byo-phone-number", "number": "+12125550177",
                                         "credential_id": "cred-rival"},
        "the holder's credential": {**by_credential, "number": "+12125550180"},
        "the provider id, typed": {"source": "vapi",
                                   "provider_number_id": held["provider_number_id"]},
        "the provider id, attached": {"source": "attach",
                                      "provider_number_id": held["provider_number_id"]},
    }  # fmt: skip
    answers = {
        name: await send(rival, "POST", numbers, json_body=body) for name, body in attempts.items()
    }
    renamed = await send(
        rival, "PATCH", f"{numbers}/{own['id']}",
        json_body={"provider_number_id": held["provider_number_id"]},
    )  # fmt: skip
    retyped = await send(
        rival, "PATCH", f"{numbers}/{own['id']}", json_body={"number": held["number"]}
    )
    # A platform admin attaching the held line to the rival is refused too.
    attached = await send(
        admin, "POST", numbers,
        json_body={"source": "attach", "provider_number_id": held["provider_number_id"]},
    )  # fmt: skip

    assert assert_problem(answers["the number, imported"], 409)["field"] == "number"
    assert assert_problem(answers["the number, over a SIP trunk"], 409)["field"] == "number"
    assert assert_problem(answers["the holder's credential"], 409)["field"] == "credential_id"
    assert assert_problem(answers["the provider id, typed"], 422)["field"] == "provider_number_id"
    assert_problem(answers["the provider id, attached"], 403)
    assert assert_problem(renamed, 422)["field"] == "provider_number_id"
    assert assert_problem(retyped, 422)["field"] == "number"
    assert assert_problem(attached, 409)["field"] in ("number", "provider_number_id")
    for reply in (*answers.values(), attached):
        for secret in (base.rsplit("/", 1)[1], held["id"], "Holder"):
            assert secret not in str(reply.body)
    # The same answer as for the rival's own number: nothing tells the holder apart.
    again = await send(rival, "POST", numbers, json_body=twilio_body(own["number"]))
    assert comparable(assert_problem(answers["the number, imported"], 409)) == comparable(
        assert_problem(again, 409)
    )
    assert await all_rows() == before
    assert expect(await owner.get(f"{base}/phone-numbers/{held['id']}"), 200) == held


async def test_the_operator_lists_and_confirms_typed_in_numbers_from_the_command_line(
    api: Api, admin: Api, build: Builder, engine: AsyncEngine, run: Run
) -> None:
    owner, base = await shop(build, admin, "Legacy")
    tenant_id = base.rsplit("/", 1)[1]
    number_id = await typed_in(engine, base, "+12125550143")
    expect(await owner.post(f"{base}/phone-numbers", twilio_body("+12125550144")), 201)

    code, out, err = await run("numbers", "unconfirmed")

    assert (code, err) == (0, ""), err
    [line] = out.splitlines()
    assert line.split() == [
        tenant_id, number_id, "+12125550143", "vapi", "typed-+12125550143", "unconfirmed"
    ]  # fmt: skip
    code, out, _ = await run("numbers", "confirm", tenant_id, number_id)
    assert code == 0
    assert out.startswith("confirmed: ")
    assert expect(await owner.get(f"{base}/phone-numbers/{number_id}"), 200)["in_service"]
    assert await run("numbers", "unconfirmed") == (0, "no unconfirmed numbers\n", "")
    code, _, err = await run("numbers", "confirm", tenant_id, number_id)
    assert code != 0
    assert "confirmed" in err
    log = await audit_log(admin, tenant_id)
    assert [e["entity_id"] for e in entries(log, "phone_number.confirmed")] == [number_id]


# --- against Vapi ---------------------------------------------------------------------------

SERVER = {"url": "https://voice.example.com/v1/webhooks/vapi", "credentialId": "cred-server"}


class TestThroughVapi:
    @pytest.fixture
    def telephony_provider(self, vapi: FakeVapi) -> providers.Provider[Any]:
        """The Vapi client, with the Server URL given to the numbers it makes."""
        return providers.Singleton(
            VapiTelephonyProvider,
            DEFAULT_API_KEY,
            base_url=vapi.base_url,
            timeout_seconds=VAPI_TIMEOUT,
            connect_timeout_seconds=VAPI_TIMEOUT,
            server=SERVER,
        )

    @pytest.fixture
    async def vapi_checked(self, vapi: FakeVapi, oracle: VapiOracle) -> AsyncIterator[FakeVapi]:
        """The fake Vapi; at the end, every number it was asked to make was asked in a body
        Vapi's own models accept."""
        yield vapi
        for body in vapi.number_create_bodies:
            oracle.check_number_create_body(body)

    async def test_each_source_is_made_at_vapi_with_our_webhook_and_our_id_as_its_name(
        self, api: Api, admin: Api, build: Builder, vapi_checked: FakeVapi
    ) -> None:
        owner, base = await shop(build, admin, "Acme")
        vapi_checked.twilio_accounts["AC-by-key"] = "key-secret"
        bodies = [
            {"source": "vapi", "area_code": "415"},
            twilio_body("+12125550101"),
            {"source": "twilio", "number": "+12125550102", "twilio_account_sid": "AC-by-key",
             "twilio_api_key": "SK1", "twilio_api_secret": "key-secret"},
            {"source": "vonage", "number": "+12125550103", "credential_id": "cred-v"},
            {"source": "telnyx", "number": "+12125550104", "credential_id": "cred-t"},
        ]  # fmt: skip
        made = [expect(await owner.post(f"{base}/phone-numbers", body), 201) for body in bodies]

        sent = vapi_checked.number_create_bodies
        assert [b["provider"] for b in sent] == ["vapi", "twilio", "twilio", "vonage", "telnyx"]
        assert [b["name"] for b in sent] == [n["id"] for n in made]
        assert all(b["server"] == SERVER for b in sent)
        for line in made:
            at_vapi = vapi_checked.phone_numbers[line["provider_number_id"]]
            assert (line["number"], line["status"]) == (at_vapi["number"], "active")

    async def test_a_twilio_import_with_wrong_credentials_is_refused_with_vapis_reason(
        self, api: Api, admin: Api, build: Builder, vapi_checked: FakeVapi, all_rows: Any
    ) -> None:
        owner, base = await shop(build, admin, "Acme")
        wrong = {**twilio_body("+12125550111"), "twilio_auth_token": "not-the-token"}
        before = await all_rows()

        refused = await send(owner, "POST", f"{base}/phone-numbers", json_body=wrong)

        problem = assert_problem(refused, 422, code="provider-rejected")
        assert "Twilio" in problem["detail"]
        assert "not-the-token" not in str(refused.body)
        assert vapi_checked.phone_numbers == {}
        assert await all_items(owner, f"{base}/phone-numbers") == []
        after = await all_rows()
        assert after["phone_numbers"] == before["phone_numbers"]
        log = await audit_log(owner, base.rsplit("/", 1)[1])
        assert "Twilio" in entries(log, "phone_number.refused")[0]["changes"]["reason"]
        assert "not-the-token" not in str(log)

    async def test_a_buy_that_times_out_is_settled_later_without_buying_twice(
        self,
        api: Api,
        admin: Api,
        build: Builder,
        vapi_checked: FakeVapi,
        pg_container: Container,
        server_clock: OffsetClock,
    ) -> None:
        owner, base = await shop(build, admin, "Acme")
        vapi_checked.hang_next(op=Op.NUMBER_CREATE, created=True)
        vapi_checked.fail_next(503, op=Op.NUMBER_LIST)  # the search right after fails too

        bought = expect(
            await owner.post(
                f"{base}/phone-numbers",
                {"source": "vapi", "area_code": "415"},
                headers={"Idempotency-Key": "buy-once"},
            ),
            201,
        )
        assert (bought["status"], bought["number"]) == ("provisioning", None)
        retried = expect(
            await owner.post(
                f"{base}/phone-numbers",
                {"source": "vapi", "area_code": "415"},
                headers={"Idempotency-Key": "buy-once"},
            ),
            201,
        )
        assert retried["id"] == bought["id"]

        server_clock.advance(seconds=SettlingPolicy().first_look.total_seconds())
        report = await pg_container.phone_numbers().settle_due()

        settled = expect(await owner.get(f"{base}/phone-numbers/{bought['id']}"), 200)
        [at_vapi] = vapi_checked.phone_numbers.values()
        assert (report.checked, report.activated) == (1, 1)
        assert (settled["status"], settled["number"], settled["provider_number_id"]) == (
            "active",
            at_vapi["number"],
            at_vapi["id"],
        )
        assert len(vapi_checked.number_create_bodies) == 1

    async def test_releasing_a_number_releases_it_at_vapi_and_a_vapi_failure_changes_nothing(
        self, api: Api, admin: Api, build: Builder, vapi_checked: FakeVapi
    ) -> None:
        owner, base = await shop(build, admin, "Acme")
        line = expect(await owner.post(f"{base}/phone-numbers", {"source": "vapi"}), 201)
        path = f"{base}/phone-numbers/{line['id']}"
        vapi_checked.fail_next(500, op=Op.NUMBER_DELETE)

        failed = await send(owner, "DELETE", path)

        assert_problem(failed, 502)
        assert expect(await owner.get(path), 200)["status"] == "active"
        released = expect(await owner.delete(path), 200)
        assert released["status"] == "released"
        assert line["provider_number_id"] not in vapi_checked.phone_numbers
