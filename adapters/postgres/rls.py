"""Row-level security: which tables are tenant-scoped, and the SQL that isolates them.

The migrations apply these statements; the unit of work sets the context per transaction.
"""

from __future__ import annotations

from typing import NamedTuple

APP_ROLE = "voice_agent_app"
"""The role the application runs as (SET LOCAL ROLE): not the owner, no BYPASSRLS."""

ROUTER_ROLE = "voice_agent_router"
"""The role a routing transaction starts as, before it knows its tenant (SET LOCAL ROLE):
it may read the calls or the line its context names, on the two tables it routes by, and
write nothing. The application role may become it but does not inherit it, so the routing
policies never join the tenant's own in the application role's queries."""

TENANT_SETTING = "app.tenant_id"
USER_SETTING = "app.user_id"
CALLED_NUMBER_SETTING = "app.called_number"
CALLED_PROVIDER_NUMBER_SETTING = "app.called_provider_number_id"
ROUTED_CALL_SETTING = "app.routed_call_id"
ROUTED_PROVIDER_CALL_SETTING = "app.routed_provider_call_id"

CURRENT_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"
CURRENT_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::uuid"
CALLED_NUMBER = f"NULLIF(current_setting('{CALLED_NUMBER_SETTING}', true), '')"
CALLED_PROVIDER_NUMBER = f"NULLIF(current_setting('{CALLED_PROVIDER_NUMBER_SETTING}', true), '')"
ROUTED_CALL = f"NULLIF(current_setting('{ROUTED_CALL_SETTING}', true), '')::uuid"
ROUTED_PROVIDER_CALL = f"NULLIF(current_setting('{ROUTED_PROVIDER_CALL_SETTING}', true), '')"
_OWN = f"tenant_id = {CURRENT_TENANT}"

# Policies by table: (USING, WITH CHECK). A missing context makes every predicate NULL,
# so nothing is visible and nothing can be written.
POLICIES: dict[str, tuple[str, str]] = {
    # A user also sees their own memberships in every tenant ("my tenants").
    "memberships": (
        f"tenant_id = {CURRENT_TENANT} OR user_id = {CURRENT_USER}",
        f"tenant_id = {CURRENT_TENANT}",
    ),
    "tenant_features": (f"tenant_id = {CURRENT_TENANT}", f"tenant_id = {CURRENT_TENANT}"),
    "api_keys": (f"tenant_id = {CURRENT_TENANT}", f"tenant_id = {CURRENT_TENANT}"),
    "invitations": (_OWN, _OWN),
    # Platform-level entries (tenant_id NULL) are written and read outside any tenant.
    "audit_log": (
        f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT}",
        f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT}",
    ),
    "voices": (_OWN, _OWN),
    "phone_numbers": (_OWN, _OWN),
    "provider_credentials": (_OWN, _OWN),
    "phone_number_settling": (_OWN, _OWN),
    "voice_agents": (_OWN, _OWN),
    "leads": (_OWN, _OWN),
    "voice_calls": (_OWN, _OWN),
    "live_calls": (_OWN, _OWN),
    "ai_usage": (_OWN, _OWN),
    "call_batches": (_OWN, _OWN),
    "call_batch_items": (_OWN, _OWN),
    "running_batches": (_OWN, _OWN),
    "webhook_endpoints": (_OWN, _OWN),
    "outbound_events": (_OWN, _OWN),
    "webhook_deliveries": (_OWN, _OWN),
    "webhook_delivery_attempts": (_OWN, _OWN),
    "webhook_delivery_queue": (_OWN, _OWN),
    "tenant_exports": (_OWN, _OWN),
    "tenant_export_chunks": (_OWN, _OWN),
    "tenant_export_queue": (_OWN, _OWN),
    # Messages about no call of ours (tenant_id NULL) are written and read outside any tenant.
    "webhook_events": (
        f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT}",
        f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT}",
    ),
}


class ReadPolicy(NamedTuple):
    """A SELECT-only policy: its name, its USING, and the one role it applies to (None:
    every role, PUBLIC)."""

    name: str
    using: str
    role: str | None = None


# Extra read-only policies, OR-ed with the table's isolation for SELECT only, for the roles
# they name. PostgreSQL ORs every permissive policy that applies into each query, so a
# routing policy that applied to the application role would join every tenant's reads:
# the planner, multiplying the selectivities, expects almost no row of the tenant and
# reads the whole tenant through a BitmapOr, then sorts it, instead of a page in index
# order. The routing policies apply to the routing role alone.
READ_POLICIES: dict[str, ReadPolicy] = {
    # Routing an inbound call must find the tenant of the called number before any tenant
    # context exists: that context shows the one active row with the number, and nothing
    # else. The line is named by its number or by the provider's id for it (Vapi's
    # phoneNumberId).
    "phone_numbers": ReadPolicy(
        "inbound_routing",
        f"status = 'active' AND (number = {CALLED_NUMBER}"
        f" OR provider_number_id = {CALLED_PROVIDER_NUMBER})",
        ROUTER_ROLE,
    ),
    # A provider's message names a call by our id or the provider's, before any tenant
    # context exists: that context shows the calls with those ids, and nothing else.
    "voice_calls": ReadPolicy(
        "provider_routing",
        f"id = {ROUTED_CALL} OR vapi_call_id = {ROUTED_PROVIDER_CALL}",
        ROUTER_ROLE,
    ),
    # The registry of calls in flight is counted across tenants (the provider's concurrency
    # is shared) and swept by the reconciler; it holds ids and times, never a tenant's data,
    # and is written only in its own tenant's context.
    "live_calls": ReadPolicy("every_tenant_reads", "true"),
    # The registry of running batches is read across tenants by the dispatcher, which shares
    # the provider's lines between them; it holds ids only, and is written only in its own
    # tenant's context.
    "running_batches": ReadPolicy("every_tenant_reads", "true"),
    # The queue of webhook deliveries due is read across tenants by the delivery workers;
    # it holds ids and times only, and is written only in its own tenant's context.
    "webhook_delivery_queue": ReadPolicy("every_tenant_reads", "true"),
    # The queue of exports to build or remove is read across tenants by the export workers;
    # it holds ids and times only, and is written only in its own tenant's context.
    "tenant_export_queue": ReadPolicy("every_tenant_reads", "true"),
    # The registry of numbers being provisioned is read across tenants by the workers that
    # settle them; it holds ids and times only, and is written only in its own tenant's context.
    "phone_number_settling": ReadPolicy("every_tenant_reads", "true"),
}

ROUTED_TABLES = tuple(t for t, p in READ_POLICIES.items() if p.role == ROUTER_ROLE)
"""What the routing role may read (SELECT, its only grant): the tables it routes by."""


def enable_statements(table: str) -> list[str]:
    using, check = POLICIES[table]
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({check})",
    ]
    if table in READ_POLICIES:
        name, read, role = READ_POLICIES[table]
        to = f" TO {role}" if role else ""
        statements.append(f"CREATE POLICY {name} ON {table} FOR SELECT{to} USING ({read})")
    return statements


def disable_statements(table: str) -> list[str]:
    statements = []
    if table in READ_POLICIES:
        statements.append(f"DROP POLICY IF EXISTS {READ_POLICIES[table].name} ON {table}")
    return [
        *statements,
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
