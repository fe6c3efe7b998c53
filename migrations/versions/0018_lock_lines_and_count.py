"""The placement lock and the count of the calls on the line, in one statement.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:10:00

A placement, and every inbound call, takes the placement lock and then counts the calls on
the line: the count must see what the lock's previous holder committed, so its snapshot
must be taken once the lock is held, and in one plain statement it would be taken before
the lock's wait. They were two statements, sent together in the driver's pipeline mode. A
VOLATILE function takes a fresh snapshot for each query it runs (under READ COMMITTED, the
application's level), so one call of this function locks, then counts: one statement for
the driver to send and read.

It runs with its caller's rights and row-level security (SECURITY INVOKER, the default).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"


def upgrade() -> None:
    op.execute(
        """
CREATE FUNCTION lock_lines_and_count(
    lock_key bigint, tenant uuid, OUT everyone bigint, OUT theirs bigint
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT count(*), count(*) FILTER (WHERE live_calls.tenant_id = tenant)
        INTO everyone, theirs
        FROM live_calls
        WHERE on_line;
END
$$
"""
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION lock_lines_and_count(bigint, uuid) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION lock_lines_and_count(bigint, uuid)")
