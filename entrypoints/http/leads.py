"""/v1/tenants/{tenant_id}/leads: the lead book, lookup by phone, call history, CSV import."""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import IO, Annotated, Any, TextIO
from uuid import UUID

import msgspec
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from application.lead_import import ColumnMapping, ImportLeads, ImportReport
from application.leads import CreateLead, UpdateLead
from application.ports.leads import LeadFilter
from domain.ids import CallId, LeadId, TenantId
from domain.leads import Lead, LeadStatus
from domain.phones import PhoneNumber
from domain.values import Email
from entrypoints.http.calls import CallPage, call_page
from entrypoints.http.phone_numbers import Country, PhoneText
from entrypoints.http.problems import BadRequest, RequestInvalid, TooManyRequests
from entrypoints.http.requests import (
    body,
    changes,
    page_request,
    path_id,
    principal,
    query_bool,
    query_enum,
    query_text,
    receive_limited,
    tenant_id,
)
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, created, reply, use_cases
from entrypoints.http.schemas import (
    Body,
    CreatedAt,
    EmailText,
    Instant,
    Items,
    NextCursor,
    RecordVersion,
    TenantRef,
    UpdatedAt,
    Version,
)
from entrypoints.http.serving import UPLOAD_MAX_BYTES

LeadName = Annotated[
    str, msgspec.Meta(max_length=255, description="The lead's name.", examples=["Ada Lovelace"])
]
Source = Annotated[
    str, msgspec.Meta(max_length=100, description="Where the lead came from.", examples=["website"])
]
TimeZone = Annotated[
    str,
    msgspec.Meta(max_length=64, description="An IANA time zone.", examples=["America/Los_Angeles"]),
]
Status = Annotated[LeadStatus, msgspec.Meta(description="Where the lead stands.", examples=["new"])]
DoNotCall = Annotated[
    bool, msgspec.Meta(description="true: no call is placed to the lead.", examples=[False])
]
LeadMetadata = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="Free-form data about the lead (an import puts its other columns here).",
        examples=[{"plan": "gold"}],
    ),
]
Count = Annotated[int, msgspec.Meta(ge=0, examples=[120])]
Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


class CreateLeadIn(Body):
    """A new lead: one per number in a tenant."""

    phone: PhoneText
    country: Country | None = None
    name: LeadName | None = None
    email: EmailText | None = None
    source: Source | None = None
    status: Status = LeadStatus.NEW
    timezone: TimeZone | None = None
    do_not_call: DoNotCall = False
    metadata: LeadMetadata = {}


class UpdateLeadIn(Body):
    """A change to a lead; fields left out stay, null clears."""

    phone: PhoneText | Unset = UNSET
    country: Country | None = None
    """Only to read `phone`; not stored."""
    name: LeadName | Unset | None = UNSET
    email: EmailText | Unset | None = UNSET
    source: Source | Unset | None = UNSET
    status: Status | Unset = UNSET
    timezone: TimeZone | Unset | None = UNSET
    do_not_call: DoNotCall | Unset = UNSET
    metadata: LeadMetadata | Unset = UNSET
    version: Version | None = None


class MarkContactedIn(Body):
    """A contact made now, optionally by one of the lead's calls."""

    call_id: Annotated[UUID, msgspec.Meta(description="The call that made it.")] | None = None


class LeadOut(msgspec.Struct, tag_field="object", tag="lead"):
    """A lead of the tenant: someone to call, known by their number."""

    id: Annotated[UUID, msgspec.Meta(description="The lead's id.")]
    tenant_id: TenantRef
    name: Annotated[
        str | None, msgspec.Meta(description="The lead's name.", examples=["Ada Lovelace"])
    ]
    phone: Annotated[str, msgspec.Meta(description="The number, E.164.", examples=["+14155550123"])]
    email: Annotated[
        str | None, msgspec.Meta(description="An email address.", examples=["ada@example.com"])
    ]
    source: Annotated[
        str | None, msgspec.Meta(description="Where the lead came from.", examples=["website"])
    ]
    status: Status
    timezone: Annotated[
        str | None, msgspec.Meta(description="An IANA time zone.", examples=["America/Los_Angeles"])
    ]
    do_not_call: DoNotCall
    metadata: LeadMetadata
    last_contacted_at: Annotated[
        Instant | None, msgspec.Meta(description="When it was last contacted; null: never.")
    ]
    last_call_id: Annotated[
        UUID | None, msgspec.Meta(description="The call of the last contact, when one made it.")
    ]
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, lead: Lead) -> LeadOut:
        return cls(
            lead.id,
            lead.tenant_id,
            lead.name,
            lead.phone.e164,
            lead.email.value if lead.email else None,
            lead.source,
            lead.status,
            lead.timezone,
            lead.do_not_call,
            lead.metadata,
            lead.last_contacted_at,
            lead.last_call_id,
            lead.version,
            lead.created_at,
            lead.updated_at,
        )


class LeadPage(msgspec.Struct):
    """A page of the tenant's leads, newest first."""

    items: Annotated[list[LeadOut], Items]
    next_cursor: NextCursor


class RowErrorOut(msgspec.Struct):
    """A row of the file that was not imported, and why."""

    row: Annotated[
        int, msgspec.Meta(description="The record number: the header is row 1.", examples=[7])
    ]
    field: Annotated[str, msgspec.Meta(description="The bad field.", examples=["phone"])]
    message: Annotated[
        str, msgspec.Meta(description="What is wrong with it.", examples=["not a phone number"])
    ]


class ImportReportOut(msgspec.Struct, tag_field="object", tag="lead_import"):
    """What a CSV import did: counts by outcome and the first errors. Not stored: the
    answer to the import is the only copy (its id is in the audit trail)."""

    id: Annotated[UUID, msgspec.Meta(description="The import's id, as the audit trail names it.")]
    rows: Annotated[Count, msgspec.Meta(description="Rows read, the header left out.")]
    created: Annotated[Count, msgspec.Meta(description="Leads added.")]
    updated: Annotated[Count, msgspec.Meta(description="Known leads changed by a row.")]
    unchanged: Annotated[Count, msgspec.Meta(description="Known leads a row left as they were.")]
    duplicates: Annotated[
        Count,
        msgspec.Meta(
            description="Rows repeating an earlier number of the file (merged into its lead)."
        ),
    ]
    failed: Annotated[Count, msgspec.Meta(description="Rows refused.")]
    errors: Annotated[
        list[RowErrorOut],
        msgspec.Meta(description="The first 1000 refused rows; `failed` counts them all."),
    ]

    @classmethod
    def of(cls, r: ImportReport) -> ImportReportOut:
        return cls(
            r.id,
            r.rows,
            r.created,
            r.updated,
            r.unchanged,
            r.duplicates,
            r.failed,
            [RowErrorOut(e.row, e.field, e.message) for e in r.errors],
        )


def _lead_id(request: web.Request) -> LeadId:
    return LeadId(path_id(request, "lead_id"))


async def create_lead(request: web.Request) -> web.Response:
    """Create a lead (members and up). The phone is read in any format and stored as E.164
    (`country` reads one written without +); one lead per number in a tenant, so a duplicate is
    a 409 carrying the existing lead's id in `existing_id`."""
    data = await body(request, CreateLeadIn)
    lead = await use_cases(request).leads.create_lead(
        principal(request),
        CreateLead(
            tenant_id=tenant_id(request),
            phone=PhoneNumber.parse(data.phone, region=data.country),
            name=data.name,
            email=Email.parse(data.email) if data.email else None,
            source=data.source,
            status=data.status,
            timezone=data.timezone,
            do_not_call=data.do_not_call,
            metadata=data.metadata,
        ),
    )
    return created(LeadOut.of(lead), f"/v1/tenants/{lead.tenant_id}/leads/{lead.id}")


async def list_leads(request: web.Request) -> web.Response:
    """The tenant's leads, newest first, a page at a time (any role), filtered by status,
    source, do-not-call, whether contacted, and text in the name, phone or email."""
    where = LeadFilter(
        status=query_enum(request, "status", LeadStatus),
        source=query_text(request, "source", max_len=100),
        do_not_call=query_bool(request, "do_not_call"),
        contacted=query_bool(request, "contacted"),
        text=query_text(request, "q"),
    )
    page = await use_cases(request).leads.list_leads(
        principal(request), tenant_id(request), where, page_request(request)
    )
    return reply(LeadPage([LeadOut.of(lead) for lead in page.items], page.next_cursor))


async def lookup_lead(request: web.Request) -> web.Response:
    """The lead with a phone number, however either was written (any role); 404 when the tenant
    has none."""
    raw = query_text(request, "phone", max_len=64)
    if raw is None:
        raise RequestInvalid("give the number to look up in ?phone=", field="phone")
    phone = PhoneNumber.parse(raw, region=query_text(request, "country", max_len=2))
    lead = await use_cases(request).leads.lead_by_phone(
        principal(request), tenant_id(request), phone
    )
    return reply(LeadOut.of(lead))


async def get_lead(request: web.Request) -> web.Response:
    """One of the tenant's leads (any role)."""
    lead = await use_cases(request).leads.get_lead(
        principal(request), tenant_id(request), _lead_id(request)
    )
    return reply(LeadOut.of(lead))


async def update_lead(request: web.Request) -> web.Response:
    """Change a lead (members and up): fields left out stay, null clears. A phone another lead
    of the tenant has is a 409. Send the `version` you read to be refused (409) if someone
    changed it since."""
    data = await body(request, UpdateLeadIn)
    found = changes(
        data, email=Email.parse, phone=lambda raw: PhoneNumber.parse(raw, region=data.country)
    )
    found.pop("country", None)
    lead = await use_cases(request).leads.update_lead(
        principal(request), UpdateLead(tenant_id(request), _lead_id(request), found, data.version)
    )
    return reply(LeadOut.of(lead))


async def mark_contacted(request: web.Request) -> web.Response:
    """Record a contact with the lead now (members and up), by one of the lead's calls when
    `call_id` is given; a new lead becomes `contacted`."""
    data = await body(request, MarkContactedIn)
    lead = await use_cases(request).leads.mark_contacted(
        principal(request),
        tenant_id(request),
        _lead_id(request),
        CallId(data.call_id) if data.call_id else None,
    )
    return reply(LeadOut.of(lead))


async def delete_lead(request: web.Request) -> web.Response:
    """Delete a lead (members and up). Its calls stay, with their costs, no longer linked to it."""
    await use_cases(request).leads.delete_lead(
        principal(request), tenant_id(request), _lead_id(request)
    )
    return reply(None, 204)


async def call_history(request: web.Request) -> web.Response:
    """The lead's calls, newest first, a page at a time (any role), as the call list shows them."""
    page = await use_cases(request).leads.call_history(
        principal(request), tenant_id(request), _lead_id(request), page_request(request)
    )
    return reply(call_page(page))


# An import holds a database connection and its file while it runs; a minute is about
# what a large one takes, so a few seconds is a fair first wait.
IMPORT_RETRY_SECONDS = 10
# Up to this much of an upload stays in memory; the rest waits in a temporary file
# (in TMPDIR) until it is read, a line at a time.
UPLOAD_SPOOL_MEMORY_BYTES = 1024 * 1024


class ImportSlots:
    """At most `limit` CSV imports at once in this process, and one per tenant: each holds a
    database connection and a batch of rows while it runs, and a second import into a
    tenant would only wait for the first one's tenant lock, holding a slot meanwhile."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._tenants: set[TenantId] = set()

    def check(self) -> None:
        """TooManyRequests when every slot is taken: an import arriving now is refused before
        its file is received."""
        if self.in_use >= self.limit:
            raise TooManyRequests(
                f"{self.limit} lead imports are running on this server, as many as it runs "
                "at once; retry shortly",
                retry_after_seconds=IMPORT_RETRY_SECONDS,
            )

    def is_importing(self, tenant_id: TenantId) -> bool:
        """Whether an import into the tenant is here, from its upload to its end."""
        return tenant_id in self._tenants

    @contextlib.contextmanager
    def tenant(self, tenant_id: TenantId) -> Iterator[None]:
        """The tenant's one import in this process, from the upload to the end of the import:
        TooManyRequests when another is here already (ask only once the caller may import
        into the tenant: the answer tells of the tenant's activity)."""
        if tenant_id in self._tenants:
            raise TooManyRequests(
                "an import into this tenant is already running; retry when it has finished",
                retry_after_seconds=IMPORT_RETRY_SECONDS,
            )
        self._tenants.add(tenant_id)
        try:
            yield
        finally:
            self._tenants.discard(tenant_id)

    @contextlib.contextmanager
    def take(self) -> Iterator[None]:
        """A slot, taken once the file is received: TooManyRequests when every slot is taken;
        the slot is given back on leaving."""
        self.check()
        self.in_use += 1
        try:
            yield
        finally:
            self.in_use -= 1


IMPORT_SLOTS = web.AppKey("import_slots", ImportSlots)


async def _spool_csv(request: web.Request, spool: IO[bytes]) -> None:
    """Receive the uploaded file into `spool`: a text/csv body, or the `file` part of a
    multipart form."""
    limit = request.app[UPLOAD_MAX_BYTES]
    if request.content_type in ("text/csv", "text/plain", "application/csv"):
        await receive_limited(lambda: request.content.read(1 << 16), limit, spool)
        return
    if request.content_type == "multipart/form-data":
        try:
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if isinstance(part, BodyPartReader) and part.name == "file":
                    await receive_limited(part.read_chunk, limit, spool)
                    return
        except (HttpProcessingError, RequestPayloadError, ValueError, AssertionError) as error:
            # aiohttp's multipart reader says "malformed" in several ways (a missing
            # boundary is an AssertionError); all of them are the client's.
            raise BadRequest(f"the multipart body cannot be read: {error}") from None
        raise RequestInvalid("the form has no `file` part", field="file")
    raise BadRequest("send the CSV as text/csv, or as the `file` field of multipart/form-data")


@contextlib.asynccontextmanager
async def _received_csv(request: web.Request) -> AsyncIterator[TextIO]:
    """The uploaded file, received whole before the import starts (a slow client never
    holds a transaction open) and read back as UTF-8 text a line at a time."""
    with tempfile.SpooledTemporaryFile(max_size=UPLOAD_SPOOL_MEMORY_BYTES) as spool:
        await _spool_csv(request, spool)
        spool.seek(0)
        # newline="": line breaks inside quoted fields reach the CSV reader as they are.
        with io.TextIOWrapper(spool, encoding="utf-8", newline="") as text:
            yield text


async def import_leads(request: web.Request) -> web.Response:
    """Import leads from a CSV file (members and up), sent as text/csv or as the `file` part of
    a multipart form, UTF-8, with a header row. Valid rows are written together; a number
    already in the lead book updates its lead; bad rows are counted and the first 1000 reported
    by row and field. A file that cannot be read (no phone column, not UTF-8) is refused whole.
    The query names the columns, delimiter, source and country. While the server runs as many
    imports as it allows, or one into this tenant, the answer is 429 with Retry-After."""
    slots = request.app[IMPORT_SLOTS]
    tenant = tenant_id(request)
    # Refused before anything is read or asked of the database when no slot is free, so an
    # import over the cap costs the server nothing.
    slots.check()
    await use_cases(request).lead_import.check_access(principal(request), tenant)
    mapping = ColumnMapping(
        phone=query_text(request, "phone_column") or "phone",
        name=query_text(request, "name_column") or "name",
        email=query_text(request, "email_column") or "email",
        timezone=query_text(request, "timezone_column") or "timezone",
        extra=query_bool(request, "extra") is not False,
    )
    region = query_text(request, "country", max_len=2)
    source = query_text(request, "source", max_len=100) or "import"
    delimiter = query_text(request, "delimiter", max_len=1) or ","
    # The upload is received without a slot: a slow or stalled client holds only its own
    # tenant's turn, never the server's imports.
    with slots.tenant(tenant):
        async with _received_csv(request) as text:
            with slots.take():
                report = await use_cases(request).lead_import.import_leads(
                    principal(request),
                    ImportLeads(
                        tenant, text, mapping, region=region, source=source, delimiter=delimiter
                    ),
                )
    return reply(ImportReportOut.of(report))


LEADS = "/v1/tenants/{tenant_id}/leads"
LEAD = LEADS + "/{lead_id}"
WRITE = (400, 403, 404, 409, 422)
BOOLEAN = {"type": "boolean"}

LIST_PARAMS = (
    QueryParam(
        "status",
        "Only leads in this status.",
        {"type": "string", "enum": [s.value for s in LeadStatus]},
    ),
    QueryParam("source", "Only leads from this source (exact)."),
    QueryParam("do_not_call", "true: only do-not-call leads; false: only callable ones.", BOOLEAN),
    QueryParam("contacted", "true: only leads contacted at least once; false: never.", BOOLEAN),
    QueryParam("q", "Text in the name, phone or email (any letter case)."),
    *PAGE_PARAMS,
)
LOOKUP_PARAMS = (
    QueryParam("phone", "The number in any format, e.g. +1 415-555-0123."),
    QueryParam("country", "ISO 3166 country for a number written without +, e.g. US."),
)
IMPORT_PARAMS = (
    QueryParam("country", "ISO 3166 country for numbers written without +, e.g. US."),
    QueryParam("source", "Source of the leads this import creates (default import)."),
    QueryParam("phone_column", "Header of the phone column (default phone)."),
    QueryParam("name_column", "Header of the name column (default name)."),
    QueryParam("email_column", "Header of the email column (default email)."),
    QueryParam("timezone_column", "Header of the IANA time zone column (default timezone)."),
    QueryParam("extra", "false: ignore other columns; by default they go into metadata.", BOOLEAN),
    QueryParam("delimiter", "Field delimiter: , ; | or a tab (default ,)."),
)

ROUTES = [
    Endpoint("GET", LEADS, list_leads, "List leads, newest first, with filters", "leads",
             response=LeadPage, query=LIST_PARAMS, errors=(403, 404, 422)),
    Endpoint("POST", LEADS, create_lead,
             "Create a lead (one per number: a duplicate is a 409 with existing_id; members)",
             "leads", body=CreateLeadIn, response=LeadOut, status=201, errors=WRITE),
    Endpoint("GET", LEADS + "/lookup", lookup_lead, "Find the lead with a number, in any format",
             "leads", response=LeadOut, query=LOOKUP_PARAMS, errors=(403, 404, 422)),
    Endpoint("POST", LEADS + "/import", import_leads,
             "Import leads from CSV (text/csv or multipart `file`): valid rows are imported, "
             "bad ones reported by row; a known number updates its lead (members)",
             "leads", response=ImportReportOut, query=IMPORT_PARAMS,
             errors=(400, 403, 404, 413, 422, 429), upload=True),
    Endpoint("GET", LEAD, get_lead, "Get a lead", "leads", response=LeadOut, errors=(403, 404)),
    Endpoint("PATCH", LEAD, update_lead,
             "Change a lead; fields left out stay, null clears (members)", "leads",
             body=UpdateLeadIn, response=LeadOut, errors=WRITE),
    Endpoint("DELETE", LEAD, delete_lead, "Delete a lead; its calls stay, unlinked (members)",
             "leads", status=204, errors=(403, 404)),
    Endpoint("POST", LEAD + "/contacted", mark_contacted,
             "Record a contact now, optionally by one of the lead's calls (members)", "leads",
             body=MarkContactedIn, response=LeadOut, errors=WRITE),
    Endpoint("GET", LEAD + "/calls", call_history, "The lead's calls, newest first", "leads",
             response=CallPage, query=PAGE_PARAMS, errors=(403, 404, 422)),
]  # fmt: skip
