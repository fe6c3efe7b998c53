"""`voice-agent batches`: the command line over the batch use cases, on the test database,
acting as the operator as `leads import` does; what it did is read back over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest

from application.batches import BatchService
from domain.batches import Batch
from domain.ids import BatchId, TenantId
from entrypoints import cli
from entrypoints.container import Container
from tests.e2e.helpers import all_items, audit_log, expect, random_id, the_entry
from tests.e2e.test_calls import Desk, arrange

pytestmark = pytest.mark.postgres

WEEKDAYS = {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}

Run = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture
def run(pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`voice-agent ARGS…` on the test database, in a thread of its own (it runs its own event
    loop): its exit code, what it printed and what it wrote to stderr."""
    monkeypatch.setattr(cli, "configure_logging", lambda *_: None)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("VOICE_AGENT_AUTO_MIGRATE", "false")  # the test database is at head

    async def invoke(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(cli.main, list(argv))
        said = capsys.readouterr()
        return code, said.out, said.err

    return invoke


async def lead(desk: Desk, phone: str, **fields: Any) -> str:
    body = {"phone": phone, **fields}
    return str(expect(await desk.api.post(f"{desk.path}/leads", body), 201)["id"])


async def batches_of(desk: Desk) -> list[dict[str, Any]]:
    return await all_items(desk.api, f"{desk.path}/batches")


async def test_a_batch_from_a_file_of_lead_ids_is_shown_listed_and_taken_through_its_life(
    build, run: Run, tmp_path: Path
):
    desk = await arrange(build)
    first = await lead(desk, "+442071234567", timezone="Europe/London")
    second = await lead(desk, "+442071234568")
    dnc = await lead(desk, "+442071234569", do_not_call=True)
    ids = tmp_path / "leads.txt"
    ids.write_text(f"# spring campaign\n{first}\n\n  {second}  \n{first}\n{dnc}\n")
    tenant = ["--tenant", desk.tenant_id]

    code, out, err = await run(
        "batches", "create", *tenant, "--name", "Spring", "--agent", desk.agent_id,
        "--lead-ids", str(ids), "--window-days", "1-3,5", "--start", "08:30", "--end", "18:00",
        "--concurrency", "2", "--timezone", "Europe/Paris", "--max-attempts", "2",
    )  # fmt: skip

    assert (code, err) == (0, ""), err
    [made] = await batches_of(desk)
    assert (made["name"], made["status"], made["agent_id"], made["from_number_id"]) == (
        "Spring",
        "draft",
        desk.agent_id,
        desk.number_id,
    )
    assert made["calling_window"] == {"days": [1, 2, 3, 5], "start": "08:30", "end": "18:00"}
    assert (made["concurrency"], made["timezone"], made["max_attempts"]) == (2, "Europe/Paris", 2)
    assert (made["created_by"], made["progress"]["total"]) == (None, 3)
    assert f"batch {made['id']}: Spring" in out
    assert "preflight: 3 leads waiting" in out
    assert "do not call        1" in out
    assert "duplicate ids      1" in out
    created = the_entry(await audit_log(desk.api, desk.tenant_id), "batch.created")
    assert (created["entity_id"], created["actor_type"]) == (made["id"], "system")

    code, out, _ = await run("batches", "show", *tenant, made["id"])
    assert code == 0
    assert "status       draft" in out
    assert "days 1,2,3,5, 08:30-18:00, zone Europe/Paris" in out
    code, out, _ = await run("batches", "list", *tenant)
    assert code == 0
    [line] = out.splitlines()
    assert line.split() == [made["id"], "draft", "0/3", "finished", "Spring"]
    code, out, _ = await run("batches", "list", *tenant, "--status", "running")
    assert (code, out) == (0, "no batches\n")
    code, out, _ = await run("batches", "preflight", *tenant, made["id"])
    assert code == 0
    assert out.startswith("preflight: 3 leads waiting")

    for action, status in (
        ("start", "running"),
        ("pause", "paused"),
        ("resume", "running"),
        ("cancel", "cancelled"),
    ):
        code, out, err = await run("batches", action, *tenant, made["id"])
        assert (code, err) == (0, ""), (action, err)
        assert out.split()[:2] == [made["id"], status], action
        [now] = await batches_of(desk)
        assert now["status"] == status, action
    assert now["progress"]["cancelled"] == 3

    code, out, err = await run("batches", "start", *tenant, made["id"])

    assert (code, out) == (2, "")
    assert err == "error: a cancelled batch cannot become running\n"
    # Watching a batch that has ended shows where it ended, at once.
    code, out, err = await run("batches", "watch", *tenant, made["id"])
    assert code == 0
    assert out.split()[:3] == [made["id"], "cancelled", "3/3"]
    assert "3/3" in err  # the progress bar


async def test_a_batch_from_lead_filters(build, run: Run):
    desk = await arrange(build)
    fair = {
        await lead(desk, "+442071230001", source="fair"),
        await lead(desk, "+442071230002", source="fair"),
    }
    await lead(desk, "+442071230003", source="fair", status="qualified")
    tenant = ["--tenant", desk.tenant_id]

    code, _, err = await run(
        "batches", "create", *tenant, "--name", "Fair", "--agent", desk.agent_id,
        "--source", "fair", "--status", "new", "--never-contacted",
    )  # fmt: skip

    assert (code, err) == (0, ""), err
    [made] = await batches_of(desk)
    assert made["calling_window"] == WEEKDAYS  # the defaults: weekdays, 09:00 to 17:00
    assert (made["concurrency"], made["max_attempts"], made["timezone"]) == (1, 3, None)
    listed = await all_items(desk.api, f"{desk.path}/batches/{made['id']}/items")
    assert {i["lead_id"] for i in listed} == fair
    code, _, _ = await run(
        "batches", "create", *tenant, "--name", "All", "--agent", desk.agent_id, "--all-leads"
    )
    assert code == 0
    assert [b["progress"]["total"] for b in await batches_of(desk)] == [4, 2]


async def test_what_the_command_line_refuses_it_says_and_writes_nothing(
    build, run: Run, all_rows, tmp_path: Path
):
    desk = await arrange(build)
    create = ["batches", "create", "--tenant", desk.tenant_id, "--name", "X"]
    create += ["--agent", desk.agent_id]
    bad_line = tmp_path / "bad.txt"
    bad_line.write_text(f"{desk.lead_id}\nlead-42\n")
    unknown = tmp_path / "unknown.txt"
    unknown.write_text(f"{desk.lead_id}\n{random_id()}\n")
    before = await all_rows()

    cases = [
        (create, "say which leads"),
        ([*create, "--lead-ids", str(unknown), "--source", "fair"], "not both"),
        ([*create, "--lead-ids", str(bad_line)], "line 2: 'lead-42' is not a lead id"),
        ([*create, "--lead-ids", str(unknown)], "in this tenant"),
        ([*create, "--lead-ids", str(tmp_path / "none.txt")], "cannot read"),
        ([*create, "--source", "nowhere"], "the selection names no lead"),
        ([*create, "--all-leads", "--start", "09:00", "--end", "09:00"], "same time"),
        ([*create, "--all-leads", "--concurrency", "0"], "concurrency is between 1 and 1000"),
        (["batches", "show", "--tenant", desk.tenant_id, random_id()], "not found"),
        (["batches", "list", "--tenant", random_id()], "not found"),
    ]
    for argv, said in cases:
        code, out, err = await run(*argv)
        assert (code, out) == (2, ""), argv
        assert err.startswith("error: "), (argv, err)
        assert said in err, (argv, err)
    assert await all_rows() == before


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--window-days", "0-3"], "ISO weekdays 1 (Monday) to 7 (Sunday)"),
        (["--window-days", "5-1"], "ISO weekdays"),
        (["--start", "9am"], "not a time of day"),
        (["--created-from", "yesterday"], "not an ISO 8601 date"),
        (["--agent", "sales"], "not an agent id"),
    ],
)
def test_malformed_options_are_refused_before_anything_runs(argv, said, capsys):
    base = ["batches", "create", "--tenant", random_id(), "--name", "X", "--agent", random_id()]

    with pytest.raises(SystemExit) as refused:
        cli.parser().parse_args([*base, *argv])

    assert refused.value.code == 2
    assert said in capsys.readouterr().err


def test_the_window_days_read_ranges_and_lists():
    assert cli.parser().parse_args(
        ["batches", "create", "--tenant", random_id(), "--name", "X", "--agent", random_id(),
         "--window-days", "6-7,1"]
    ).window_days == frozenset({6, 7, 1})  # fmt: skip


class Reads:
    """The batch service, counting what `get_batch` answered (the first answer sets `read`)."""

    def __init__(self, service: BatchService) -> None:
        self.service = service
        self.statuses: list[str] = []
        self.read = asyncio.Event()

    async def get_batch(self, *args: Any) -> Batch:
        batch = await self.service.get_batch(*args)
        self.statuses.append(batch.status.value)
        self.read.set()
        return batch


async def test_watch_follows_a_running_batch_until_it_is_cancelled(
    build, pg_container: Container, capsys
):
    desk = await arrange(build)
    body = {
        "name": "Watched",
        "agent_id": desk.agent_id,
        "calling_window": WEEKDAYS,
        "leads": {"ids": [desk.lead_id]},
    }
    made = expect(await desk.api.post(f"{desk.path}/batches", body), 201)
    expect(await desk.api.post(f"{desk.path}/batches/{made['id']}/start"), 200)
    reads = Reads(pg_container.batches())
    watching = asyncio.create_task(
        cli.watch_batch(
            cast(BatchService, reads), TenantId(made["tenant_id"]), BatchId(made["id"]), 0.01
        )
    )
    await reads.read.wait()

    expect(await desk.api.post(f"{desk.path}/batches/{made['id']}/cancel"), 200)
    ended = await asyncio.wait_for(watching, timeout=60)

    assert ended.status.value == "cancelled"
    assert reads.statuses[0] == "running"
    assert reads.statuses[-1] == "cancelled"
    bar = capsys.readouterr().err
    assert "Watched" in bar
    assert "1/1" in bar
