"""The schema rule that makes sharding by tenant possible, read from the migrated catalogue.

A tenant-scoped table is one with a `tenant_id` column. Distributing those tables by
`tenant_id` (docs/scaling.md) needs `tenant_id` in every primary key and unique key, so that
each uniqueness check stays on one shard, and on both sides of every foreign key between two
of them, so that each link joins rows of one shard. The tests enumerate PostgreSQL's catalogue
(information_schema, pg_index, pg_constraint), not a list of expected tables: a new table,
key or link that breaks the rule fails here unless it is listed below with its reason. The
listed exceptions are what sharding would have to change; a listed exception that no longer
breaks the rule fails too, so that the list only ever shrinks to the truth.
"""

from __future__ import annotations

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.schema import JOB_QUEUE_PREFIX

pytestmark = pytest.mark.postgres

TENANT = "tenant_id"

# Tables without tenant_id, each global for a reason. A new table is one or the other:
# tenant-scoped (it has tenant_id), or added here.
GLOBAL_TABLES = {
    # The tenant itself: its id is the tenant_id of every tenant-scoped row.
    "tenants",
    # The catalogue every tenant's plan is read from: the same rows for all.
    "plans",
    "features",
    "plan_features",
    # People and their personal tokens: one user may be a member of several tenants.
    "users",
    "user_tokens",
    # A user's password reset links, and the counts of failed sign-ins per address or client
    # (before anyone is signed in there is no tenant).
    "password_reset_tokens",
    "sign_in_throttle",
    # Alembic's record of the schema's revision.
    "alembic_version",
}
# procrastinate's tables (prefix JOB_QUEUE_PREFIX) are global too: the job queue's own
# schema, created from procrastinate's package; its jobs carry no tenant.

# Tenant-scoped tables whose tenant_id may be NULL: their rows need not belong to a tenant.
NULLABLE_TENANT = {
    # Platform-level events (users, personal tokens, platform admins) belong to no tenant.
    "audit_log",
    # A provider's message about no call of ours belongs to no tenant; it is kept all the same.
    "webhook_events",
}

# Primary and unique keys of tenant-scoped tables without tenant_id, by (table, key name).
# None was needed for tenant isolation, which row-level security and the in-tenant links give;
# each is why a table could not be distributed by tenant as it is.
_ID_PRIMARY_KEY = (
    "PRIMARY KEY (id): ids are UUIDv7 made by the application (adapters/ids.py), unique"
    " across tenants, so the key was never scoped; the in-tenant links reference the"
    " UNIQUE (tenant_id, id) beside it"
)
_NULL_TENANT_KEY = "tenant_id may be NULL here (NULLABLE_TENANT), so no key can hold it"
KEYS_WITHOUT_TENANT = {
    **{
        (table, f"pk_{table}"): _ID_PRIMARY_KEY
        for table in (
            "memberships",
            "tenant_features",
            "api_keys",
            "voices",
            "phone_numbers",
            "voice_agents",
            "leads",
            "voice_calls",
            "ai_usage",
            "call_batches",
            "call_batch_items",
        )
    },
    # One entry per call in flight: call_id is the call's UUIDv7 id, unique across tenants,
    # and (tenant_id, call_id) references the call, so the entry is in its call's tenant.
    ("live_calls", "pk_live_calls"): "PRIMARY KEY (call_id), one entry per call",
    # Uniqueness across tenants, by design: a number is active in at most one tenant, and an
    # inbound call finds its tenant by the number called.
    ("phone_numbers", "uq_phone_numbers_number_active"): "a number routes to one tenant",
    # The provider's line is one line: two tenants must not call from it, and an inbound call
    # may name the line by the provider's id for it.
    ("phone_numbers", "uq_phone_numbers_provider_number_id_active"): "one tenant per line",
    # The provider's call id is unique at the provider; its messages name a call by it before
    # the tenant is known (PostgresCallRepository.route).
    ("voice_calls", "uq_voice_calls_vapi_call_id"): "provider messages find the call by it",
    # A provider credential belongs to one tenant: a second tenant's import with it must
    # collide with the first's claim, which it cannot see.
    ("provider_credentials", "pk_provider_credentials"): "one tenant per provider credential",
    ("audit_log", "pk_audit_log"): _NULL_TENANT_KEY,
    ("webhook_events", "pk_webhook_events"): _NULL_TENANT_KEY,
    # The inbox deduplicates a provider's messages by the provider's key, whether or not the
    # message is about a call of ours.
    ("webhook_events", "uq_webhook_events_dedupe_key"): "the provider's dedupe key",
}

# Foreign keys between tenant-scoped tables without tenant_id on both sides: none.
LINKS_WITHOUT_TENANT: dict[tuple[str, str], str] = {}


@attrs.frozen
class Key:
    table: str
    name: str
    columns: tuple[str, ...]


@attrs.frozen
class Link:
    table: str
    name: str
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]


@attrs.frozen
class Catalogue:
    tenant_nullable: dict[str, bool]
    """Tenant-scoped tables: whether their tenant_id may be NULL."""
    global_tables: frozenset[str]
    keys: tuple[Key, ...]
    """Primary keys, unique constraints, unique indexes and exclusion constraints."""
    links: tuple[Link, ...]


_TABLES = sa.text(
    "SELECT t.table_name, c.is_nullable FROM information_schema.tables t"
    " LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema"
    "  AND c.table_name = t.table_name AND c.column_name = :tenant"
    " WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
)

# The key columns of each unique or exclusion index (INCLUDE columns are not part of the key;
# an expression is no column, so tenant_id inside one does not count), named by the
# constraint it backs or, for a bare unique index, by the index.
_KEYS = sa.text(
    "SELECT t.relname AS table_name, coalesce(con.conname, i.relname) AS name,"
    " array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)"
    "  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum"
    "  WHERE k.n <= x.indnkeyatts ORDER BY k.n) AS columns"
    " FROM pg_index x"
    " JOIN pg_class i ON i.oid = x.indexrelid"
    " JOIN pg_class t ON t.oid = x.indrelid"
    " LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid"
    "  AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')"
    " WHERE t.relnamespace = current_schema()::regnamespace"
    "  AND (x.indisunique OR x.indisexclusion)"
)

_LINKS = sa.text(
    "SELECT t.relname AS table_name, con.conname AS name, r.relname AS referred_table,"
    " array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, n)"
    "  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum"
    "  ORDER BY k.n) AS columns,"
    " array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, n)"
    "  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum"
    "  ORDER BY k.n) AS referred_columns"
    " FROM pg_constraint con"
    " JOIN pg_class t ON t.oid = con.conrelid"
    " JOIN pg_class r ON r.oid = con.confrelid"
    " WHERE con.contype = 'f' AND t.relnamespace = current_schema()::regnamespace"
)


async def read_catalogue(engine: AsyncEngine) -> Catalogue:
    async with engine.connect() as conn:
        tables = (await conn.execute(_TABLES, {"tenant": TENANT})).all()
        keys = (await conn.execute(_KEYS)).all()
        links = (await conn.execute(_LINKS)).all()
    return Catalogue(
        tenant_nullable={t.table_name: t.is_nullable == "YES" for t in tables if t.is_nullable},
        global_tables=frozenset(t.table_name for t in tables if not t.is_nullable),
        keys=tuple(Key(k.table_name, k.name, tuple(k.columns)) for k in keys),
        links=tuple(
            Link(
                f.table_name,
                f.name,
                tuple(f.columns),
                f.referred_table,
                tuple(f.referred_columns),
            )
            for f in links
        ),
    )


def keys_without_tenant(catalogue: Catalogue) -> set[tuple[str, str]]:
    return {
        (key.table, key.name)
        for key in catalogue.keys
        if key.table in catalogue.tenant_nullable and TENANT not in key.columns
    }


def links_without_tenant(catalogue: Catalogue) -> set[tuple[str, str]]:
    """Links that touch a tenant-scoped table on the referred side and do not pair
    tenant_id with tenant_id: from another tenant-scoped table without it, or from a global
    table at all (a global row cannot point into one tenant's rows and stay global)."""
    return {
        (link.table, link.name)
        for link in catalogue.links
        if link.referred_table in catalogue.tenant_nullable
        and (TENANT, TENANT) not in zip(link.columns, link.referred_columns, strict=True)
    }


@pytest.fixture
async def catalogue(engine: AsyncEngine) -> Catalogue:
    return await read_catalogue(engine)


def test_every_table_is_tenant_scoped_or_declared_global(catalogue):
    undeclared = {
        table
        for table in catalogue.global_tables
        if table not in GLOBAL_TABLES and not table.startswith(JOB_QUEUE_PREFIX)
    }
    assert undeclared == set(), "tables without tenant_id: add tenant_id, or list them"
    assert GLOBAL_TABLES - catalogue.global_tables == set(), "listed as global, but not (or gone)"


def test_tenant_id_is_null_only_where_rows_may_belong_to_no_tenant(catalogue):
    nullable = {table for table, null in catalogue.tenant_nullable.items() if null}
    assert nullable == NULLABLE_TENANT


def test_every_key_of_a_tenant_scoped_table_holds_tenant_id(catalogue):
    assert keys_without_tenant(catalogue) - KEYS_WITHOUT_TENANT.keys() == set()


def test_every_link_into_a_tenant_scoped_table_pairs_tenant_id_on_both_sides(catalogue):
    assert links_without_tenant(catalogue) - LINKS_WITHOUT_TENANT.keys() == set()


def test_each_listed_exception_still_breaks_the_rule(catalogue):
    """A key or link fixed (or gone) leaves the list: it documents the schema as it is."""
    assert KEYS_WITHOUT_TENANT.keys() - keys_without_tenant(catalogue) == set()
    assert LINKS_WITHOUT_TENANT.keys() - links_without_tenant(catalogue) == set()


def test_the_rule_sees_the_links_that_keep_rows_in_their_tenant(catalogue):
    """The catalogue read is not empty-handed: the in-tenant links and keys are there."""
    links = {(link.table, link.name): link for link in catalogue.links}
    call_of_usage = links["ai_usage", "fk_ai_usage_tenant_id_call_id_voice_calls"]
    assert call_of_usage.columns == ("tenant_id", "call_id")
    assert call_of_usage.referred_columns == ("tenant_id", "id")
    keys = {(key.table, key.name): key.columns for key in catalogue.keys}
    assert keys["voice_calls", "uq_voice_calls_tenant_id_id"] == ("tenant_id", "id")
    assert keys["voice_calls", "pk_voice_calls"] == ("id",)
