"""Realistic data under the product's schema, written straight with SQL (fast enough for 1M calls).

Run after `voice-agent migrate` (which installs the plans and features). Credentials are
issued with the product's own functions (domain.credentials), so the tokens the load
generator presents are real ones. Bulk rows come from generate_series inside PostgreSQL;
foreign keys are not re-checked row by row (session_replication_role = replica): every id
written is one this module created in the same tenant.

Tenants (all on the enterprise plan):
- `small`: a lead with `small_calls` calls (10,000), 1,000 other leads;
- `big`: a lead with `big_calls` calls (1,000,000), 1,000 other leads;
- `webhooks`: `pool` outbound calls in flight (queued, each with its own lead among
  `pool_leads`) for the webhook scenarios, and the inbound line that assistant requests name;
- `import_http`, `import_cli`: empty lead books for the import scenarios.
Each tenant has an owner, four more members, a voice, two numbers and two agents; the owner
has a personal token and the tenant a member-role API key the owner created.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import psycopg
from psycopg.types.json import Jsonb

from bench import payloads
from domain.credentials import issue_api_key_secret, issue_user_token_secret
from domain.ids import TenantId
from tests.fakes.vapi_messages import T0

ROOMY = 1_000_000
"""Lines for the inbound scenario's calls, which take one each and never end: the product's
shared provider account and the tenant's plan get this many, so no request is refused."""


def new_id() -> UUID:
    import uuid6

    return UUID(bytes=uuid6.uuid7().bytes)


@attrs.frozen
class Sizes:
    small_calls: int = 10_000
    big_calls: int = 1_000_000
    other_leads: int = 1_000
    pool: int = 200_000
    """Calls in flight for the webhook scenarios: one per request, never reused."""
    pool_leads: int = 10_000
    full_calls: int = 10_000
    """Calls of each tenant with Vapi's whole record and conversation (the newest)."""


@attrs.frozen
class TenantFixture:
    id: UUID
    owner_id: UUID
    api_key: str
    user_token: str
    hot_lead_id: UUID
    agent_id: UUID
    newest_call_id: UUID | None = None


@attrs.frozen
class Fixture:
    small: TenantFixture
    big: TenantFixture
    webhooks: TenantFixture
    import_http: TenantFixture
    import_cli: TenantFixture
    pool: int
    seconds: float
    rows: dict[str, int]


# A pg_temp function: UUIDv7 for a given time (the product's ids are UUIDv7: time-ordered,
# so bulk rows get the same index locality as real ones).
_UUID7 = """
CREATE FUNCTION pg_temp.uuid7(at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$
"""

_ENDED_REASONS = (
    "customer-ended-call",
    "customer-ended-call",
    "customer-ended-call",
    "assistant-ended-call",
    "customer-ended-call",
    "assistant-said-end-call-phrase",
    "customer-ended-call",
    "silence-timed-out",
    "customer-did-not-answer",
    "voicemail",
)

# Ended calls, oldest first over the past year; the ninth of every ten was not answered
# (no transcript, no talk time). `n` is the row number, `at` its creation time. The newest
# `full` calls carry Vapi's whole record and the whole conversation (8 kB and 3.5 kB of JSON,
# compressed into TOAST at about half a millisecond a row); older ones a short transcript and
# the record without its artifact, so that a million rows are written in minutes. Every read
# scenario reads the newest calls.
_CALLS = """
INSERT INTO voice_calls (
    id, tenant_id, agent_id, lead_id, voice_id, from_number_id, to_number, direction, status,
    ended_reason, vapi_call_id, vapi_data, transcription, recording_url, summary, analysis,
    cost, cost_breakdown, call_duration, started_at, ended_at, metadata, version,
    created_at, updated_at)
SELECT pg_temp.uuid7(at), %(tenant)s, %(agent)s, %(lead)s, %(voice)s, %(number)s, %(to)s,
    'outbound', 'ended', reason, vapi_id,
    jsonb_set(CASE WHEN full_size THEN %(record)s::jsonb ELSE %(light_record)s::jsonb END,
        '{id}', to_jsonb(vapi_id)),
    CASE WHEN answered AND full_size THEN %(transcription)s::jsonb
         WHEN answered THEN %(light_transcription)s::jsonb END,
    CASE WHEN answered THEN 'https://storage.vapi.ai/' || vapi_id || '-mono.wav' END,
    CASE WHEN answered THEN %(summary)s END,
    CASE WHEN answered THEN %(analysis)s::jsonb END,
    round((0.02 + (n %% 97) * 0.0031 + CASE WHEN answered THEN 0.25 ELSE 0 END)::numeric, 4),
    %(breakdown)s::jsonb, seconds, at + interval '4 seconds',
    at + interval '4 seconds' + seconds * interval '1 second', '{}'::jsonb, 3,
    at, at + interval '7 seconds' + seconds * interval '1 second'
FROM (
    SELECT n, %(start)s::timestamptz + (n - 1) * %(step)s::interval AS at,
        (%(reasons)s::text[])[1 + n %% 10] AS reason, n %% 10 <> 8 AS answered,
        CASE WHEN n %% 10 = 8 THEN 0 ELSE 35 + (n * 7919) %% 420 END AS seconds,
        %(tag)s || '-' || n AS vapi_id, n > %(count)s - %(full)s AS full_size
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
) AS g
"""

# The webhook tenant's calls in flight: placed, queued at Vapi, not yet reported.
_POOL = """
INSERT INTO voice_calls (
    id, tenant_id, agent_id, lead_id, voice_id, from_number_id, to_number, direction, status,
    vapi_call_id, vapi_data, metadata, version, created_at, updated_at)
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, %(tenant)s,
    %(agent)s, lead.id, %(voice)s, %(number)s, lead.phone, 'outbound', 'queued',
    'f0000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'), '{}'::jsonb, '{}'::jsonb, 1,
    %(at)s, %(at)s
FROM generate_series(0, %(count)s::int - 1) AS n
JOIN (SELECT id, phone, row_number() OVER (ORDER BY id) - 1 AS k
      FROM leads WHERE tenant_id = %(tenant)s) AS lead ON lead.k = n %% %(leads)s
"""

_LEADS = """
INSERT INTO leads (id, tenant_id, name, phone, email, source, status, timezone, metadata,
    version, created_at, updated_at)
SELECT pg_temp.uuid7(at), %(tenant)s, 'Lead ' || n,
    '+1' || %(area)s || lpad((2000000 + n)::text, 7, '0'), 'lead' || n || '@example.com',
    'website', (ARRAY['new', 'contacted', 'qualified', 'lost'])[1 + n %% 4], 'America/New_York',
    jsonb_build_object('company', 'Company ' || (n %% 300), 'score', n %% 100), 0, at, at
FROM (SELECT n, %(start)s::timestamptz + n * interval '1 minute' AS at
      FROM generate_series(1, %(count)s::int) AS n) AS g
"""


@contextmanager
def _bulk_session(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A session that writes rows without re-checking foreign keys; commits at the end."""
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(_UUID7)
        yield conn
        conn.commit()


class Seeder:
    def __init__(self, url: str, conn: psycopg.Connection[Any], sizes: Sizes) -> None:
        self.url = url
        self.conn = conn
        self.sizes = sizes
        self.now = datetime.now(UTC)
        self._serial = 0
        self._contexts: dict[UUID, dict[str, Any]] = {}
        plan = conn.execute("SELECT id FROM plans WHERE name = 'enterprise'").fetchone()
        if plan is None:
            raise RuntimeError("no enterprise plan: run `voice-agent migrate` first")
        self.plan_id = plan[0]

    def _insert(self, table: str, **values: Any) -> None:
        columns = ", ".join(values)
        marks = ", ".join(f"%({c})s" for c in values)
        self.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)

    def _user(self, label: str, at: datetime) -> UUID:
        self._serial += 1
        user_id = new_id()
        self._insert(
            "users",
            id=user_id,
            email=f"{label}.{self._serial}@bench.example",
            first_name=label.split("-")[0].title(),
            last_name=f"Person{self._serial}",
            created_at=at,
            updated_at=at,
        )
        return user_id

    def tenant(self, name: str, area: str, line: str | None = None) -> TenantFixture:
        """A tenant with its people, credentials, voice, numbers, agents and a hot lead."""
        at = self.now - timedelta(days=400)
        tenant_id = new_id()
        self._insert(
            "tenants", id=tenant_id, name=name, plan_id=self.plan_id, created_at=at, updated_at=at
        )
        owner = self._user(f"owner-{name}", at)
        people = [(owner, "owner")] + [
            (self._user(f"member-{name}", at), role)
            for role in ("admin", "member", "member", "viewer")
        ]
        for user_id, role in people:
            self._insert(
                "memberships",
                id=new_id(),
                tenant_id=tenant_id,
                user_id=user_id,
                role=role,
                created_at=at,
                updated_at=at,
            )
        token = issue_user_token_secret()
        self._insert(
            "user_tokens",
            id=new_id(),
            user_id=owner,
            name="bench",
            prefix=token.prefix,
            secret_hash=token.secret_hash,
            created_at=at,
            updated_at=at,
        )
        key = issue_api_key_secret(TenantId(tenant_id))
        self._insert(
            "api_keys",
            id=new_id(),
            tenant_id=tenant_id,
            created_by=owner,
            name="crm integration",
            prefix=key.prefix,
            secret_hash=key.secret_hash,
            role="member",
            created_at=at,
            updated_at=at,
        )
        voice_id = new_id()
        self._insert(
            "voices",
            id=voice_id,
            tenant_id=tenant_id,
            name="Maya",
            provider="11labs",
            provider_voice_id="burt",
            language="en-US",
            settings=Jsonb({"stability": 0.5, "similarityBoost": 0.75}),
            created_at=at,
            updated_at=at,
        )
        agents = [new_id(), new_id()]
        numbers = []
        for index in range(2):
            number_id = new_id()
            numbers.append(number_id)
            self._insert(
                "phone_numbers",
                id=number_id,
                tenant_id=tenant_id,
                number=line if (line and index == 0) else f"+1{area}55501{index:02d}",
                provider="twilio",
                provider_number_id=payloads.INBOUND_LINE_PROVIDER_ID
                if (line and index == 0)
                else f"pn-{tenant_id.hex[:12]}-{index}",
                label=f"Line {index + 1}",
                # Provisioned, as numbers come now: a row that does not say is unconfirmed.
                ownership="provisioned",
                inbound_agent_id=agents[0] if index == 0 else None,
                created_at=at,
                updated_at=at,
            )
        for index, agent_id in enumerate(agents):
            self._insert(
                "voice_agents",
                id=agent_id,
                tenant_id=tenant_id,
                name=f"{'Outbound' if index == 0 else 'Reception'} agent",
                voice_id=voice_id,
                default_number_id=numbers[index],
                created_by=owner,
                agent_instructions="Qualify the lead and book a free assessment.",
                system_instructions="You are Maya, a friendly sales agent of Acme Solar.",
                outbound_prompt="Call {{name}} about their enquiry on our website.",
                inbound_prompt="Answer questions about rooftop solar and book assessments.",
                first_message="Hi, this is Maya from Acme Solar.",
                language="en-US",
                config=Jsonb(
                    {"model": {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.4}}
                ),
                created_at=at,
                updated_at=at,
            )
        hot_lead = new_id()
        self._insert(
            "leads",
            id=hot_lead,
            tenant_id=tenant_id,
            name="Jordan Rivera",
            phone=payloads.KNOWN_CALLER if line else f"+1{area}5550199",
            email="jordan.rivera@example.com",
            source="website",
            status="contacted",
            timezone="America/Los_Angeles",
            metadata=Jsonb({"company": "Rivera Household", "score": 87}),
            created_at=at,
            updated_at=at,
        )
        self._contexts[tenant_id] = {"voice": voice_id, "number": numbers[0], "area": area}
        return TenantFixture(tenant_id, owner, key.token, token.token, hot_lead, agents[0])

    def leads(self, tenant: TenantFixture, count: int) -> None:
        context = self._contexts[tenant.id]
        self.conn.execute(
            _LEADS,
            {
                "tenant": tenant.id,
                "count": count,
                "area": context["area"],
                "start": self.now - timedelta(days=390),
            },
        )

    def calls(self, tenant: TenantFixture, count: int, tag: str, full: int) -> TenantFixture:
        """`count` ended calls of the tenant's hot lead over the past year, the newest `full`
        of them with their whole record; returns the tenant with its newest call's id.

        Written by one session per core, each a share of the rows (in its own transaction).
        """
        context = self._contexts[tenant.id]
        start = self.now - timedelta(days=365)
        values = {
            "tenant": tenant.id,
            "agent": tenant.agent_id,
            "lead": tenant.hot_lead_id,
            "voice": context["voice"],
            "number": context["number"],
            "to": f"+1{context['area']}5550199",
            "record": Jsonb(payloads.ended_call_record("x", "x")),
            "transcription": Jsonb(payloads.transcription()),
            "light_record": Jsonb(payloads.light_call_record()),
            "light_transcription": Jsonb(payloads.light_transcription()),
            "full": full,
            "summary": payloads.SUMMARY,
            "analysis": Jsonb(payloads.analysis()),
            "breakdown": Jsonb(payloads.cost_breakdown()),
            "reasons": list(_ENDED_REASONS),
            "start": start,
            "step": (self.now - timedelta(minutes=5) - start) / max(count, 1),
            "tag": tag,
            "count": count,
        }
        parts = max(1, min(os.cpu_count() or 1, count // 50_000))
        bounds = [1 + count * i // parts for i in range(parts + 1)]

        sessions: list[psycopg.Connection[Any]] = []

        def write(first: int, last: int) -> None:
            with _bulk_session(self.url) as conn:
                sessions.append(conn)
                conn.execute(_CALLS, {**values, "first": first, "last": last})

        with ThreadPoolExecutor(parts) as workers:
            shares = [workers.submit(write, bounds[i], bounds[i + 1] - 1) for i in range(parts)]
            try:
                for share in shares:
                    share.result()
            except BaseException:
                # Ctrl-C or a failed share: stop the others now, not when their rows are in.
                for session in sessions:
                    with suppress(psycopg.Error):
                        session.cancel()
                raise
        newest = self.conn.execute(
            "SELECT id FROM voice_calls WHERE tenant_id = %s ORDER BY created_at DESC, id DESC"
            " LIMIT 1",
            (tenant.id,),
        ).fetchone()
        return attrs.evolve(tenant, newest_call_id=newest[0] if newest else None)

    def unlimited_calls(self, tenant: TenantFixture) -> None:
        """An override lifting the tenant's concurrent calls past anything a run makes."""
        self.conn.execute(
            "INSERT INTO tenant_features (id, tenant_id, feature_id, feature_value, reason,"
            " created_at, updated_at) SELECT %s, %s, id, %s, 'bench', now(), now()"
            " FROM features WHERE feature_key = 'calls.concurrent.max'",
            (new_id(), tenant.id, Jsonb(ROOMY)),
        )

    def pool(self, tenant: TenantFixture, count: int) -> None:
        context = self._contexts[tenant.id]
        self.conn.execute(
            _POOL,
            {
                "tenant": tenant.id,
                "agent": tenant.agent_id,
                "voice": context["voice"],
                "number": context["number"],
                "count": count,
                "leads": self.sizes.pool_leads,
                "at": T0,
            },
        )


def seed(url: str, sizes: Sizes, log: Any = print) -> Fixture:
    """Fill the migrated database at `url`; returns what the scenarios need."""
    started = time.monotonic()
    with _bulk_session(url) as conn:
        seeder = Seeder(url, conn, sizes)
        small = seeder.tenant("Bench Small Co", "212")
        big = seeder.tenant("Bench Big Corp", "415")
        webhooks = seeder.tenant("Bench Inbound Co", "312", line=payloads.INBOUND_LINE)
        import_http = seeder.tenant("Bench Import HTTP", "617")
        import_cli = seeder.tenant("Bench Import CLI", "206")
        seeder.leads(small, sizes.other_leads)
        seeder.leads(big, sizes.other_leads)
        seeder.leads(webhooks, sizes.pool_leads)
        # Every assistant request is a new inbound call that takes a line and never ends:
        # past the plan's concurrent calls they would all be refused (see ROOMY).
        seeder.unlimited_calls(webhooks)
        conn.commit()
        log(f"seed: tenants, people, credentials and leads ({time.monotonic() - started:.1f} s)")
        small = seeder.calls(small, sizes.small_calls, "bench-small", sizes.full_calls)
        conn.commit()
        log(f"seed: {sizes.small_calls:,} calls ({time.monotonic() - started:.1f} s)")
        big = seeder.calls(big, sizes.big_calls, "bench-big", sizes.full_calls)
        conn.commit()
        log(f"seed: {sizes.big_calls:,} calls ({time.monotonic() - started:.1f} s)")
        seeder.pool(webhooks, sizes.pool)
        conn.commit()
        log(f"seed: {sizes.pool:,} calls in flight ({time.monotonic() - started:.1f} s)")
    with psycopg.connect(url, autocommit=True) as conn:
        # As autovacuum would have by then: statistics for the planner, the visibility map
        # for index-only scans.
        conn.execute("VACUUM (ANALYZE)")
        rows = {}
        for table in ("tenants", "users", "leads", "voice_calls"):
            counted = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            rows[table] = counted[0] if counted else 0
    seconds = time.monotonic() - started
    log(f"seed: vacuumed and analysed ({seconds:.1f} s)")
    return Fixture(small, big, webhooks, import_http, import_cli, sizes.pool, seconds, rows)
