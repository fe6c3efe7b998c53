"""Importing leads from CSV through the use case, on the in-memory adapters."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory.leads import InMemoryLeadRepository
from adapters.workers import ProcessWorkerPool
from application import lead_import
from application.access import Principal
from application.context import UseCaseDeps
from application.errors import NotFound, PermissionDenied
from application.lead_import import (
    MAX_LISTED_ERRORS,
    ColumnMapping,
    ImportLeads,
    ImportReport,
    LeadImportService,
    RowError,
)
from application.leads import CreateLead, LeadService
from application.pagination import PageRequest
from application.ports.leads import LeadFilter, StagedLead, StagedMerge
from application.tenancy import AddMember, MembershipService
from domain.errors import InvalidValue
from domain.leads import Lead, LeadStatus
from domain.phones import PhoneNumber
from domain.tenancy import Role, Tenant, User
from domain.values import Email
from tests.support import PLATFORM, World
from tests.unit.helpers import AuditTap, fresh, run

ALL = PageRequest(limit=200)

# Each number in several writings: the file may write one lead's number differently each time
# (the 00 writings are dialled from Germany, the region these imports give).
WRITINGS = {
    "+12127365000": ["+12127365000", "+1 (212) 736-5000", "001 212 736 5000"],
    "+14155550123": ["+14155550123", "+1 415.555.0123"],
    "+442079460958": ["+44 20 7946 0958", "0044 20 7946 0958"],
    "+4930123456": ["+49 30 123456", "+49-30-123456"],
    "+33123456789": ["+33 1 23 45 67 89"],
    "+18005551234": ["+1 800 555 1234"],
}
PHONES = sorted(WRITINGS)
HEADER = ["phone", "name", "email", "timezone", "company"]


def csv_text(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def me(user: User) -> Principal:
    return Principal.user(user.id, is_platform_admin=user.is_platform_admin)


async def leads_of(deps: UseCaseDeps, tenant: Tenant) -> dict[str, Lead]:
    async with deps.uows(tenant_id=tenant.id) as tx:
        found = await tx.leads.list(tenant.id, LeadFilter(), ALL)
    return {lead.phone.e164: lead for lead in found}


def counts(report: ImportReport) -> tuple[int, int, int, int, int, int]:
    return (
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        report.duplicates,
        report.failed,
    )


@attrs.frozen
class Acme:
    tenant: Tenant
    owner: User


@pytest.fixture
async def acme(world: World) -> Acme:
    owner = await world.user("owner@acme.example")
    return Acme(await world.tenant(owner, "Acme"), owner)


@pytest.fixture
def importer(deps: UseCaseDeps) -> LeadImportService:
    return LeadImportService(deps)


async def do_import(
    importer: LeadImportService, acme: Acme, text: str, **fields: Any
) -> ImportReport:
    return await importer.import_leads(me(acme.owner), ImportLeads(acme.tenant.id, text, **fields))


# --- the counts, as a property ------------------------------------------------------------

# A bad row of each kind, and the field its error names. Each has exactly one defect.
BAD_ROWS: dict[str, tuple[list[str], str]] = {
    "phone": (["12345", "Ann", "", "", ""], "phone"),
    "blank phone": (["", "Ann", "ann@example.com", "", ""], "phone"),
    "letters": (["call me", "", "", "", ""], "phone"),
    "email": (["+12127365000", "Ann", "ann@", "", ""], "email"),
    "timezone": (["+12127365000", "", "", "Mars/Base", ""], "timezone"),
    "name": (["+12127365000", "n" * 256, "", "", ""], "name"),
    "nul": (["+12127365000", "A\x00nn", "", "", ""], "row"),
}

names = st.one_of(st.just(""), st.sampled_from(["Ann", "Bo", "Doe, Jane", 'Al "Big" Lee']))
emails = st.sampled_from(["", "ann@example.com", "Bo@Example.org"])
zones = st.sampled_from(["", "Europe/Paris", "America/Chicago"])
companies = st.sampled_from(["", "Initech", "Acme; Inc"])


@st.composite
def good_rows(draw: st.DrawFn) -> tuple[str, list[str]]:
    phone = draw(st.sampled_from(PHONES))
    raw = draw(st.sampled_from(WRITINGS[phone]))
    return phone, [raw, draw(names), draw(emails), draw(zones), draw(companies)]


lines = st.one_of(
    good_rows().map(lambda good: ("good", good)),
    st.sampled_from(sorted(BAD_ROWS)).map(lambda kind: ("bad", kind)),
    st.just(("blank", None)),
)


@settings(max_examples=50, deadline=None)
@given(
    existing=st.sets(st.sampled_from(PHONES), max_size=3),
    content=st.lists(lines, max_size=25),
    batch_size=st.sampled_from([1, 2, 3, 1000]),
)
def test_every_row_is_counted_once_and_each_bad_one_reported_at_its_row(
    existing: set[str], content: list[tuple[str, Any]], batch_size: int
) -> None:
    f = fresh()

    async def scenario() -> None:
        owner = await f.world.user("owner@acme.example")
        tenant = await f.world.tenant(owner, "Acme")
        leads = LeadService(f.deps)
        for phone in sorted(existing):
            await leads.create_lead(me(owner), CreateLead(tenant.id, PhoneNumber(phone)))
        rows: list[list[str]] = [HEADER]
        expected_errors: list[tuple[int, str]] = []
        valid: list[str] = []
        for kind, value in content:
            if kind == "good":
                valid.append(value[0])
                rows.append(value[1])
            elif kind == "bad":
                cells, field = BAD_ROWS[value]
                rows.append(cells)
                expected_errors.append((len(rows), field))  # the header is row 1
            else:
                rows.append([])
        told: list[int] = []
        with mock.patch.object(lead_import, "BATCH_SIZE", batch_size):
            report = await LeadImportService(f.deps).import_leads(
                me(owner), ImportLeads(tenant.id, csv_text(rows), region="DE"), told.append
            )

        distinct = set(valid)
        assert report.rows == len(valid) + len(expected_errors)
        assert report.rows == (
            report.created + report.updated + report.unchanged + report.duplicates + report.failed
        )
        assert report.failed == len(expected_errors)
        assert report.duplicates == len(valid) - len(distinct)
        assert report.created == len(distinct - existing)
        assert report.updated + report.unchanged == len(distinct & existing)
        assert [(e.row, e.field) for e in report.errors] == expected_errors
        assert sum(told) == report.rows
        assert all(step >= 0 for step in told)
        stored = await leads_of(f.deps, tenant)
        assert set(stored) == existing | distinct

        # The same file again, batch by batch too: nothing changes, whatever the distance
        # between the rows of one number.
        with mock.patch.object(lead_import, "BATCH_SIZE", batch_size):
            again = await LeadImportService(f.deps).import_leads(
                me(owner), ImportLeads(tenant.id, csv_text(rows), region="DE")
            )

        assert counts(again) == (
            report.rows,
            0,
            0,
            len(distinct),
            report.duplicates,
            report.failed,
        )
        assert await leads_of(f.deps, tenant) == stored

    run(scenario())


# --- rows and their numbers ---------------------------------------------------------------


async def test_row_numbers_count_the_header_and_blank_lines(
    importer: LeadImportService, acme: Acme
) -> None:
    text = "phone,name\n\n+12127365000,Ann\n\n\nnope,Bo\n   \n,,\n+1 800,Cy\n"

    report = await do_import(importer, acme, text)

    assert report.errors == (
        RowError(6, "phone", report.errors[0].message),
        RowError(9, "phone", report.errors[1].message),
    )
    assert counts(report) == (3, 1, 0, 0, 0, 2)


async def test_blank_lines_before_the_header_are_skipped_and_counted(
    importer: LeadImportService, acme: Acme
) -> None:
    report = await do_import(importer, acme, "\n\nphone\n+12127365000\nbad\n")
    assert [(e.row, e.field) for e in report.errors] == [(5, "phone")]
    assert report.created == 1


async def test_quoted_fields_hold_delimiters_quotes_and_line_breaks(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    text = csv_text(
        [
            ["phone", "name", "notes"],
            ["+12127365000", "Doe, Jane", 'said "call\nme, later"'],
            ["+14155550123", 'Al "Big" Lee', ""],
            ["bad", "x", ""],
        ]
    )
    assert text.count("\n") == 5  # one record spans two lines

    report = await do_import(importer, acme, text)

    stored = await leads_of(deps, acme.tenant)
    assert stored["+12127365000"].name == "Doe, Jane"
    assert stored["+12127365000"].metadata == {"notes": 'said "call\nme, later"'}
    assert stored["+14155550123"].name == 'Al "Big" Lee'
    # Rows are records: the third lead row is record 4, though it starts on line 5.
    assert [(e.row, e.field) for e in report.errors] == [(4, "phone")]


async def test_the_errors_listed_are_capped_but_every_failure_is_counted(
    importer: LeadImportService, acme: Acme
) -> None:
    bad = MAX_LISTED_ERRORS + 7
    text = "phone\n+12127365000\n" + "nope\n" * bad + "+14155550123\n"

    report = await do_import(importer, acme, text)

    assert (report.failed, report.created, report.rows) == (bad, 2, bad + 2)
    assert len(report.errors) == MAX_LISTED_ERRORS
    assert [e.row for e in report.errors] == list(range(3, 3 + MAX_LISTED_ERRORS))


# --- merging --------------------------------------------------------------------------------


async def test_a_lead_already_in_the_tenant_is_updated_by_the_files_non_empty_values(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme, audit_tap: AuditTap
) -> None:
    lead = await LeadService(deps).create_lead(
        me(acme.owner),
        CreateLead(
            acme.tenant.id,
            PhoneNumber.parse("+12127365000"),
            name="Ann",
            email=Email.parse("ann@example.com"),
            source="web",
            status=LeadStatus.QUALIFIED,
            timezone="America/Chicago",
            metadata={"plan": "pro", "tier": "1"},
        ),
    )
    audit_tap.new()
    text = csv_text(
        [
            ["Phone", "Name", "Email", "Timezone", "tier", "city"],
            ["(212) 736-5000", "", "ann@new.example", "", "2", "NYC"],
        ]
    )

    report = await do_import(importer, acme, text, region="US", source="fair")

    assert counts(report) == (1, 0, 1, 0, 0, 0)
    stored = (await leads_of(deps, acme.tenant))["+12127365000"]
    assert stored.id == lead.id
    assert (stored.name, stored.email, stored.timezone) == (
        "Ann",
        Email.parse("ann@new.example"),
        "America/Chicago",
    )
    assert stored.metadata == {"plan": "pro", "tier": "2", "city": "NYC"}
    assert (stored.source, stored.status) == ("web", LeadStatus.QUALIFIED)  # not the file's
    [entry] = audit_tap.new()
    assert (entry.action, entry.entity, entry.entity_id, entry.tenant_id) == (
        "leads.imported",
        "lead_import",
        report.id,
        acme.tenant.id,
    )
    assert entry.changes == {"rows": 1, "created": 0, "updated": 1, "failed": 0}

    same = await do_import(importer, acme, text, region="US")
    assert counts(same) == (1, 0, 0, 1, 0, 0)


async def test_new_leads_get_the_imports_source_and_their_numbers_zone(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    text = "phone,timezone\n+12127365000,\n+18005551234,\n+14155550123,Europe/Paris\n"

    report = await do_import(importer, acme, text, source="fair-2026")

    stored = await leads_of(deps, acme.tenant)
    assert report.created == 3
    assert {p: (lead.source, lead.timezone) for p, lead in stored.items()} == {
        "+12127365000": ("fair-2026", "America/New_York"),
        "+18005551234": ("fair-2026", None),  # toll-free: no single zone
        "+14155550123": ("fair-2026", "Europe/Paris"),  # the file's zone wins
    }
    assert all(lead.status is LeadStatus.NEW for lead in stored.values())


async def test_a_number_twice_in_one_file_is_one_lead_with_the_later_non_empty_values(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    text = csv_text(
        [
            ["phone", "name", "email", "a", "b"],
            ["+12127365000", "Ann", "first@example.com", "1", "x"],
            ["+1 (212) 736-5000", "", "second@example.com", "", "y"],
            ["001 212 736 5000", "Annie", "", "", ""],
        ]
    )

    report = await do_import(importer, acme, text, region="DE")

    assert counts(report) == (3, 1, 0, 0, 2, 0)
    [lead] = (await leads_of(deps, acme.tenant)).values()
    assert (lead.name, lead.email) == ("Annie", Email.parse("second@example.com"))
    assert lead.metadata == {"a": "1", "b": "y"}


async def test_changed_values_on_a_second_import_update_the_lead(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    await do_import(importer, acme, "phone,name\n+12127365000,Ann\n+14155550123,Bo\n")
    before = await leads_of(deps, acme.tenant)

    report = await do_import(importer, acme, "phone,name\n+12127365000,Anne\n+14155550123,Bo\n")

    assert counts(report) == (2, 0, 1, 1, 0, 0)
    after = await leads_of(deps, acme.tenant)
    assert after["+12127365000"].name == "Anne"
    assert after["+12127365000"].id == before["+12127365000"].id
    assert after["+12127365000"].version == before["+12127365000"].version + 1
    assert after["+14155550123"] == before["+14155550123"]


# --- columns --------------------------------------------------------------------------------


async def test_headers_match_ignoring_case_and_surrounding_space(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    text = " PHONE , Name,EMAIL ,TimeZone\n+12127365000,Ann,ann@example.com,Europe/Oslo\n"

    report = await do_import(importer, acme, text)

    assert report.created == 1
    lead = (await leads_of(deps, acme.tenant))["+12127365000"]
    assert (lead.name, lead.email, lead.timezone, lead.metadata) == (
        "Ann",
        Email.parse("ann@example.com"),
        "Europe/Oslo",
        {},
    )


async def test_custom_column_names(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    mapping = ColumnMapping(phone="Mobile", name="Full Name", email="E-Mail", timezone="tz")
    text = "mobile,full name,e-mail,TZ,phone\n+12127365000,Ann Lee,a@example.com,Asia/Tokyo,x\n"

    report = await do_import(importer, acme, text, mapping=mapping)

    assert (report.created, report.failed) == (1, 0)
    lead = (await leads_of(deps, acme.tenant))["+12127365000"]
    assert (lead.name, lead.email, lead.timezone) == (
        "Ann Lee",
        Email.parse("a@example.com"),
        "Asia/Tokyo",
    )
    assert lead.metadata == {"phone": "x"}  # not the phone column under this mapping


@pytest.mark.parametrize("field", ["phone", "name", "email", "timezone"])
async def test_a_custom_column_missing_from_the_header_is_refused_naming_it(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme, field: str
) -> None:
    mapping = ColumnMapping(**{field: "nowhere"})  # type: ignore[arg-type]

    with pytest.raises(InvalidValue) as raised:
        await do_import(
            importer, acme, "phone,name,email,timezone\n+12127365000,,,\n", mapping=mapping
        )

    assert raised.value.field == f"{field}_column"
    assert await leads_of(deps, acme.tenant) == {}


async def test_without_a_phone_column_nothing_is_imported(
    importer: LeadImportService, acme: Acme
) -> None:
    with pytest.raises(InvalidValue) as raised:
        await do_import(importer, acme, "mobile,name\n+12127365000,Ann\n")
    assert raised.value.field == "phone_column"


async def test_default_columns_other_than_phone_may_be_absent(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    report = await do_import(importer, acme, "phone\n+12127365000\n")
    assert report.created == 1
    lead = (await leads_of(deps, acme.tenant))["+12127365000"]
    assert (lead.name, lead.email, lead.metadata) == (None, None, {})


@pytest.mark.parametrize(
    ("extra", "metadata"), [(True, {"Company": "Initech", "Seats": "12"}), (False, {})]
)
async def test_other_columns_become_metadata_unless_extra_is_off(
    importer: LeadImportService,
    deps: UseCaseDeps,
    acme: Acme,
    extra: bool,
    metadata: dict[str, str],
) -> None:
    text = "phone,Company, Seats ,,Empty\n+12127365000,Initech,12,ignored,\n"

    await do_import(importer, acme, text, mapping=ColumnMapping(extra=extra))

    assert (await leads_of(deps, acme.tenant))["+12127365000"].metadata == metadata


# --- text formats ---------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
async def test_each_supported_delimiter(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme, delimiter: str
) -> None:
    others = [d for d in (",", ";", "\t", "|") if d != delimiter]
    name = "D" + "".join(others) + "oe"  # the other delimiters are plain characters
    text = csv_text(
        [["phone", "name"], ["+12127365000", name], ["+14155550123", f"a{delimiter}b"]],
        delimiter,
    )

    report = await do_import(importer, acme, text, delimiter=delimiter)

    assert (report.created, report.failed) == (2, 0)
    stored = await leads_of(deps, acme.tenant)
    assert stored["+12127365000"].name == name
    assert stored["+14155550123"].name == f"a{delimiter}b"


@pytest.mark.parametrize("delimiter", [":", "", ",,", " ", "\n"])
async def test_other_delimiters_are_refused(
    importer: LeadImportService, acme: Acme, delimiter: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        await do_import(importer, acme, "phone\n+12127365000\n", delimiter=delimiter)
    assert raised.value.field == "delimiter"


async def test_a_byte_order_mark_before_the_header_is_ignored(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    report = await do_import(importer, acme, "\ufeffphone,name\r\n+12127365000,Ann\r\n")
    assert report.created == 1
    assert (await leads_of(deps, acme.tenant))["+12127365000"].metadata == {}


async def test_national_numbers_need_the_country(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    text = "phone\n(212) 736-5000\n020 7946 0958\n"

    without = await do_import(importer, acme, text)
    assert (without.created, without.failed) == (0, 2)

    us = await do_import(importer, acme, text, region="us")
    assert (us.created, us.failed) == (1, 1)  # the London number is not a US one
    assert set(await leads_of(deps, acme.tenant)) == {"+12127365000"}

    with pytest.raises(InvalidValue) as raised:
        await do_import(importer, acme, text, region="XX")
    assert raised.value.field == "country"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "file"),
        ("\n\n", "file"),
        (" , \n\n", "file"),
        ("\ufeff\n+12127365000\n", "phone_column"),
    ],
)
async def test_a_file_without_a_header_is_refused(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme, text: str, field: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        await do_import(importer, acme, text)
    assert raised.value.field == field
    assert await leads_of(deps, acme.tenant) == {}


async def test_a_file_with_only_a_header_imports_nothing(
    importer: LeadImportService, acme: Acme
) -> None:
    report = await do_import(importer, acme, "phone,name\n")
    assert counts(report) == (0, 0, 0, 0, 0, 0)
    assert report.errors == ()


async def test_an_unreadable_record_refuses_the_whole_file(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme, audit_tap: AuditTap
) -> None:
    huge = '"' + "x" * (csv.field_size_limit() + 1) + '"'
    text = f"phone,name\n+12127365000,Ann\n+14155550123,{huge}\n"
    audit_tap.new()

    with mock.patch.object(lead_import, "BATCH_SIZE", 1), pytest.raises(InvalidValue) as raised:
        await do_import(importer, acme, text)  # a valid row comes first, in a batch of its own

    assert raised.value.field == "file"
    assert await leads_of(deps, acme.tenant) == {}
    assert audit_tap.new() == []


async def test_an_unreadable_header_is_the_files_fault(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    text = '"' + "h" * (csv.field_size_limit() + 1) + '"\n+12127365000\n'
    with pytest.raises(InvalidValue) as raised:
        await do_import(importer, acme, text)
    assert raised.value.field == "file"
    assert await leads_of(deps, acme.tenant) == {}


async def test_rows_of_one_number_far_apart_make_one_write_and_a_repeat_changes_nothing(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    between = [[p] for p in PHONES[1:]]
    rows = [["phone", "name"], [PHONES[0], "Ann"], *between, [PHONES[0], "Bo"]]

    with mock.patch.object(lead_import, "BATCH_SIZE", 2):
        first = await do_import(importer, acme, csv_text(rows))
        stored = await leads_of(deps, acme.tenant)
        second = await do_import(importer, acme, csv_text(rows))

    assert counts(first) == (len(rows) - 1, len(PHONES), 0, 0, 1, 0)
    assert (stored[PHONES[0]].name, stored[PHONES[0]].version) == ("Bo", 0)
    assert counts(second) == (len(rows) - 1, 0, 0, len(PHONES), 1, 0)
    assert await leads_of(deps, acme.tenant) == stored


# --- memory ---------------------------------------------------------------------------------


async def test_a_file_is_read_and_staged_a_batch_at_a_time_then_merged_by_the_store(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    """What an import holds is a batch, whatever the file's size: rows are staged while the
    file is still being read, and the store merges them into the lead book once it is read
    (the import gathers nothing of the file)."""
    batch = 10
    known = ["+1212555" + f"{n:04d}" for n in range(0, 100, 7)]
    for phone in known:
        await LeadService(deps).create_lead(
            me(acme.owner), CreateLead(acme.tenant.id, PhoneNumber(phone), name="Known")
        )
    phones = [f"+1212555{n:04d}" for n in range(100)]
    text = csv_text([["phone", "name"], *[[p, f"Lead {p}"] for p in phones], ["bad", ""]])
    stream = io.StringIO(text, newline="")
    staged: list[tuple[int, int]] = []  # (rows staged, characters of the file read by then)
    merged: list[int] = []  # rows staged by then
    stage, merge = InMemoryLeadRepository.stage, InMemoryLeadRepository.merge_staged

    async def staging(repo: InMemoryLeadRepository, rows: Sequence[StagedLead]) -> None:
        staged.append((len(rows), stream.tell()))
        await stage(repo, rows)

    async def merging(repo: InMemoryLeadRepository, *args: Any, **kwargs: Any) -> StagedMerge:
        merged.append(sum(size for size, _ in staged))
        return await merge(repo, *args, **kwargs)

    with (
        mock.patch.object(lead_import, "BATCH_SIZE", batch),
        mock.patch.object(InMemoryLeadRepository, "stage", staging),
        mock.patch.object(InMemoryLeadRepository, "merge_staged", merging),
    ):
        report = await importer.import_leads(me(acme.owner), ImportLeads(acme.tenant.id, stream))

    assert counts(report) == (101, 100 - len(known), len(known), 0, 0, 1)
    assert [size for size, _ in staged] == [batch] * 10
    # Each batch was staged as soon as it was read: the rest of the file was still unread.
    read_by_then = [at for _, at in staged]
    assert read_by_then == sorted(read_by_then)
    assert read_by_then[0] < len(text) / 5
    assert merged == [100]
    stored = await leads_of(deps, acme.tenant)
    assert {lead.name for lead in stored.values()} == {f"Lead {p}" for p in phones}


async def test_a_batch_of_long_rows_ends_early(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    """A batch is bounded by its characters too, so long rows never make a large one."""
    phones = [f"+1212555{n:04d}" for n in range(20)]
    text = csv_text([["phone", "notes"], *[[p, "n" * 300] for p in phones]])
    staged: list[int] = []
    stage = InMemoryLeadRepository.stage

    async def staging(repo: InMemoryLeadRepository, rows: Sequence[StagedLead]) -> None:
        staged.append(len(rows))
        await stage(repo, rows)

    with (
        mock.patch.object(lead_import, "BATCH_CHARACTERS", 1000),
        mock.patch.object(InMemoryLeadRepository, "stage", staging),
    ):
        report = await do_import(importer, acme, text)

    assert report.created == len(phones)
    assert sum(staged) == len(phones)
    assert max(staged) <= 4  # past 1000 characters at the fourth row of 312


async def test_a_text_stream_is_imported_like_the_same_text(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    raw = '\ufeffphone,name\r\n+12127365000,Zoë\r\n\r\nnope,x\r\n+14155550123,"Lee,\nAl"\r\n'
    stream = io.TextIOWrapper(io.BytesIO(raw.encode()), encoding="utf-8", newline="")

    report = await do_import(importer, acme, stream)  # type: ignore[arg-type]

    assert counts(report) == (3, 2, 0, 0, 0, 1)
    assert [(e.row, e.field) for e in report.errors] == [(4, "phone")]
    stored = await leads_of(deps, acme.tenant)
    assert (stored["+12127365000"].name, stored["+14155550123"].name) == ("Zoë", "Lee,\nAl")
    assert stored["+12127365000"].metadata == {}


async def test_a_stream_that_is_not_utf8_is_refused_whole(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme
) -> None:
    raw = ("phone,name\n" + "+12127365000,Ann\n" * 3000 + "+14155550123,Zoë\n").encode("latin-1")
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")

    with (
        mock.patch.object(lead_import, "BATCH_SIZE", 2),
        pytest.raises(InvalidValue, match="UTF-8") as refused,
    ):
        await do_import(importer, acme, stream)  # type: ignore[arg-type]

    assert refused.value.field == "file"
    assert await leads_of(deps, acme.tenant) == {}


# --- progress and roles ---------------------------------------------------------------------


@pytest.mark.parametrize("bad_rows", [1, 2500])
async def test_progress_is_told_of_every_row(
    importer: LeadImportService, acme: Acme, bad_rows: int
) -> None:
    rows = [["phone"], *[[p] for p in PHONES], ["+12127365000"], [], *[["bad"]] * bad_rows]
    told: list[int] = []

    with mock.patch.object(lead_import, "BATCH_SIZE", 2):
        report = await importer.import_leads(
            me(acme.owner), ImportLeads(acme.tenant.id, csv_text(rows)), told.append
        )

    assert report.rows == len(PHONES) + 1 + bad_rows
    assert sum(told) == report.rows
    assert all(step >= 0 for step in told)


async def test_reading_a_large_file_lets_other_work_run(
    importer: LeadImportService, acme: Acme
) -> None:
    """The server keeps answering other requests while a big file is parsed."""
    turns = 0
    stop = asyncio.Event()

    async def other_request() -> None:
        nonlocal turns
        while not stop.is_set():
            turns += 1
            await asyncio.sleep(0)

    bad = ["bad"] * (3 * lead_import.BATCH_SIZE)
    seen_at_progress: list[int] = []
    other = asyncio.create_task(other_request())
    try:
        await importer.import_leads(
            me(acme.owner),
            ImportLeads(acme.tenant.id, csv_text([["phone"], *[[b] for b in bad]])),
            lambda _: seen_at_progress.append(turns),
        )
    finally:
        stop.set()
        await other

    # Progress is told every batch of the reading; between two such calls the other task
    # must have had turns, which it only gets when the reading yields.
    assert len(seen_at_progress) >= 2
    assert seen_at_progress[-1] - seen_at_progress[0] >= len(bad) // lead_import.YIELD_EVERY // 2


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.VIEWER, False), (Role.MEMBER, True), (Role.ADMIN, True)]
)
async def test_members_import_and_viewers_may_not(
    importer: LeadImportService,
    deps: UseCaseDeps,
    world: World,
    acme: Acme,
    role: Role,
    allowed: bool,
) -> None:
    user = await world.user(f"{role}@acme.example")
    await MembershipService(deps).add_member(
        PLATFORM, AddMember(acme.tenant.id, role, user_id=user.id)
    )
    cmd = ImportLeads(acme.tenant.id, "phone\n+12127365000\n")

    if allowed:
        assert (await importer.import_leads(me(user), cmd)).created == 1
        assert set(await leads_of(deps, acme.tenant)) == {"+12127365000"}
    else:
        with pytest.raises(PermissionDenied):
            await importer.import_leads(me(user), cmd)
        assert await leads_of(deps, acme.tenant) == {}


async def test_a_stranger_cannot_import_into_a_tenant(
    importer: LeadImportService, deps: UseCaseDeps, world: World, acme: Acme
) -> None:
    stranger = await world.user("stranger@elsewhere.example")
    with pytest.raises(NotFound):
        await importer.import_leads(
            me(stranger), ImportLeads(acme.tenant.id, "phone\n+12127365000\n")
        )
    assert await leads_of(deps, acme.tenant) == {}


async def test_a_stranger_is_refused_before_the_file_is_read(
    importer: LeadImportService, deps: UseCaseDeps, world: World, acme: Acme
) -> None:
    """A file that cannot be read at all still gets NotFound: nothing of it is looked at."""
    stranger = await world.user("stranger@elsewhere.example")
    with pytest.raises(NotFound):
        await importer.import_leads(
            me(stranger), ImportLeads(acme.tenant.id, "\n" * 50 + "no phone column\n")
        )
    with pytest.raises(NotFound):
        await importer.check_access(me(stranger), acme.tenant.id)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("phone,na\x00me\n+12127365000,x\n", "NUL"),
        ("phone\n" + "x" * (lead_import.MAX_LINE_LENGTH + 1) + "\n", "longer than"),
        ("phone," + ",".join(f"c{i}" for i in range(lead_import.MAX_COLUMNS)) + "\n", "columns"),
    ],
    ids=["NUL in the header", "a line too long", "too many columns"],
)
async def test_a_file_that_would_be_costly_or_unstorable_is_refused_whole(
    importer: LeadImportService, deps: UseCaseDeps, acme: Acme, text: str, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message) as refused:
        await importer.import_leads(me(acme.owner), ImportLeads(acme.tenant.id, text))
    assert refused.value.field == "file"
    assert await leads_of(deps, acme.tenant) == {}


async def test_blank_lines_let_other_work_run_too(importer: LeadImportService, acme: Acme) -> None:
    turns = 0
    stop = asyncio.Event()

    async def other_request() -> None:
        nonlocal turns
        while not stop.is_set():
            turns += 1
            await asyncio.sleep(0)

    blank = 50 * lead_import.YIELD_EVERY
    other = asyncio.create_task(other_request())
    try:
        report = await importer.import_leads(
            me(acme.owner),
            ImportLeads(acme.tenant.id, "\n" * blank + "phone\n" + "\n" * blank + "+12127365000\n"),
        )
    finally:
        stop.set()
        await other

    assert report.created == 1
    # Without yielding on blank records the other task would get only the few turns the
    # import's own database awaits give it.
    assert turns >= 2 * blank // lead_import.YIELD_EVERY // 2


async def test_an_import_touches_only_its_own_tenant(
    importer: LeadImportService, deps: UseCaseDeps, world: World, acme: Acme
) -> None:
    other_owner = await world.user("owner@globex.example")
    globex = await world.tenant(other_owner, "Globex")
    theirs = await LeadService(deps).create_lead(
        me(other_owner),
        CreateLead(globex.id, PhoneNumber.parse("+12127365000"), name="Theirs"),
    )

    report = await do_import(importer, acme, "phone,name\n+12127365000,Mine\n")

    assert counts(report) == (1, 1, 0, 0, 0, 0)
    assert (await leads_of(deps, acme.tenant))["+12127365000"].name == "Mine"
    assert (await leads_of(deps, globex))["+12127365000"] == theirs


# --- worker processes -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workers() -> Iterator[ProcessWorkerPool]:
    """One worker process for the module's tests (it takes a moment to start)."""
    pool = ProcessWorkerPool(1)
    try:
        yield pool
    finally:
        asyncio.run(pool.close())


def what_was_imported(report: ImportReport, stored: dict[str, Lead]) -> Any:
    """A report and a lead book, less what differs between two runs (ids)."""
    book = {
        phone: (lead.name, lead.email, lead.timezone, lead.metadata, lead.source, lead.version)
        for phone, lead in stored.items()
    }
    return (counts(report), report.errors, book)


@settings(max_examples=25, deadline=None)
@given(
    existing=st.sets(st.sampled_from(PHONES), max_size=3),
    content=st.lists(lines, max_size=40),
    batch_size=st.sampled_from([1, 2, 3, 1000]),
)
def test_workers_import_a_file_as_this_process_does(
    workers: ProcessWorkerPool, existing: set[str], content: list[tuple[str, Any]], batch_size: int
) -> None:
    """The same report (errors in file order) and the same leads whether the rows are checked
    here or in a worker process, batches being checked in both at once and staged as they
    come."""
    rows: list[list[str]] = [HEADER]
    for kind, value in content:
        rows.append(value[1] if kind == "good" else BAD_ROWS[value][0] if kind == "bad" else [])
    text = csv_text(rows)

    async def imported(pool: ProcessWorkerPool | None) -> Any:
        f = fresh()
        owner = await f.world.user("owner@acme.example")
        tenant = await f.world.tenant(owner, "Acme")
        for phone in sorted(existing):
            await LeadService(f.deps).create_lead(
                me(owner), CreateLead(tenant.id, PhoneNumber(phone), name="Known")
            )
        told: list[int] = []
        with mock.patch.object(lead_import, "BATCH_SIZE", batch_size):
            report = await LeadImportService(f.deps, pool).import_leads(
                me(owner), ImportLeads(tenant.id, text, region="DE"), told.append
            )
        assert sum(told) == report.rows
        return what_was_imported(report, await leads_of(f.deps, tenant))

    assert run(imported(workers)) == run(imported(None))


async def test_a_file_refused_midway_with_workers_leaves_nothing_and_they_serve_on(
    workers: ProcessWorkerPool, deps: UseCaseDeps, acme: Acme
) -> None:
    good = "".join(f"+1212555{n:04d},Lead\n" for n in range(50))
    raw = ("phone,name\n" + good + "+14155550123,Zoë\n" + good).encode("latin-1")
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")
    importer = LeadImportService(deps, workers)

    with mock.patch.object(lead_import, "BATCH_SIZE", 5), pytest.raises(InvalidValue, match="UTF"):
        await do_import(importer, acme, stream)  # type: ignore[arg-type]

    assert await leads_of(deps, acme.tenant) == {}
    report = await do_import(importer, acme, "phone,name\n" + good)
    assert report.created == 50


async def test_an_import_failing_at_the_database_with_workers_leaves_nothing(
    workers: ProcessWorkerPool, deps: UseCaseDeps, acme: Acme
) -> None:
    text = "phone,name\n" + "".join(f"+1212555{n:04d},Lead\n" for n in range(60))
    stage = InMemoryLeadRepository.stage
    staged: list[int] = []

    async def failing(repo: InMemoryLeadRepository, rows: Sequence[StagedLead]) -> None:
        staged.append(len(rows))
        if len(staged) == 4:
            raise RuntimeError("the database went away")
        await stage(repo, rows)

    with (
        mock.patch.object(lead_import, "BATCH_SIZE", 5),
        mock.patch.object(InMemoryLeadRepository, "stage", failing),
        pytest.raises(RuntimeError, match="went away"),
    ):
        await do_import(LeadImportService(deps, workers), acme, text)

    assert await leads_of(deps, acme.tenant) == {}
    assert (await do_import(LeadImportService(deps, workers), acme, text)).created == 60


async def test_a_cancelled_import_with_workers_leaves_nothing_and_they_serve_on(
    workers: ProcessWorkerPool, deps: UseCaseDeps, acme: Acme
) -> None:
    """As when the client goes away or the server stops mid-import."""
    text = "phone,name\n" + "".join(f"+1212555{n:04d},Lead\n" for n in range(400))
    stage = InMemoryLeadRepository.stage
    staging = asyncio.Event()

    async def slow(repo: InMemoryLeadRepository, rows: Sequence[StagedLead]) -> None:
        staging.set()
        await stage(repo, rows)
        await asyncio.sleep(0.01)

    with (
        mock.patch.object(lead_import, "BATCH_SIZE", 5),
        mock.patch.object(InMemoryLeadRepository, "stage", slow),
    ):
        task = asyncio.create_task(do_import(LeadImportService(deps, workers), acme, text))
        await staging.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert await leads_of(deps, acme.tenant) == {}
    assert (await do_import(LeadImportService(deps, workers), acme, text)).created == 400
