"""The login the application runs as, and what would let it escape row-level security.

Row-level security binds neither a superuser, nor a role with BYPASSRLS, nor the tables'
owner (who may turn it off). `SET LOCAL ROLE` to a role without those rights is not enough
when the login has them: `RESET ROLE` — one injected statement — gives them back. So the
application's login itself must have none of them, nor be able to take them on (membership
in such a role, or CREATEROLE, which may grant it such memberships).

Nor may it inherit the routing role: that role's policies show the calls and lines a
provider's message names, whatever the tenant, and are meant only for the moment a message
is routed (SET LOCAL ROLE); inherited, they would widen every tenant's reads to routed rows
and mislead the planner on every tenant query.
"""

from __future__ import annotations

import psycopg

from adapters.postgres.engine import libpq_url
from adapters.postgres.rls import ROUTER_ROLE

_ESCAPES = f"""
SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole,
       ARRAY(SELECT o.rolname::text FROM pg_roles o
             WHERE (o.rolsuper OR o.rolbypassrls) AND o.rolname <> session_user
               AND pg_has_role(session_user, o.oid, 'MEMBER') ORDER BY 1),
       ARRAY(SELECT c.relname::text FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
               AND pg_has_role(session_user, c.relowner, 'MEMBER') ORDER BY 1),
       EXISTS(SELECT 1 FROM pg_roles x
              WHERE x.rolname = '{ROUTER_ROLE}' AND NOT r.rolsuper
                AND pg_has_role(session_user, x.oid, 'USAGE'))
FROM pg_roles r WHERE r.rolname = session_user
"""


class LoginUnavailable(Exception):
    """The server refused the login (no such role, NOLOGIN, wrong password) or is unreachable."""


def escapes_from_row_level_security(url: str, *, connect_timeout: float = 5) -> list[str]:
    """What would let a session logged in with `url` escape row-level security, in words;
    empty when nothing would. Raises LoginUnavailable when it cannot log in."""
    try:
        with psycopg.connect(
            libpq_url(url), connect_timeout=max(1, round(connect_timeout))
        ) as conn:
            login = str(conn.info.user)
            row = conn.execute(_ESCAPES).fetchone()
    except psycopg.OperationalError as error:
        raise LoginUnavailable(str(error).strip()) from None
    if row is None:  # the login's role vanished between connecting and asking
        raise LoginUnavailable(f"role {login} does not exist")
    superuser, bypassrls, createrole, privileged_roles, owned_tables, inherits_router = row
    escapes = []
    if superuser:
        escapes.append(f"{login} is a superuser")
    if bypassrls:
        escapes.append(f"{login} has BYPASSRLS")
    if createrole:
        escapes.append(f"{login} has CREATEROLE (it may make itself a member of the owner)")
    if privileged_roles:
        escapes.append(f"{login} may act as {', '.join(privileged_roles)} (superuser or BYPASSRLS)")
    if owned_tables:
        shown = ", ".join(owned_tables[:5]) + (", ..." if len(owned_tables) > 5 else "")
        escapes.append(f"{login} owns (or may act as the owner of) the tables {shown}")
    if inherits_router:
        escapes.append(
            f"{login} inherits {ROUTER_ROLE} (it must be a member WITH INHERIT FALSE, or"
            " NOINHERIT before PostgreSQL 16, so that the routing policies apply only while"
            " a message is routed)"
        )
    return escapes
