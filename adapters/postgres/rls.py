"""Row-level security: which tables are tenant-scoped, and the SQL that isolates them.

The migrations apply these statements; the unit of work sets the context per transaction.
"""

from __future__ import annotations

APP_ROLE = "voice_agent_app"
"""The role the application runs as (SET LOCAL ROLE): not the owner, no BYPASSRLS."""

TENANT_SETTING = "app.tenant_id"
USER_SETTING = "app.user_id"

CURRENT_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"
CURRENT_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::uuid"

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
    # Platform-level entries (tenant_id NULL) are written and read outside any tenant.
    "audit_log": (
        f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT}",
        f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT}",
    ),
}


def enable_statements(table: str) -> list[str]:
    using, check = POLICIES[table]
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({check})",
    ]


def disable_statements(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
