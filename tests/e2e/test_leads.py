"""Leads end to end: one lead per number, lookup in any format, filters and pages, contact
records, call history, and CSV import through the API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from aiohttp import FormData, web

from adapters.postgres.engine import libpq_url
from domain.ids import TenantId
from entrypoints.http.app import create_app
from entrypoints.http.leads import IMPORT_SLOTS, ImportSlots
from tests.e2e.helpers import (
    Builder,
    OffsetClock,
    Person,
    all_items,
    assert_problem,
    audit_log,
    comparable,
    entries,
    expect,
    random_id,
    send,
    the_entry,
)
from tests.support import Api

pytestmark = pytest.mark.postgres

MOVING = ("version", "updated_at")
SF, SF_NATIONAL = "+14155550123", "(415) 555-0123"  # one number, two ways of writing it
SF_ZONE, NYC_ZONE = "America/Los_Angeles", "America/New_York"


@dataclass(frozen=True)
class Book:
    """A tenant's lead book with an owner, a member and a viewer."""

    tenant_id: str
    people: dict[str, Person]

    @property
    def leads(self) -> str:
        return f"/v1/tenants/{self.tenant_id}/leads"

    def api(self, role: str) -> Api:
        return self.people[role].api


@pytest.fixture
async def book(build: Builder) -> Book:
    owner = await build.person()
    tenant_id = await build.tenant(owner, "Leads Co")
    people = {"owner": owner}
    for role in ("member", "viewer"):
        people[role] = await build.member(tenant_id, role, by=owner.api)
    return Book(tenant_id, people)


async def new_lead(api: Api, book: Book, phone: str, **fields: Any) -> dict[str, Any]:
    return expect(await api.post(book.leads, {"phone": phone, **fields}), 201)


async def pages(api: Api, path: str, limit: int, **params: str) -> list[list[dict[str, Any]]]:
    found: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        page = expect(await api.get(path, params=query), 200)
        found.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def newest_first(items: list[dict[str, Any]]) -> list[str]:
    ordered = sorted(items, key=lambda i: (datetime.fromisoformat(i["created_at"]), i["id"]))
    return [i["id"] for i in reversed(ordered)]


def without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in names}


# --- creating, finding -------------------------------------------------------------------


async def test_a_lead_takes_the_time_zone_of_its_number_unless_given_one(book: Book):
    member = book.people["member"]

    inferred = await new_lead(
        member.api, book, SF_NATIONAL, country="US", name="Ada", email="ada@example.com"
    )
    explicit = await new_lead(member.api, book, "+1 212 555 0100", timezone="Europe/Berlin")
    new_york = await new_lead(member.api, book, "+12125550101", source="web")

    assert (inferred["phone"], inferred["timezone"]) == (SF, SF_ZONE)
    assert (inferred["name"], inferred["email"]) == ("Ada", "ada@example.com")
    assert (inferred["status"], inferred["do_not_call"], inferred["metadata"]) == ("new", False, {})
    assert (inferred["last_contacted_at"], inferred["last_call_id"]) == (None, None)
    assert (explicit["phone"], explicit["timezone"]) == ("+12125550100", "Europe/Berlin")
    assert new_york["timezone"] == NYC_ZONE
    for role in book.people:  # every member reads them
        got = expect(await book.api(role).get(f"{book.leads}/{inferred['id']}"), 200)
        assert got == inferred, role
    log = await audit_log(book.api("owner"), book.tenant_id)
    entry = the_entry(log, "lead.created", entity_id=inferred["id"])
    assert (entry["actor_type"], entry["actor_id"]) == ("user", member.id)
    assert entry["changes"] == {"phone": SF, "source": None}
    assert the_entry(log, "lead.created", entity_id=new_york["id"])["changes"]["source"] == "web"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": SF, "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"phone": SF, "timezone": "pacific"}, "timezone"),
        ({"phone": SF, "email": "ada@"}, "email"),
        ({"phone": SF, "email": "not an email"}, "email"),
        ({"phone": "555-0123"}, "phone"),
        ({"phone": SF_NATIONAL}, "phone"),  # no country for a number without +
        ({"phone": "+1 415 555 012"}, "phone"),
        ({"phone": SF_NATIONAL, "country": "XX"}, "country"),
    ],
    ids=[
        "unknown zone",
        "zone not IANA",
        "email without domain",
        "email with spaces",
        "short number",
        "national without country",
        "too few digits",
        "unknown country",
    ],
)
async def test_a_bad_value_is_422_naming_its_field(book: Book, all_rows, body, field):
    before = await all_rows()

    reply = await send(book.api("member"), "POST", book.leads, json_body=body)

    assert assert_problem(reply, 422)["field"] == field
    assert await all_rows() == before


async def test_one_lead_per_number_in_whatever_format_it_comes(book: Book, all_rows):
    member = book.api("member")
    first = await new_lead(member, book, SF_NATIONAL, country="US", name="First")
    before = await all_rows()

    for body in (
        {"phone": "+1 415-555-0123"},
        {"phone": SF},
        {"phone": "415.555.0123", "country": "US"},
        {"phone": "+1 (415) 555 0123", "name": "Second"},
        {"phone": "0014155550123", "country": "CH"},  # dialled from abroad
    ):
        reply = await send(member, "POST", book.leads, json_body=body)
        problem = assert_problem(reply, 409, code="already-exists")
        assert (problem["field"], problem["existing_id"]) == ("phone", first["id"]), body

    assert await all_rows() == before
    assert [lead["id"] for lead in await all_items(member, book.leads)] == [first["id"]]


async def test_a_lead_is_found_by_its_number_in_any_format(book: Book, all_rows):
    lead = await new_lead(book.api("member"), book, SF_NATIONAL, country="US")
    await new_lead(book.api("member"), book, "+12125550100")
    lookup = f"{book.leads}/lookup"
    before = await all_rows()

    for role in book.people:
        for params in (
            {"phone": "+1 415-555-0123"},
            {"phone": SF},
            {"phone": SF_NATIONAL, "country": "US"},
        ):
            found = expect(await book.api(role).get(lookup, params=params), 200)
            assert found == lead, (role, params)
    unknown = await send(book.api("viewer"), "GET", lookup, params={"phone": "+1 415-555-0199"})
    assert_problem(unknown, 404, code="not-found")
    missing = await send(book.api("viewer"), "GET", lookup)
    assert assert_problem(missing, 422)["field"] == "phone"
    invalid = await send(book.api("viewer"), "GET", lookup, params={"phone": "12"})
    assert assert_problem(invalid, 422)["field"] == "phone"
    assert await all_rows() == before


# --- lists -------------------------------------------------------------------------------


async def test_lists_filter_by_status_source_flags_and_text(book: Book):
    member = book.api("member")
    made = [
        await new_lead(member, book, "+14155550101", name="Ada Lovelace", source="web"),
        await new_lead(
            member, book, "+14155550102", name="Bob", email="bob@lovelace.example", source="fair"
        ),
        await new_lead(member, book, "+12125550103", name="Cy", status="qualified", source="web"),
        await new_lead(member, book, "+12125550104", do_not_call=True, email="dee@example.com"),
        await new_lead(member, book, "+442079460105", name="Ed 100%_sure", status="lost"),
    ]
    expect(await member.post(f"{book.leads}/{made[1]['id']}/contacted", {}), 200)
    expect(await member.post(f"{book.leads}/{made[2]['id']}/contacted", {}), 200)
    everyone = await all_items(member, book.leads)
    assert sorted(lead["id"] for lead in everyone) == sorted(lead["id"] for lead in made)

    def matching(test: Any) -> list[str]:
        return [lead["id"] for lead in everyone if test(lead)]

    def has_text(text: str) -> Any:
        def test(lead: dict[str, Any]) -> bool:
            fields = (lead["name"], lead["phone"], lead["email"])
            return any(text.lower() in (f or "").lower() for f in fields)

        return test

    cases = [
        ({"status": "new"}, lambda lead: lead["status"] == "new"),
        ({"status": "contacted"}, lambda lead: lead["status"] == "contacted"),
        ({"status": "qualified"}, lambda lead: lead["status"] == "qualified"),
        ({"source": "web"}, lambda lead: lead["source"] == "web"),
        ({"source": "we"}, lambda lead: lead["source"] == "we"),  # exact, not a prefix
        ({"do_not_call": "true"}, lambda lead: lead["do_not_call"]),
        ({"do_not_call": "false"}, lambda lead: not lead["do_not_call"]),
        ({"contacted": "true"}, lambda lead: lead["last_contacted_at"] is not None),
        ({"contacted": "false"}, lambda lead: lead["last_contacted_at"] is None),
        ({"q": "LOVELACE"}, has_text("lovelace")),  # a name and an email
        ({"q": "2125550"}, has_text("2125550")),  # phones
        ({"q": "example.com"}, has_text("example.com")),
        ({"q": "100%_"}, has_text("100%_")),  # LIKE wildcards are plain text
        ({"q": "%"}, has_text("%")),
        (
            {"source": "web", "contacted": "true"},
            lambda lead: lead["source"] == "web" and lead["last_contacted_at"] is not None,
        ),
    ]
    for params, test in cases:
        listed = await all_items(member, book.leads, params=params)
        assert [lead["id"] for lead in listed] == matching(test), params
        # Each case keeps some leads out (and all but one keep some in): none is trivial.
        assert len(listed) < len(everyone), params
        if params != {"source": "we"}:
            assert listed, params
    for params in ({"status": "hot"}, {"do_not_call": "yes"}, {"contacted": "1"}):
        reply = await send(member, "GET", book.leads, params=params)
        assert assert_problem(reply, 422)["field"] == next(iter(params))


async def test_leads_are_paged_newest_first_without_gaps_or_repeats(book: Book):
    member = book.api("member")
    made = [await new_lead(member, book, f"+1415555{n:04d}") for n in range(7)]
    expected = newest_first(made)

    first = expect(await member.get(book.leads, params={"limit": "3"}), 200)
    # A lead added while paging is newer than every page: it moves nothing.
    late = await new_lead(member, book, "+14155559999")
    rest: list[dict[str, Any]] = []
    cursor = first["next_cursor"]
    while cursor:
        page = expect(await member.get(book.leads, params={"limit": "3", "cursor": cursor}), 200)
        assert len(page["items"]) <= 3
        rest += page["items"]
        cursor = page["next_cursor"]

    walked = [lead["id"] for lead in first["items"] + rest]
    assert len(first["items"]) == 3
    assert walked == expected
    walked_now = [lead["id"] for page in await pages(member, book.leads, 3) for lead in page]
    assert walked_now == [late["id"], *expected]


# --- changes -----------------------------------------------------------------------------


async def test_a_patch_changes_only_the_given_fields_and_null_clears(book: Book, all_rows):
    member = book.api("member")
    lead = await new_lead(
        member, book, SF, name="Ada", email="ada@example.com", source="web", metadata={"a": 1}
    )
    other = await new_lead(member, book, "+12125550100")
    path = f"{book.leads}/{lead['id']}"

    renamed = expect(await member.patch(path, {"name": "Ada L."}), 200)
    cleared = expect(await member.patch(path, {"email": None, "status": "qualified"}), 200)
    moved = expect(await member.patch(path, {"phone": "(415) 555-0188", "country": "US"}), 200)

    assert without(renamed, "name", *MOVING) == without(lead, "name", *MOVING)
    assert renamed["version"] == lead["version"] + 1
    assert (cleared["email"], cleared["status"]) == (None, "qualified")
    assert without(cleared, "email", "status", *MOVING) == without(
        renamed, "email", "status", *MOVING
    )
    assert moved["phone"] == "+14155550188"
    assert without(moved, "phone", *MOVING) == without(cleared, "phone", *MOVING)
    assert expect(await member.get(path), 200) == moved
    found = await member.get(f"{book.leads}/lookup", params={"phone": "+14155550188"})
    assert expect(found, 200)["id"] == lead["id"]
    before = await all_rows()
    for body in ({"phone": other["phone"]}, {"phone": "(212) 555-0100", "country": "US"}):
        reply = await send(member, "PATCH", path, json_body=body)
        problem = assert_problem(reply, 409, code="already-exists")
        assert problem["existing_id"] == other["id"]
    stale = await send(member, "PATCH", path, json_body={"name": "x", "version": lead["version"]})
    assert_problem(stale, 409, code="conflict")
    bad = await send(member, "PATCH", path, json_body={"timezone": "Nowhere/City"})
    assert assert_problem(bad, 422)["field"] == "timezone"
    assert await all_rows() == before
    log = await audit_log(book.api("owner"), book.tenant_id)
    assert [e["changes"] for e in entries(log, "lead.updated")] == [
        {"phone": {"from": SF, "to": "+14155550188"}},
        {
            "email": {"from": "ada@example.com", "to": None},
            "status": {"from": "new", "to": "qualified"},
        },
        {"name": {"from": "Ada", "to": "Ada L."}},
    ]


async def test_marking_a_lead_contacted_records_when_and_by_which_call(
    book: Book, add_call, server_clock: OffsetClock, all_rows
):
    member = book.api("member")
    lead = await new_lead(member, book, SF)
    other = await new_lead(member, book, "+12125550100", status="qualified")
    call = await add_call(book.tenant_id, lead_id=lead["id"], to_number=SF)
    others_call = await add_call(book.tenant_id, lead_id=other["id"], to_number=other["phone"])
    server_clock.advance(hours=2)

    contacted = expect(await member.post(f"{book.leads}/{lead['id']}/contacted", {}), 200)

    assert contacted["status"] == "contacted"
    assert contacted["last_call_id"] is None
    at = datetime.fromisoformat(contacted["last_contacted_at"])
    assert at >= datetime.fromisoformat(lead["created_at"]) + timedelta(hours=2)
    server_clock.advance(minutes=5)
    by_call = expect(
        await member.post(f"{book.leads}/{lead['id']}/contacted", {"call_id": call}), 200
    )
    assert by_call["last_call_id"] == call
    assert datetime.fromisoformat(by_call["last_contacted_at"]) >= at + timedelta(minutes=5)
    # A status past `new` stays.
    kept = expect(await member.post(f"{book.leads}/{other['id']}/contacted", {}), 200)
    assert (kept["status"], kept["last_contacted_at"] is not None) == ("qualified", True)
    before = await all_rows()
    for call_id in (others_call, random_id()):
        reply = await send(
            member, "POST", f"{book.leads}/{lead['id']}/contacted", json_body={"call_id": call_id}
        )
        assert assert_problem(reply, 422)["field"] == "call_id"
    assert await all_rows() == before
    log = await audit_log(book.api("owner"), book.tenant_id)
    mine = [e["changes"] for e in entries(log, "lead.contacted") if e["entity_id"] == lead["id"]]
    assert mine == [{"call_id": call}, {"call_id": None}]


async def test_deleting_a_lead_keeps_its_calls_unlinked(book: Book, add_call, all_rows):
    member = book.api("member")
    lead = await new_lead(member, book, SF)
    other = await new_lead(member, book, "+12125550100")
    call = await add_call(book.tenant_id, lead_id=lead["id"], to_number=SF)
    others_call = await add_call(book.tenant_id, lead_id=other["id"], to_number=other["phone"])
    expect(await member.post(f"{book.leads}/{lead['id']}/contacted", {"call_id": call}), 200)
    path = f"{book.leads}/{lead['id']}"

    reply = await send(member, "DELETE", path)

    assert (reply.status, reply.body) == (204, None)
    for method, where in (("GET", path), ("DELETE", path), ("GET", f"{path}/calls")):
        assert_problem(await send(member, method, where), 404, code="not-found")
    gone = await send(member, "GET", f"{book.leads}/lookup", params={"phone": SF})
    assert_problem(gone, 404)
    calls = {c["id"]: c for c in (await all_rows())["voice_calls"]}
    assert (calls[call]["lead_id"], calls[call]["to_number"]) == (None, SF)
    assert calls[others_call]["lead_id"] == other["id"]
    entry = the_entry(await audit_log(book.api("owner"), book.tenant_id), "lead.deleted")
    assert (entry["entity_id"], entry["changes"]) == (lead["id"], {"phone": SF})
    # The number is free for a new lead.
    assert (await new_lead(member, book, SF))["id"] != lead["id"]


async def test_a_leads_calls_are_listed_newest_first_page_by_page(
    book: Book, add_call, server_clock: OffsetClock
):
    member = book.api("member")
    lead = await new_lead(member, book, SF)
    other = await new_lead(member, book, "+12125550100")
    start = server_clock.now()
    # Written out of order: the history sorts by when each call was made.
    minutes = [3, 0, 4, 1, 2]
    ids = {
        m: await add_call(
            book.tenant_id, lead_id=lead["id"], created_at=start + timedelta(minutes=m)
        )
        for m in minutes
    }
    await add_call(book.tenant_id, lead_id=other["id"], to_number=other["phone"])
    await add_call(book.tenant_id, to_number=SF)  # the lead's number, but not linked to it

    walked = await pages(book.api("viewer"), f"{book.leads}/{lead['id']}/calls", 2)

    assert [len(p) for p in walked] == [2, 2, 1]
    assert [c["id"] for p in walked for c in p] == [ids[m] for m in sorted(minutes, reverse=True)]
    assert {c["lead_id"] for p in walked for c in p} == {lead["id"]}
    missing = await send(member, "GET", f"{book.leads}/{random_id()}/calls")
    assert_problem(missing, 404, code="not-found")


# --- who may do what ---------------------------------------------------------------------


async def test_a_viewer_reads_leads_but_changes_none(book: Book, all_rows):
    lead = await new_lead(book.api("member"), book, SF)
    viewer = book.api("viewer")
    path = f"{book.leads}/{lead['id']}"
    before = await all_rows()

    assert expect(await viewer.get(path), 200) == lead
    assert await all_items(viewer, book.leads) == [lead]
    for method, where, body in (
        ("POST", book.leads, {"phone": "+12125550100"}),
        ("PATCH", path, {"name": "Viewer"}),
        ("DELETE", path, None),
        ("POST", f"{path}/contacted", {}),
    ):
        assert_problem(await send(viewer, method, where, json_body=body), 403, code="forbidden")
    reply = await send(
        viewer, "POST", f"{book.leads}/import", data=b"phone\n+12125550100\n", headers=CSV
    )
    assert_problem(reply, 403, code="forbidden")
    assert await all_rows() == before


async def test_another_tenants_lead_ids_are_unknown(book: Book, build: Builder, all_rows):
    stranger = await build.person()
    elsewhere = await build.tenant(stranger, "Elsewhere")
    theirs = expect(
        await stranger.api.post(f"/v1/tenants/{elsewhere}/leads", {"phone": SF, "name": "Theirs"}),
        201,
    )
    owner = book.api("owner")
    before = await all_rows()

    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "Mine now"}),
        ("DELETE", "", None),
        ("POST", "/contacted", {}),
        ("GET", "/calls", None),
    ):
        unknown = random_id()
        foreign = await send(owner, method, f"{book.leads}/{theirs['id']}{suffix}", json_body=body)
        missing = await send(owner, method, f"{book.leads}/{unknown}{suffix}", json_body=body)
        assert_problem(foreign, 404, code="not-found")
        assert comparable(foreign.body, id=theirs["id"]) == comparable(missing.body, id=unknown)
    lookup = await send(owner, "GET", f"{book.leads}/lookup", params={"phone": SF})
    assert_problem(lookup, 404, code="not-found")

    assert await all_rows() == before


# --- CSV import --------------------------------------------------------------------------

CSV = {"Content-Type": "text/csv"}

# Three bad rows among good ones (MIXED_BAD: the bad value, and the field it is in). The
# blank line counts, so row numbers are line numbers: the header is row 1.
MIXED = (
    "phone,name,email,timezone,company\n"
    "(415) 555-0101,Ada,ada@example.com,,Acme\n"
    "not a phone,Bob,,,\n"
    "\n"
    "+1 212 555 0102,Cy,cy@@example,,\n"
    "(415) 555-0103,Di,,Mars/Olympus,\n"
    "+44 20 7946 0123,Ed,ed@example.co.uk,Europe/London,Globex\n"
)
MIXED_BAD = {"not a phone": "phone", "cy@@example": "email", "Mars/Olympus": "timezone"}


def bad_rows(text: str, bad: dict[str, str]) -> list[tuple[int, str]]:
    """(line number, field) of each line holding one of the bad values."""
    lines = text.splitlines()
    return [
        (number, field)
        for number, line in enumerate(lines, start=1)
        for value, field in bad.items()
        if value in line
    ]


async def import_csv(api: Api, book: Book, text: str | bytes, **params: str) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    return await send(api, "POST", f"{book.leads}/import", data=raw, headers=CSV, params=params)


def report_of(reply: Any) -> dict[str, Any]:
    """The import report of a 200 answer."""
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


async def test_an_import_takes_the_good_rows_and_reports_the_bad_by_row(book: Book):
    member = book.people["member"]

    report = report_of(await import_csv(member.api, book, MIXED, country="US"))

    errors = [(e["row"], e["field"]) for e in report["errors"]]
    assert errors == bad_rows(MIXED, MIXED_BAD)
    assert all(e["message"] for e in report["errors"])
    data_rows = len([line for line in MIXED.splitlines()[1:] if line.strip()])
    assert (report["rows"], report["failed"]) == (data_rows, len(MIXED_BAD))
    assert (report["created"], report["updated"], report["unchanged"], report["duplicates"]) == (
        data_rows - len(MIXED_BAD),
        0,
        0,
        0,
    )
    leads = {lead["phone"]: lead for lead in await all_items(member.api, book.leads)}
    assert sorted(leads) == ["+14155550101", "+442079460123"]
    ada, ed = leads["+14155550101"], leads["+442079460123"]
    assert (ada["name"], ada["email"], ada["timezone"]) == ("Ada", "ada@example.com", SF_ZONE)
    assert (ada["source"], ada["metadata"], ada["status"]) == ("import", {"company": "Acme"}, "new")
    assert (ed["name"], ed["timezone"], ed["metadata"]) == (
        "Ed",
        "Europe/London",
        {"company": "Globex"},
    )
    entry = the_entry(await audit_log(book.api("owner"), book.tenant_id), "leads.imported")
    assert (entry["actor_type"], entry["actor_id"]) == ("user", member.id)
    assert (entry["entity"], entry["entity_id"]) == ("lead_import", report["id"])
    assert entry["changes"] == {
        "rows": report["rows"],
        "created": report["created"],
        "updated": report["updated"],
        "failed": report["failed"],
    }


async def test_importing_a_file_again_creates_nothing_and_a_change_updates(book: Book):
    member = book.api("member")
    text = (
        "phone,name,email\n"
        "(415) 555-0101,Ada,ada@example.com\n"
        "+1 212 555 0102,Bob,\n"
        "212.555.0103,Cy,cy@example.com\n"
    )
    first = report_of(await import_csv(member, book, text, country="US"))
    listed = await all_items(member, book.leads)
    assert first["created"] == len(listed) == 3

    again = report_of(await import_csv(member, book, text, country="US"))

    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, first["created"])
    assert again["object"] == first["object"] == "lead_import"
    assert again["id"] != first["id"]
    assert await all_items(member, book.leads) == listed
    # A known number in another format, with a new name: its lead is updated, not doubled.
    changed = text.replace("+1 212 555 0102,Bob", "(212) 555-0102,Robert")
    third = report_of(await import_csv(member, book, changed, country="US"))
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    after = {lead["id"]: lead for lead in await all_items(member, book.leads)}
    assert sorted(after) == sorted(lead["id"] for lead in listed)
    for before in listed:
        now = after[before["id"]]
        if before["phone"] == "+12125550102":
            assert (before["name"], now["name"]) == ("Bob", "Robert")
            assert now["version"] == before["version"] + 1
        else:
            assert now == before


async def test_a_number_twice_in_one_file_makes_one_lead(book: Book):
    member = book.api("member")
    text = "phone,name,email\n+14155550101,Ada,\n(415) 555-0101,,ada@example.com\n"

    report = report_of(await import_csv(member, book, text, country="US"))

    assert (report["rows"], report["created"], report["duplicates"]) == (2, 1, 1)
    [lead] = await all_items(member, book.leads)
    assert (lead["name"], lead["email"]) == ("Ada", "ada@example.com")


async def test_an_import_as_a_multipart_file(book: Book, all_rows):
    member = book.api("member")
    form = FormData()
    form.add_field("note", "ignored")
    # As spreadsheets save it: with a byte order mark before the header.
    file = "\ufeffphone,name\r\n+14155550101,Ada\r\n".encode()
    form.add_field("file", file, filename="leads.csv", content_type="text/csv")

    reply = await send(member, "POST", f"{book.leads}/import", data=form)

    assert reply.status == 200, reply.body
    assert (reply.body["rows"], reply.body["created"]) == (1, 1)
    [lead] = await all_items(member, book.leads)
    assert (lead["phone"], lead["name"]) == ("+14155550101", "Ada")
    before = await all_rows()
    no_file = FormData()
    no_file.add_field("upload", b"phone\n+12125550100\n", filename="x.csv")
    reply = await send(member, "POST", f"{book.leads}/import", data=no_file)
    assert assert_problem(reply, 422)["field"] == "file"
    assert await all_rows() == before


async def test_an_import_maps_columns_delimiters_and_extras(book: Book):
    member = book.api("member")
    text = (
        "Full Name;Mobile;E-Mail;TZ;Company;Notes\n"
        "Ada;+14155550101;ada@example.com;Europe/Paris;Acme;VIP\n"
    )

    mapped = report_of(
        await import_csv(
            member,
            book,
            text,
            delimiter=";",
            phone_column="mobile",  # header names match in any letter case
            name_column="Full Name",
            email_column="E-Mail",
            timezone_column="TZ",
            source="fair",
        )
    )
    plain = report_of(
        await import_csv(
            member,
            book,
            text.replace("+14155550101", "+12125550102"),
            delimiter=";",
            phone_column="Mobile",
            extra="false",
        )
    )

    assert (mapped["created"], plain["created"]) == (1, 1)
    leads = {lead["phone"]: lead for lead in await all_items(member, book.leads)}
    ada = leads["+14155550101"]
    assert (ada["name"], ada["email"], ada["timezone"], ada["source"]) == (
        "Ada",
        "ada@example.com",
        "Europe/Paris",
        "fair",
    )
    assert ada["metadata"] == {"Company": "Acme", "Notes": "VIP"}
    # Unmapped, Full Name/E-Mail/TZ are extra columns; without extras none is kept.
    other = leads["+12125550102"]
    assert (other["name"], other["email"], other["metadata"], other["source"]) == (
        None,
        None,
        {},
        "import",
    )
    assert other["timezone"] == NYC_ZONE


@pytest.mark.parametrize(
    ("raw", "params", "status", "field"),
    [
        (b"name,email\nAda,ada@example.com\n", {}, 422, "phone_column"),
        (b"phone,name\n+14155550101,Ada\n", {"phone_column": "mobile"}, 422, "phone_column"),
        (b"phone,name\n+14155550101,Ada\n", {"name_column": "Full name"}, 422, "name_column"),
        ("phone,name\n+14155550101,Zoë\n".encode("latin-1"), {}, 422, "file"),
        (b"", {}, 422, "file"),
        (b"phone\n+14155550101\n", {"delimiter": "x"}, 422, "delimiter"),
        (b"phone\n4155550101\n", {"country": "Narnia"}, 422, "country"),
    ],
    ids=[
        "no phone column",
        "mapped phone column missing",
        "mapped name column missing",
        "not utf-8",
        "empty",
        "bad delimiter",
        "bad country",
    ],
)
async def test_an_import_that_cannot_be_read_is_refused_whole(
    book: Book, all_rows, raw, params, status, field
):
    before = await all_rows()

    reply = await import_csv(book.api("member"), book, raw, **params)

    assert assert_problem(reply, status).get("field") == field
    assert await all_rows() == before


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream", None])
async def test_an_import_in_another_content_type_is_415(book: Book, all_rows, content_type):
    before = await all_rows()
    headers = {"Content-Type": content_type} if content_type else {}

    reply = await send(
        book.api("member"),
        "POST",
        f"{book.leads}/import",
        data=b"phone\n+14155550101\n",
        headers=headers,
    )

    assert_problem(reply, 415, code="unsupported-media-type")
    assert await all_rows() == before


MALFORMED_FORMS = {
    "no boundary": ("multipart/form-data", b"phone\n+14155550101\n"),
    "control characters in a part header": (
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="a\x11b"\r\n\r\nx\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\n'
        b"phone\n+14155550101\n\r\n--XyZ--\r\n",
    ),
}


@pytest.mark.parametrize("form", MALFORMED_FORMS.values(), ids=MALFORMED_FORMS.keys())
async def test_a_malformed_multipart_upload_is_400(book: Book, all_rows, form):
    before = await all_rows()
    content_type, body = form

    reply = await send(
        book.api("member"),
        "POST",
        f"{book.leads}/import",
        data=body,
        headers={"Content-Type": content_type},
    )

    assert_problem(reply, 400, code="bad-request")
    assert await all_rows() == before


UPLOAD_LIMIT = 2048
JSON_LIMIT = 512


@pytest.fixture
async def small_app(pg_container, aiohttp_client, book: Book) -> Api:
    """The app with small body limits, as the book's member."""
    app = create_app(
        pg_container.use_cases(), max_body_bytes=JSON_LIMIT, upload_max_bytes=UPLOAD_LIMIT
    )
    return Api(await aiohttp_client(app), book.people["member"].token)


def csv_of(size: int) -> bytes:
    """A CSV of exactly `size` bytes: one lead, padded in an extra column."""
    head = b"phone,notes\n+14155550101,"
    return head + b"x" * (size - len(head) - 1) + b"\n"


async def test_an_upload_over_its_limit_is_413_and_under_it_is_read(
    small_app: Api, book: Book, all_rows
):
    before = await all_rows()

    for body in (csv_of(UPLOAD_LIMIT + 1), csv_of(UPLOAD_LIMIT * 4)):
        reply = await send(small_app, "POST", f"{book.leads}/import", data=body, headers=CSV)
        problem = assert_problem(reply, 413, code="body-too-large")
        assert str(UPLOAD_LIMIT) in problem["detail"]

    big = csv_of(UPLOAD_LIMIT * 4)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1024):
            yield big[start : start + 1024]

    chunked = await send(small_app, "POST", f"{book.leads}/import", data=chunks(), headers=CSV)
    assert_problem(chunked, 413, code="body-too-large")
    assert await all_rows() == before
    # At the upload limit (well over the JSON one) the file is read.
    at_limit = csv_of(UPLOAD_LIMIT)
    assert len(at_limit) > JSON_LIMIT
    reply = await send(small_app, "POST", f"{book.leads}/import", data=at_limit, headers=CSV)
    assert reply.status == 200, reply.body
    assert reply.body["created"] == 1
    # The JSON routes keep their own limit.
    fat = {"phone": "+12125550100", "name": "x" * JSON_LIMIT}
    assert_problem(await send(small_app, "POST", book.leads, json_body=fat), 413)


class WatchedSlots(ImportSlots):
    """Import slots that say when the last one is taken."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.full = asyncio.Event()

    @contextlib.contextmanager
    def take(self) -> Iterator[None]:
        with super().take():
            if self.in_use == self.limit:
                self.full.set()
            yield


@contextlib.asynccontextmanager
async def tenant_locked(pg_url: str, tenant_id: str) -> AsyncIterator[None]:
    """Another session holds the tenant's row, as a long write does: an import into the
    tenant waits for it, holding its import slot, until the block ends."""
    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url)) as holder:
        await holder.execute("SELECT 1 FROM tenants WHERE id = %s FOR UPDATE", (tenant_id,))
        try:
            yield
        finally:
            await holder.rollback()


async def other_book(build: Builder, client: Any, name: str) -> tuple[Book, Api]:
    """Another tenant, and its owner on `client`."""
    owner = await build.person()
    tenant_id = await build.tenant(owner, name)
    return Book(tenant_id, {"owner": owner}), Api(client, owner.token)


async def test_imports_over_the_process_cap_are_429_with_retry_after_and_write_nothing(
    pg_container, aiohttp_client, build: Builder, book: Book, all_rows, pg_url
):
    app = create_app(pg_container.use_cases(), import_concurrency=2)
    assert app[IMPORT_SLOTS].limit == 2
    slots = app[IMPORT_SLOTS] = WatchedSlots(2)
    client = await aiohttp_client(app)
    member = Api(client, book.people["member"].token)
    others = [await other_book(build, client, name) for name in ("Held One", "Held Two")]

    async with contextlib.AsyncExitStack() as locks:
        for other, _ in others:
            await locks.enter_async_context(tenant_locked(pg_url, other.tenant_id))
        # Two imports into two other tenants, received and running: each waits for its
        # tenant's lock with a slot taken.
        held = [
            asyncio.create_task(import_csv(api, other, f"phone,name\n{phone},Held\n"))
            for (other, api), phone in zip(others, ("+12125550101", "+12125550102"), strict=True)
        ]
        await asyncio.wait_for(slots.full.wait(), timeout=10)
        before = await all_rows()

        refused = await import_csv(member, book, "phone,name\n+12125550199,Refused\n")

        assert_problem(refused, 429, code="too-many-requests")
        assert int(refused.headers["Retry-After"]) > 0
        assert "this tenant" not in refused.body["detail"]
        assert await all_rows() == before
    async with asyncio.timeout(10):
        replies = await asyncio.gather(*held)
    assert [report_of(r)["created"] for r in replies] == [1, 1]
    # Each import gives its slot back, however it ends.
    for failing in (b"phone\n+12125550103\n\xff\n", b"name\nAda\n", b"phone\n+1\n"):
        await import_csv(member, book, failing)
    assert slots.in_use == 0
    after = report_of(await import_csv(member, book, "phone,name\n+12125550199,Later\n"))
    assert after["created"] == 1
    phones = {lead["phone"]: lead["name"] for lead in await all_items(member, book.leads)}
    assert phones == {"+12125550199": "Later"}
    for (other, api), phone in zip(others, ("+12125550101", "+12125550102"), strict=True):
        assert [lead["phone"] for lead in await all_items(api, other.leads)] == [phone]


async def until_receiving(app: web.Application, book: Book) -> None:
    """Until the server is receiving the tenant's slow upload. Asked of the server's own
    state: a probe import could take the tenant's turn just as the upload arrives, and the
    upload would be the one refused."""
    async with asyncio.timeout(10):
        # The server's state is all there is to wait on here.
        while not app[IMPORT_SLOTS].is_importing(TenantId(UUID(book.tenant_id))):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_an_upload_still_being_sent_holds_no_slot(
    pg_container, aiohttp_client, build: Builder, book: Book
):
    """A slow (or stalled) upload must not keep other tenants from importing: the slot is
    taken once the file is received."""
    app = create_app(pg_container.use_cases(), import_concurrency=1)
    client = await aiohttp_client(app)
    member = Api(client, book.people["member"].token)
    other, other_api = await other_book(build, client, "Other Co")
    sending, release = asyncio.Event(), asyncio.Event()

    async def slow_upload() -> AsyncIterator[bytes]:
        yield b"phone,name\n"
        sending.set()
        await release.wait()  # the client is still sending
        yield b"+12125550101,Slow\n"

    slow = asyncio.create_task(
        send(member, "POST", f"{book.leads}/import", data=slow_upload(), headers=CSV)
    )
    try:
        await asyncio.wait_for(sending.wait(), timeout=10)
        await until_receiving(app, book)

        meanwhile = await import_csv(other_api, other, "phone,name\n+12125550102,Other\n")

        assert report_of(meanwhile)["created"] == 1
        assert app[IMPORT_SLOTS].in_use == 0
    finally:
        release.set()
        async with asyncio.timeout(10):
            finished = await slow
    assert report_of(finished)["created"] == 1
    assert [lead["name"] for lead in await all_items(member, book.leads)] == ["Slow"]


async def test_a_second_import_into_a_tenant_is_429_while_its_first_runs_here(
    pg_container, aiohttp_client, build: Builder, book: Book, all_rows
):
    app = create_app(pg_container.use_cases(), import_concurrency=4)
    client = await aiohttp_client(app)
    member = Api(client, book.people["member"].token)
    owner = Api(client, book.people["owner"].token)
    other, other_api = await other_book(build, client, "Other Co")
    sending, release = asyncio.Event(), asyncio.Event()

    async def slow_upload() -> AsyncIterator[bytes]:
        yield b"phone,name\n"
        sending.set()
        await release.wait()
        yield b"+12125550101,First\n"

    first = asyncio.create_task(
        send(member, "POST", f"{book.leads}/import", data=slow_upload(), headers=CSV)
    )
    try:
        await asyncio.wait_for(sending.wait(), timeout=10)
        await until_receiving(app, book)
        before = await all_rows()

        second = await import_csv(owner, book, "phone,name\n+12125550199,Second\n")

        assert_problem(second, 429, code="too-many-requests")
        assert "an import into this tenant is already running" in second.body["detail"]
        assert int(second.headers["Retry-After"]) > 0
        assert await all_rows() == before
        # Another tenant imports meanwhile, and is told nothing of this one.
        assert report_of(await import_csv(other_api, other, "phone\n+12125550102\n"))
        # A stranger to the tenant learns nothing of its import either.
        stranger = await import_csv(other_api, book, "phone\n+12125550103\n")
        assert stranger.status == 404
    finally:
        release.set()
        async with asyncio.timeout(10):
            finished = await first
    assert report_of(finished)["created"] == 1
    # Once the first has finished, the tenant imports again.
    again = await import_csv(owner, book, "phone,name\n+12125550199,Second\n")
    assert report_of(again)["created"] == 1
