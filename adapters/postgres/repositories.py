"""What every PostgreSQL repository shares: the unique keys and tenant links the
database refuses, translated; pages by keyset; inserts and version-checked updates.

Every query of a tenant-scoped table filters by tenant_id itself (the first isolation
layer); row-level security (the third) holds even if one forgot to.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.errors import constraint_of, unique_violation
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.rls import APP_ROLE, TENANT_SETTING
from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    lead_phone_taken,
    number_taken,
    provider_number_taken,
)
from application.pagination import PageRequest
from domain.errors import InvalidValue

_UNIQUE: dict[str, Callable[[], AlreadyExists]] = {
    "uq_users_email_lower": lambda: AlreadyExists("user", "email"),
    "uq_plans_name": lambda: AlreadyExists("plan", "name"),
    "uq_features_feature_key": lambda: AlreadyExists("feature", "feature_key"),
    "uq_memberships_user_id_tenant_id": lambda: AlreadyExists(
        "membership", "user_id", "the user is already a member of this tenant"
    ),
    "uq_phone_numbers_number_active": number_taken,
    "uq_phone_numbers_provider_number_id_active": provider_number_taken,
    "uq_phone_numbers_tenant_id_idempotency_key": lambda: AlreadyExists(
        "phone number", "idempotency_key"
    ),
    "uq_leads_tenant_id_phone": lead_phone_taken,
    "uq_voice_calls_tenant_id_idempotency_key": lambda: AlreadyExists("call", "idempotency_key"),
    "uq_voice_calls_vapi_call_id": lambda: AlreadyExists("call", "vapi_call_id"),
}

# Links the use cases check first; the database refusing one means a record went away
# meanwhile, or another tenant's id got through — the client's input either way.
_LINKS = {
    "fk_voice_agents_tenant_id_voice_id_voices": "voice_id",
    "fk_voice_agents_tenant_id_default_number_id_phone_numbers": "default_number_id",
    "fk_voice_calls_tenant_id_agent_id_voice_agents": "agent_id",
    "fk_voice_calls_tenant_id_lead_id_leads": "lead_id",
    "fk_voice_calls_tenant_id_voice_id_voices": "voice_id",
    "fk_voice_calls_tenant_id_from_number_id_phone_numbers": "from_number_id",
    "fk_voice_calls_tenant_id_batch_id_call_batches": "batch_id",
    "fk_call_batches_tenant_id_agent_id_voice_agents": "agent_id",
    "fk_call_batches_tenant_id_from_number_id_phone_numbers": "from_number_id",
    "fk_running_batches_tenant_id_batch_id_call_batches": "batch_id",
}


def refused(error: IntegrityError) -> Exception | None:
    """The application error for a known unique key or tenant link, else None."""
    known = unique_violation(error, _UNIQUE)
    if known is not None:
        return known
    field = _LINKS.get(constraint_of(error) or "")
    if field is not None:
        return InvalidValue(f"{field} does not name a record of this tenant", field=field)
    return None


def keyset(
    created: sa.ColumnElement[Any],
    id_: sa.ColumnElement[Any],
    page: PageRequest,
    *,
    newest_first: bool = False,
) -> tuple[list[sa.ColumnElement[bool]], list[sa.UnaryExpression[Any]]]:
    """WHERE and ORDER BY clauses for one page over (created, id)."""
    after = page.after
    mark = None if after is None else (sa.literal(after.created_at), sa.literal(after.id))
    return _keyset(created, id_, mark, newest_first)


def keyset_bound(
    created: sa.ColumnElement[Any],
    id_: sa.ColumnElement[Any],
    *,
    after: bool,
    newest_first: bool = False,
) -> tuple[list[sa.ColumnElement[bool]], list[sa.UnaryExpression[Any]]]:
    """`keyset` for a statement built once and run with many pages: the page's mark, if
    `after`, as the bind parameters `after_created` and `after_id` (`keyset_values`)."""
    mark = (
        (
            sa.bindparam("after_created", type_=created.type),
            sa.bindparam("after_id", type_=id_.type),
        )
        if after
        else None
    )
    return _keyset(created, id_, mark, newest_first)


def keyset_values(page: PageRequest) -> dict[str, Any]:
    """The values of `keyset_bound`'s parameters for `page`."""
    if page.after is None:
        return {}
    return {"after_created": page.after.created_at, "after_id": page.after.id}


def _keyset(
    created: sa.ColumnElement[Any],
    id_: sa.ColumnElement[Any],
    mark: tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]] | None,
    newest_first: bool,
) -> tuple[list[sa.ColumnElement[bool]], list[sa.UnaryExpression[Any]]]:
    order = [created.desc(), id_.desc()] if newest_first else [created.asc(), id_.asc()]
    if mark is None:
        return [], order
    key, past = sa.tuple_(created, id_), sa.tuple_(*mark)
    return [key < past if newest_first else key > past], order


@functools.cache
def _insert_of(table: sa.Table, columns: tuple[str, ...]) -> Prebuilt:
    """The insert of `columns` into `table`, built once per table and set of columns."""
    return Prebuilt(sa.insert(table).values({column: sa.bindparam(column) for column in columns}))


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """A row the database refuses raised as the application's error for its constraint
    (`refused`), where it knows the constraint."""
    try:
        yield
    except IntegrityError as error:
        known = refused(error)
        if known is None:
            raise
        raise known from None


def _versions_moved_on(name: str, entity: Any, saved: int, expected: int = 1) -> None:
    """ConcurrencyConflict when fewer rows than saved were found at their versions."""
    if saved != expected:
        raise ConcurrencyConflict(name, entity.id)


async def insert_row(conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> None:
    with refusals():
        await _insert_of(table, tuple(values)).run(conn, values)


async def insert_rows(
    conn: AsyncConnection, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    """`insert_row` of each of `rows` (all with the same columns) in one executemany, which
    psycopg sends in one flight (pipeline mode) rather than one round trip a row."""
    if not rows:
        return
    with refusals():
        await _insert_of(table, tuple(rows[0])).executemany(conn, rows)


def tenant_row(entity: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A new tenant-scoped entity's row: its identity and creation, then its values."""
    return {
        "id": entity.id,
        "tenant_id": entity.tenant_id,
        "created_at": entity.created_at,
        "version": entity.version,
        **values,
    }


async def insert_tenant_row(
    conn: AsyncConnection, table: sa.Table, entity: Any, values: dict[str, Any]
) -> None:
    await insert_row(conn, table, tenant_row(entity, values))


async def update_versioned(
    conn: AsyncConnection,
    table: sa.Table,
    entity: Any,
    values: dict[str, Any],
    name: str,
    *scope: sa.ColumnElement[bool],
) -> None:
    with refusals():
        result = await conn.execute(
            sa.update(table)
            .where(table.c.id == entity.id, table.c.version == entity.version, *scope)
            .values(**values, version=entity.version + 1)
        )
    _versions_moved_on(name, entity, result.rowcount)
    entity.version += 1


class VersionedUpdate:
    """`update_versioned` of one table's `columns`, its statement built once: a hot save
    (a call's, at each provider message) then builds no statement and no cache key."""

    def __init__(self, table: sa.Table, columns: Sequence[str], scope: Sequence[str] = ()) -> None:
        self._prebuilt = Prebuilt(
            sa.update(table)
            .where(
                table.c.id == sa.bindparam("where_id"),
                table.c.version == sa.bindparam("where_version"),
                *(table.c[column] == sa.bindparam(f"where_{column}") for column in scope),
            )
            .values(
                {column: sa.bindparam(f"set_{column}") for column in columns}
                | {"version": sa.bindparam("set_version")}
            )
        )

    @staticmethod
    def _parameters(entity: Any, values: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
        parameters = {f"set_{column}": value for column, value in values.items()}
        parameters.update({f"where_{column}": value for column, value in scope.items()})
        parameters.update(
            where_id=entity.id, where_version=entity.version, set_version=entity.version + 1
        )
        return parameters

    async def __call__(
        self,
        conn: AsyncConnection,
        entity: Any,
        values: dict[str, Any],
        name: str,
        **scope: Any,
    ) -> None:
        parameters = self._parameters(entity, values, scope)
        with refusals():
            result = await self._prebuilt.run(conn, parameters)
        _versions_moved_on(name, entity, result.rowcount)
        entity.version += 1

    async def many(
        self,
        conn: AsyncConnection,
        saves: Sequence[tuple[Any, dict[str, Any], dict[str, Any]]],
        name: str,
    ) -> None:
        """The save of each (entity, values, scope) in one executemany (one flight):
        ConcurrencyConflict, naming the first entity, when any stored version moved on."""
        if not saves:
            return
        parameters = [self._parameters(entity, values, scope) for entity, values, scope in saves]
        with refusals():
            result = await conn.execute(self._prebuilt.statement, parameters)
        _versions_moved_on(name, saves[0][0], result.rowcount, len(saves))
        for entity, _, _ in saves:
            entity.version += 1


def entering(found: sa.Subquery) -> sa.Select[Any]:
    """`found`'s columns (a routing query's: the row it routes to, in whichever tenant) and
    the transaction moved into that row's tenant by the same statement, as the application
    role: the functions run for the one row the routing query yields, after it is read. One
    round trip where a route and a switch took two; nothing moves when no row is found."""
    return sa.select(
        *found.c,
        sa.func.set_config("role", APP_ROLE, True),
        sa.func.set_config(TENANT_SETTING, sa.cast(found.c.tenant_id, sa.Text), True),
    )
