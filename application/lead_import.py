"""Importing leads from CSV: valid rows are imported, bad ones reported by row number, and
a lead already in the tenant (same number) is updated, never duplicated."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple, TextIO

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.events import record_event
from application.ports.leads import StagedLead
from application.ports.unit_of_work import UnitOfWork
from application.ports.workers import WorkerPool
from domain.errors import DomainError, InvalidValue
from domain.ids import LeadId, TenantId
from domain.leads import check_source, check_time_zone
from domain.phones import PhoneNumber, check_region
from domain.values import Email
from domain.webhooks import EventType

BATCH_SIZE = 1000
"""Records read, checked and staged at a time."""
BATCH_CHARACTERS = 1 << 20
"""A batch ends early past this many characters: what a batch holds stays small whatever
the rows' size."""
IN_FLIGHT_PER_WORKER = 4
"""Batches given to each worker process at once: one it works on, one waiting, so it never
waits for this process."""
MAX_PENDING = 16
"""Batches read but not yet accounted for (their errors are reported in file order)."""
MAX_LISTED_ERRORS = 1000
MAX_NAME_LENGTH = 255
DELIMITERS = (",", ";", "\t", "|")

MAX_COLUMNS = 1000
# A line is parsed in one go; bounding its length bounds the time the server is busy and
# the memory one line takes.
MAX_LINE_LENGTH = 1024 * 1024
YIELD_EVERY = 10

Progress = Callable[[int], None]
"""Told how many more data rows were read and checked (valid or not); writing follows."""


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


_Values = tuple[int, str, str | None, str | None, str | None, str | None, dict[str, str]]
"""A valid row as StagedLead's values before its id."""


def _candidate(number: int, row: Sequence[str], columns: _Columns, region: str | None) -> _Values:
    """One row as a lead's fields; DomainError (with the field) when a value is bad."""
    if any("\x00" in cell for cell in row):
        raise InvalidValue("the row contains a NUL character", field="row")
    phone = PhoneNumber.parse(_cell(row, columns.phone), region=region)
    name = _cell(row, columns.name) or None
    if name is not None and len(name) > MAX_NAME_LENGTH:
        raise InvalidValue(f"name is longer than {MAX_NAME_LENGTH} characters", field="name")
    email_text = _cell(row, columns.email)
    zone = check_time_zone(_cell(row, columns.timezone) or None)
    return (
        number,
        phone.e164,
        phone.time_zone(),
        name,
        Email.parse(email_text).value if email_text else None,
        zone,
        {h: v for i, h in columns.extra if (v := _cell(row, i))},
    )


class _Checked(NamedTuple):
    """A batch of records checked: its valid rows, its bad ones (row, field, message) in
    file order, and how many were not blank."""

    rows: list[_Values]
    errors: list[tuple[int, str, str]]
    counted: int


def _check(
    records: Sequence[tuple[int, list[str]]], columns: _Columns, region: str | None
) -> _Checked:
    """The CPU work of an import: run in a worker process when there is one, so it takes
    and gives plain values."""
    rows: list[_Values] = []
    errors: list[tuple[int, str, str]] = []
    counted = 0
    for number, row in records:
        if not any(cell.strip() for cell in row):
            continue
        counted += 1
        try:
            rows.append(_candidate(number, row, columns, region))
        except DomainError as error:
            errors.append((number, error.field or "row", error.message))
    return _Checked(rows, errors, counted)


async def _check_here(
    records: Sequence[tuple[int, list[str]]], columns: _Columns, region: str | None
) -> _Checked:
    """_check in this process, letting other work run every YIELD_EVERY records (blank
    ones count: a file of them is work too)."""
    rows: list[_Values] = []
    errors: list[tuple[int, str, str]] = []
    counted = 0
    for start in range(0, len(records), YIELD_EVERY):
        part = _check(records[start : start + YIELD_EVERY], columns, region)
        rows += part.rows
        errors += part.errors
        counted += part.counted
        await asyncio.sleep(0)
    return _Checked(rows, errors, counted)


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


def _batches(records: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    """The records BATCH_SIZE at a time, a batch ending early past BATCH_CHARACTERS."""
    try:
        while True:
            batch: list[tuple[int, list[str]]] = []
            size = 0
            for record in itertools.islice(records, BATCH_SIZE):
                batch.append(record)
                size += sum(map(len, record[1]))
                if size > BATCH_CHARACTERS:
                    break
            if not batch:
                return
            yield batch
    except csv.Error as error:
        raise InvalidValue(f"the CSV cannot be read: {error}", field="file") from None


class LeadImportService:
    def __init__(self, deps: UseCaseDeps, workers: WorkerPool | None = None) -> None:
        self._deps = deps
        self._workers = workers

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
        checked and staged in the transaction BATCH_SIZE records at a time (a few batches at
        once at most), and merged into the lead book from there by the database. Only the
        counts and the first MAX_LISTED_ERRORS errors are kept. The tenant lock is taken
        once the whole file is read, so a slow read never holds up the tenant's other
        writes.

        With worker processes, they check batches while this process reads and stages the
        others (and checks some itself when they are all busy); the report is the same as
        without them: errors in file order, the same counts."""
        if cmd.delimiter not in DELIMITERS:
            raise InvalidValue(
                f"the delimiter must be one of {', '.join(map(repr, DELIMITERS))}",
                field="delimiter",
            )
        region = check_region(cmd.region)
        check_source(cmd.source)
        # Refuse early: reading a large file is work a stranger must not cause.
        await self.check_access(principal, cmd.tenant_id)
        if self._workers is not None:
            self._workers.start()  # they start while the header is read
        records = _records(_lines(cmd.text), cmd.delimiter)
        header = await _header(records)
        columns = _Columns.of(header, cmd.mapping)
        run = _Run(self._deps, cmd, progress)
        # Bulk work for the database bounds: it waits for the tenant lock while another
        # import of the tenant writes, as two imports into one tenant run one after the other.
        async with self._deps.uows(tenant_id=cmd.tenant_id, bulk=True) as tx:
            # Stage the whole file before writing (no lock held meanwhile), so every row of
            # a number is merged into one lead whatever their distance in the file.
            await run.read(tx, _batches(records), _Checker(self._workers, columns, region))
            await authorize(principal, Permission.LEADS_WRITE, cmd.tenant_id, tx, lock=True)
            await run.write(tx)
            report = run.report()
            tally = {
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "failed": report.failed,
            }
            await self._deps.audit(
                tx,
                principal,
                "leads.imported",
                "lead_import",
                report.id,
                tenant_id=cmd.tenant_id,
                changes=tally,
            )
            await record_event(
                tx,
                self._deps.ids,
                EventType.LEAD_IMPORT_COMPLETED,
                cmd.tenant_id,
                self._deps.clock.now(),
                report.id,
                {**tally, "import_id": str(report.id)},
            )
            await tx.commit()
        return report


class _Checker:
    """Checks batches of records: in the worker processes while they have room, else here."""

    def __init__(self, workers: WorkerPool | None, columns: _Columns, region: str | None):
        self._workers = workers
        self._room = 0 if workers is None else workers.workers * IN_FLIGHT_PER_WORKER
        self._columns = columns
        self._region = region

    def has_room(self, pending: Iterable[_Pending]) -> bool:
        return self._room > sum(isinstance(p, asyncio.Task) and not p.done() for p in pending)

    def elsewhere(self, batch: list[tuple[int, list[str]]]) -> asyncio.Task[_Checked]:
        assert self._workers is not None
        return asyncio.ensure_future(self._workers.run(_check, batch, self._columns, self._region))

    async def here(self, batch: list[tuple[int, list[str]]]) -> _Checked:
        return await _check_here(batch, self._columns, self._region)


_Pending = asyncio.Task[_Checked] | _Checked
"""A batch read: checking in a worker, or checked here and staged (its errors wait for the
batches before it)."""


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

    async def read(
        self, tx: UnitOfWork, batches: Iterator[list[tuple[int, list[str]]]], checker: _Checker
    ) -> None:
        """Stage every valid row, a batch at a time; bad rows are counted and the first ones
        listed, in file order. Batches are checked in the workers while they have room and
        here otherwise; a batch checked here is staged at once, one from a worker when all
        before it are done. At most MAX_PENDING batches are in hand."""
        pending: deque[_Pending] = deque()
        try:
            for batch in batches:
                while pending and (isinstance(pending[0], tuple) or pending[0].done()):
                    await self._account(tx, pending.popleft())
                if checker.has_room(pending):
                    pending.append(checker.elsewhere(batch))
                else:
                    checked = await checker.here(batch)
                    await self._stage(tx, checked.rows)
                    pending.append(checked._replace(rows=[]))
                while len(pending) > MAX_PENDING:
                    await self._account(tx, pending.popleft())
            while pending:
                await self._account(tx, pending.popleft())
        finally:
            # Failed or cancelled: what the workers still do for this import is dropped.
            abandoned = [p for p in pending if isinstance(p, asyncio.Task)]
            for task in abandoned:
                task.cancel()
            if abandoned:
                await asyncio.wait(abandoned)
            for task in abandoned:
                if not task.cancelled():
                    task.exception()  # seen: the import's own error is the one raised

    async def _account(self, tx: UnitOfWork, batch: _Pending) -> None:
        checked = batch if isinstance(batch, tuple) else await batch
        if isinstance(batch, asyncio.Task):
            await self._stage(tx, checked.rows)
        self.rows += checked.counted
        for number, field, message in checked.errors:
            self.failed += 1
            if len(self.errors) < MAX_LISTED_ERRORS:
                self.errors.append(RowError(number, field, message))
        if self._progress is not None:
            self._progress(checked.counted)

    async def _stage(self, tx: UnitOfWork, rows: list[_Values]) -> None:
        if rows:
            new_id = self._deps.ids.new
            await tx.leads.stage([StagedLead(*values, LeadId(new_id())) for values in rows])

    async def write(self, tx: UnitOfWork) -> None:
        """Merge the staged rows into the lead book, in the database: one lead per number."""
        merged = await tx.leads.merge_staged(
            self._cmd.tenant_id, source=self._cmd.source, at=self._deps.clock.now()
        )
        self.created, self.updated = merged.created, merged.updated
        self.unchanged, self.duplicates = merged.unchanged, merged.duplicates

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
