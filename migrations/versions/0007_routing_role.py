"""Routing reads get a role of their own: the policies that let a provider's message find its
call (voice_calls provider_routing) and an inbound call its line (phone_numbers
inbound_routing) apply to `voice_agent_router` only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 08:00:00

Until now both policies applied to every role, so PostgreSQL OR-ed them into every query of
the application role, a tenant's list of calls included. Estimating the tenant's condition
twice over, the planner expected a few dozen of the tenant's rows, read all of them through
a BitmapOr of three indexes and sorted them for a page: a tenant with ten thousand calls was
served slower than one with a million. Under `voice_agent_app` only `tenant_isolation` now
applies; a routing transaction starts as `voice_agent_router`, which reads the named call or
line and can write nothing, and moves to `voice_agent_app` with its tenant.

`voice_agent_app` is made a member of the routing role, so that it (the login) and whoever
may act as it (the owner) can SET ROLE to it, but it must not inherit the role: PostgreSQL
applies a policy `TO role` to every role that has that role's privileges, so an inherited
membership would put the routing policies back into the tenant's queries. PostgreSQL 16
says so on the grant (WITH INHERIT FALSE); before 16 inheritance is the member's attribute,
so `voice_agent_app` becomes NOINHERIT (it is a member of no other role).

Roles belong to the whole server: the role may exist already (another database of the
server), and the downgrade leaves it and its membership, taking back only the grants and
policies of this database. A migrating user without the right to create or grant roles
(an external server whose administrator set them up beforehand) finds them in place and
goes on; if they are missing or inherited it is stopped, with the statements the
administrator must run.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"
ROUTER_ROLE = "voice_agent_router"

_ADMINISTRATOR_HINT = (
    f"the server''s administrator can run: CREATE ROLE {ROUTER_ROLE} NOLOGIN; then on"
    f" PostgreSQL 16 or newer GRANT {ROUTER_ROLE} TO {APP_ROLE} WITH INHERIT FALSE, before 16"
    f" ALTER ROLE {APP_ROLE} NOINHERIT; GRANT {ROUTER_ROLE} TO {APP_ROLE}"
)

MAKE_ROUTER = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROUTER_ROLE}') THEN
        BEGIN
            CREATE ROLE {ROUTER_ROLE} NOLOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database of the server, migrating at the same time, made it
        WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = format('%s cannot create the role {ROUTER_ROLE}: %s',
                    current_user, SQLERRM),
                HINT = '{_ADMINISTRATOR_HINT}';
        END;
    END IF;
    IF NOT pg_has_role('{APP_ROLE}', '{ROUTER_ROLE}', 'MEMBER')
            OR pg_has_role('{APP_ROLE}', '{ROUTER_ROLE}', 'USAGE') THEN
        BEGIN
            IF current_setting('server_version_num')::int >= 160000 THEN
                EXECUTE 'GRANT {ROUTER_ROLE} TO {APP_ROLE} WITH INHERIT FALSE';
            ELSE
                IF (SELECT rolinherit FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                    EXECUTE 'ALTER ROLE {APP_ROLE} NOINHERIT';
                END IF;
                IF NOT pg_has_role('{APP_ROLE}', '{ROUTER_ROLE}', 'MEMBER') THEN
                    EXECUTE 'GRANT {ROUTER_ROLE} TO {APP_ROLE}';
                END IF;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = format('%s cannot make {APP_ROLE} a member of {ROUTER_ROLE} that'
                    ' does not inherit it: %s', current_user, SQLERRM),
                HINT = '{_ADMINISTRATOR_HINT}';
        END;
    END IF;
    -- Another grant (another grantor's) may still pass the privileges on.
    IF pg_has_role('{APP_ROLE}', '{ROUTER_ROLE}', 'USAGE') THEN
        RAISE EXCEPTION USING
            MESSAGE = '{APP_ROLE} inherits {ROUTER_ROLE}: the routing policies would apply to'
                ' every tenant''s queries',
            HINT = 'revoke the inherited membership; {_ADMINISTRATOR_HINT}';
    END IF;
END
$$
"""

# Frozen copies of adapters.postgres.rls at this revision: a migration never changes.
ROUTING_POLICIES = [
    "DROP POLICY IF EXISTS inbound_routing ON phone_numbers",
    "CREATE POLICY inbound_routing ON phone_numbers FOR SELECT TO voice_agent_router USING (status = 'active' AND (number = NULLIF(current_setting('app.called_number', true), '') OR provider_number_id = NULLIF(current_setting('app.called_provider_number_id', true), '')))",
    "DROP POLICY IF EXISTS provider_routing ON voice_calls",
    "CREATE POLICY provider_routing ON voice_calls FOR SELECT TO voice_agent_router USING (id = NULLIF(current_setting('app.routed_call_id', true), '')::uuid OR vapi_call_id = NULLIF(current_setting('app.routed_provider_call_id', true), ''))",
]

# The policies as revision 0004 made them.
ROUTING_POLICIES_OFF = [
    "DROP POLICY IF EXISTS provider_routing ON voice_calls",
    "CREATE POLICY provider_routing ON voice_calls FOR SELECT USING (id = NULLIF(current_setting('app.routed_call_id', true), '')::uuid OR vapi_call_id = NULLIF(current_setting('app.routed_provider_call_id', true), ''))",
    "DROP POLICY IF EXISTS inbound_routing ON phone_numbers",
    "CREATE POLICY inbound_routing ON phone_numbers FOR SELECT USING (status = 'active' AND (number = NULLIF(current_setting('app.called_number', true), '') OR provider_number_id = NULLIF(current_setting('app.called_provider_number_id', true), '')))",
]

ROUTED_TABLES = "phone_numbers, voice_calls"


def upgrade() -> None:
    op.execute(MAKE_ROUTER)
    # Only what routing reads: no other table, no write, no sequence.
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROUTER_ROLE}")
    op.execute(f"GRANT SELECT ON {ROUTED_TABLES} TO {ROUTER_ROLE}")
    for statement in ROUTING_POLICIES:
        op.execute(statement)


def downgrade() -> None:
    for statement in ROUTING_POLICIES_OFF:
        op.execute(statement)
    op.execute(f"REVOKE ALL ON {ROUTED_TABLES} FROM {ROUTER_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROUTER_ROLE}")
