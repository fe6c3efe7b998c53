"""`voice-agent webhook-messages`: the command line over the kept messages' use cases, on the
test database, acting as the operator; what it did is read back over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from tests.e2e.helpers import all_items, audit_log, entries, random_id
from tests.e2e.test_batches_cli import Run
from tests.e2e.test_batches_cli import run as run  # the command line's fixture
from tests.e2e.test_calls import (
    api_fixture,  # noqa: F401 (the fixtures of the calls' tests, shared)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401
    deliver,
    get_call,
    oracle_fixture,  # noqa: F401
    place,
    placed,
    vapi_call,
    vapi_fixture,  # noqa: F401
    vapi_telephony_fixture,  # noqa: F401
)
from tests.e2e.test_webhook_messages import BUG, MESSAGES, broken

pytestmark = pytest.mark.postgres


@pytest.fixture
def telephony_provider(vapi_telephony: providers.Provider[Any]) -> Any:
    return vapi_telephony


async def test_a_failed_message_is_listed_and_replayed_from_the_command_line(
    build, admin, vapi, run: Run
):
    desk = await arrange(build)
    call = placed(await place(desk))
    with pytest.MonkeyPatch.context() as fault:  # not `monkeypatch`: it holds `run`'s setup
        broken(fault)
        news = vapi_call(desk, call).status_update("ringing")
        assert (await deliver(desk.api, news)).status == 200
    [failed] = await all_items(admin, MESSAGES, params={"tenant_id": desk.tenant_id})
    tenant = ["--tenant", desk.tenant_id]

    code, out, err = await run("webhook-messages", "list", *tenant, "--failed")

    assert (code, err) == (0, ""), err
    [line] = out.splitlines()
    assert line.startswith(failed["id"])
    assert "status-update  failed  RuntimeError: " + BUG in line
    code, out, _ = await run("webhook-messages", "list", "--failed")
    assert (code, out) == (0, "no messages\n"), "none about no call of ours"

    code, out, err = await run("webhook-messages", "replay", failed["id"], *tenant)

    assert (code, err) == (0, ""), err
    assert out.startswith(f"applied: {failed['id']}")
    assert (await get_call(desk, call["id"]))["status"] == "ringing"
    code, out, _ = await run("webhook-messages", "replay", failed["id"], *tenant)
    assert (code, out.split(":")[0]) == (0, "already_processed")
    code, out, _ = await run("webhook-messages", "replay", "--since", "2020-01-01", *tenant)
    assert (code, out) == (0, "replayed 0: applied 0, still failing 0\n")
    [audited] = entries(await audit_log(admin, desk.tenant_id), "webhook_message.replayed")
    assert (audited["actor_type"], audited["entity_id"]) == ("system", failed["id"])


async def test_a_message_still_failing_exits_1_and_an_unknown_one_2(build, admin, vapi, run: Run):
    desk = await arrange(build)
    call = placed(await place(desk))
    with pytest.MonkeyPatch.context() as fault:
        broken(fault)
        await deliver(desk.api, vapi_call(desk, call).status_update("ringing"))
        [failed] = await all_items(admin, MESSAGES, params={"tenant_id": desk.tenant_id})

        code, out, _ = await run("webhook-messages", "replay", "--since", "2020-01-01T00:00:00Z")

        assert code == 1
        # The last line: the failure is logged before it (logging is not configured here).
        assert out.splitlines()[-1] == "replayed 1: applied 0, still failing 1"
        replay = ("webhook-messages", "replay", failed["id"], "--tenant", desk.tenant_id)
        code, out, _ = await run(*replay)
        assert code == 1
        assert out.splitlines()[-1].startswith("still_failing:")
    code, _, err = await run("webhook-messages", "replay", random_id(), "--tenant", desk.tenant_id)
    assert code == 2
    assert "not found" in err
    assert (await get_call(desk, call["id"]))["status"] == "queued"
