"""Importing leads from CSV: valid rows are imported, bad ones reported by row number, and
a lead already in the tenant (same number) is updated, never duplicated."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.ports import StagedLead, UnitOfWork
from domain.errors import DomainError, InvalidValue
from domain.ids import LeadId, TenantId
from domain.leads import Lead, check_time_zone
from domain.phones import PhoneNumber, check_region
from domain.values import Email

BATCH_SIZE = 1000
"""Rows staged, and leads written, at a time: what an import holds in memory."""
MAX_LISTED_ERRORS = 1000
MAX_NAME_LENGTH = 255
DELIMITERS = (",", ";", "\t", "|")

PROGRESS_EVERY = 1000
MAX_COLUMNS = 1000
# A line is parsed in one go; bounding its length bounds the time the server is busy and
# the memory one line takes.
MAX_LINE_LENGTH = 1024 * 1024
YIELD_EVERY = 10

Progress = Callable[[int], None]
"""Told how many more data rows were read (valid or not); writing follows the reading."""


@attrs.frozen
class ColumnMapping:
    """Which CSV header names hold each field (matched ignoring case and surrounding space).
    With `extra`, every other non-empty column goes into the lead's metadata."""

    phone: str = "phone"
    name: str = "name"
    email: str = "email"
    timezone: str = "timezone"
    extra: bool = True


@attrs.frozen
class ImportLeads:
    tenant_id: TenantId
    text: str | TextIO
    """The CSV: all of it, or a text stream opened with newline="" (so line breaks inside
    quoted fields survive), read a line at a time."""
    mapping: ColumnMapping = ColumnMapping()
    region: str | None = None
    """Country for numbers written without + (e.g. "US")."""
    source: str = "import"
    """The source of leads this import creates; existing leads keep theirs."""
    delimiter: str = ","


@attrs.frozen
class RowError:
    row: int
    """The record number in the file: the header is row 1, the first lead row 2."""
    field: str
    message: str


@attrs.frozen
class ImportReport:
    id: LeadId
    rows: int
    created: int
    updated: int
    unchanged: int
    duplicates: int
    """Rows whose number appeared earlier in the file: merged into that lead."""
    failed: int
    errors: tuple[RowError, ...]
    """The first MAX_LISTED_ERRORS errors; `failed` counts them all."""


@attrs.frozen
class _Columns:
    phone: int
    name: int | None
    email: int | None
    timezone: int | None
    extra: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, header: Sequence[str], mapping: ColumnMapping) -> _Columns:
        names = [h.strip() for h in header]
        if names and names[0].startswith("\ufeff"):
            names[0] = names[0][1:]
        index = {n.lower(): i for i, n in reversed(list(enumerate(names))) if n}
        defaults = ColumnMapping()

        def find(field: str) -> int | None:
            wanted = getattr(mapping, field)
            found = index.get(wanted.strip().lower())
            if found is None and wanted != getattr(defaults, field):
                raise InvalidValue(
                    f"the header has no column {wanted!r} for {field}", field=f"{field}_column"
                )
            return found

        phone = find("phone")
        if phone is None:
            raise InvalidValue(
                f"the header has no phone column (looked for {mapping.phone!r})",
                field="phone_column",
            )
        mapped = {phone, find("name"), find("email"), find("timezone")}
        extra = tuple(
            (i, n) for i, n in enumerate(names) if mapping.extra and n and i not in mapped
        )
        return cls(phone, find("name"), find("email"), find("timezone"), extra)


def _cell(row: Sequence[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _candidate(
    number: int, row: Sequence[str], columns: _Columns, region: str | None
) -> StagedLead:
    """One row as a lead's fields; DomainError (with the field) when a value is bad."""
    if any("\x00" in cell for cell in row):
        raise InvalidValue("the row contains a NUL character", field="row")
    phone = PhoneNumber.parse(_cell(row, columns.phone), region=region)
    name = _cell(row, columns.name) or None
    if name is not None and len(name) > MAX_NAME_LENGTH:
        raise InvalidValue(f"name is longer than {MAX_NAME_LENGTH} characters", field="name")
    email_text = _cell(row, columns.email)
    zone = check_time_zone(_cell(row, columns.timezone) or None)
    return StagedLead(
        row=number,
        phone=phone,
        name=name,
        email=Email.parse(email_text) if email_text else None,
        timezone=zone,
        metadata={h: v for i, h in columns.extra if (v := _cell(row, i))},
    )


def _merge(lead: Lead, found: StagedLead) -> bool:
    """Bring the file's values into the lead; True when anything changed."""
    before = (lead.name, lead.email, lead.timezone, lead.metadata)
    lead.name = found.name or lead.name
    lead.email = found.email or lead.email
    lead.timezone = found.timezone or lead.timezone
    lead.metadata = {**lead.metadata, **found.metadata}
    return (lead.name, lead.email, lead.timezone, lead.metadata) != before


def _lines(source: str | TextIO) -> Iterator[str]:
    """The file's lines, without a byte order mark; InvalidValue for a line longer than
    MAX_LINE_LENGTH (never read whole) or a stream that is not UTF-8."""
    stream = io.StringIO(source, newline="") if isinstance(source, str) else source
    first = True
    try:
        # At most one character over the limit, and a line break, are read at once.
        while line := stream.readline(MAX_LINE_LENGTH + 2):
            if first:
                line, first = line.removeprefix("\ufeff"), False
            if len(line.rstrip("\r\n")) > MAX_LINE_LENGTH:
                raise InvalidValue(
                    f"the file has a line longer than {MAX_LINE_LENGTH} characters", field="file"
                )
            yield line
    except UnicodeDecodeError:
        raise InvalidValue("the file is not UTF-8 text", field="file") from None


async def _header(records: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The first non-blank record."""
    try:
        for number, row in records:
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            if any(cell.strip() for cell in row):
                if any("\x00" in cell for cell in row):
                    raise InvalidValue("the header contains a NUL character", field="file")
                if len(row) > MAX_COLUMNS:
                    raise InvalidValue(f"the header has over {MAX_COLUMNS} columns", field="file")
                return row
    except csv.Error as error:
        raise InvalidValue(f"the CSV cannot be read: {error}", field="file") from None
    raise InvalidValue("the file has no header row", field="file")


def _records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with its number (blank lines count, so numbers match line numbers in
    files without line breaks inside quoted fields)."""
    return enumerate(csv.reader(lines, delimiter=delimiter), start=1)


class LeadImportService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def check_access(self, principal: Principal, tenant_id: TenantId) -> None:
        """PermissionDenied / NotFound unless the principal may import into the tenant: the
        HTTP layer asks before it reads an upload."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.LEADS_WRITE, tenant_id, tx)

    async def import_leads(
        self, principal: Principal, cmd: ImportLeads, progress: Progress | None = None
    ) -> ImportReport:
        """All or nothing at the database: the valid rows are written in one transaction,
        under the tenant lock, so two imports into one tenant run one after the other.

        Memory stays bounded whatever the file's size: the file is read a line at a time,
        its valid rows are staged in the transaction BATCH_SIZE at a time, and merged into
        the lead book from there batch by batch. Only the counts and the first
        MAX_LISTED_ERRORS errors are kept. The tenant lock is taken once the whole file is
        read, so a slow read never holds up the tenant's other writes."""
        if cmd.delimiter not in DELIMITERS:
            raise InvalidValue(
                f"the delimiter must be one of {', '.join(map(repr, DELIMITERS))}",
                field="delimiter",
            )
        region = check_region(cmd.region)
        # Refuse early: reading a large file is work a stranger must not cause.
        await self.check_access(principal, cmd.tenant_id)
        records = _records(_lines(cmd.text), cmd.delimiter)
        header = await _header(records)
        columns = _Columns.of(header, cmd.mapping)
        run = _Run(self._deps, cmd, progress)
        # Bulk work for the database bounds: it waits for the tenant lock while another
        # import of the tenant writes, as two imports into one tenant run one after the other.
        async with self._deps.uows(tenant_id=cmd.tenant_id, bulk=True) as tx:
            # Stage the whole file before writing (no lock held meanwhile), so every row of
            # a number is merged into one lead whatever their distance in the file.
            await run.read(tx, records, columns, region)
            await authorize(principal, Permission.LEADS_WRITE, cmd.tenant_id, tx, lock=True)
            await run.write(tx)
            report = run.report()
            await self._deps.audit(
                tx,
                principal,
                "leads.imported",
                "lead_import",
                report.id,
                tenant_id=cmd.tenant_id,
                changes={
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "failed": report.failed,
                },
            )
            await tx.commit()
        return report


def _combine(earlier: StagedLead, later: StagedLead) -> StagedLead:
    """A number twice in the file: the later row's non-empty values win."""
    return attrs.evolve(
        later,
        name=later.name or earlier.name,
        email=later.email or earlier.email,
        timezone=later.timezone or earlier.timezone,
        metadata={**earlier.metadata, **later.metadata},
    )


class _Run:
    """The counts and errors of one import as it goes."""

    def __init__(self, deps: UseCaseDeps, cmd: ImportLeads, progress: Progress | None) -> None:
        self._deps = deps
        self._cmd = cmd
        self._progress = progress
        self.id = LeadId(deps.ids.new())
        self.rows = self.created = self.updated = self.unchanged = self.duplicates = 0
        self.failed = 0
        self.errors: list[RowError] = []

    def reject(self, number: int, error: DomainError) -> None:
        self.failed += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(number, error.field or "row", error.message))

    async def read(
        self,
        tx: UnitOfWork,
        records: Iterator[tuple[int, list[str]]],
        columns: _Columns,
        region: str | None,
    ) -> None:
        """Stage every valid row, BATCH_SIZE at a time; bad rows are recorded."""
        batch: list[StagedLead] = []
        try:
            for number, row in records:
                if number % YIELD_EVERY == 0:
                    # Parsing is CPU work: let the server answer other requests meanwhile
                    # (blank lines count: a file of them is work too).
                    await asyncio.sleep(0)
                if not any(cell.strip() for cell in row):
                    continue
                self.rows += 1
                if self._progress is not None and self.rows % PROGRESS_EVERY == 0:
                    self._progress(PROGRESS_EVERY)
                try:
                    batch.append(_candidate(number, row, columns, region))
                except DomainError as error:
                    self.reject(number, error)
                    continue
                if len(batch) >= BATCH_SIZE:
                    await tx.leads.stage(batch)
                    batch = []
        except csv.Error as error:
            raise InvalidValue(f"the CSV cannot be read: {error}", field="file") from None
        if batch:
            await tx.leads.stage(batch)
        if self._progress is not None:
            self._progress(self.rows % PROGRESS_EVERY)

    async def write(self, tx: UnitOfWork) -> None:
        """Merge the staged rows into the lead book, BATCH_SIZE leads at a time. The staging
        shows each number's lead as it was before this import wrote anything."""
        now = self._deps.clock.now()
        changed: list[Lead] = []
        async for number in tx.leads.staged(self._cmd.tenant_id):
            self.duplicates += len(number.rows) - 1
            found = functools.reduce(_combine, number.rows)
            lead = number.existing
            if lead is None:
                changed.append(
                    Lead.new(
                        LeadId(self._deps.ids.new()),
                        self._cmd.tenant_id,
                        found.phone,
                        now,
                        timezone=found.timezone,
                        name=found.name,
                        email=found.email,
                        source=self._cmd.source,
                        metadata=found.metadata,
                    )
                )
                self.created += 1
            elif _merge(lead, found):
                lead.updated_at = now
                changed.append(lead)
                self.updated += 1
            else:
                self.unchanged += 1
            if len(changed) >= BATCH_SIZE:
                await tx.leads.upsert_many(changed)
                changed = []
        if changed:
            await tx.leads.upsert_many(changed)

    def report(self) -> ImportReport:
        return ImportReport(
            id=self.id,
            rows=self.rows,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            duplicates=self.duplicates,
            failed=self.failed,
            errors=tuple(self.errors),
        )
