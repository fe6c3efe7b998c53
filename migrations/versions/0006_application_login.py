"""The application role becomes the application's login, with everything the API and the
workers use at run time: the database, the schema, our tables and the job queue's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:00:00

Until now the application logged in as the migrating user (a superuser on the embedded
server) and dropped to `voice_agent_app` with SET LOCAL ROLE per transaction; a RESET ROLE
gave every right back. From here `serve` and `worker` log in as `voice_agent_app` itself,
which owns nothing and cannot bypass row-level security.

Roles belong to the whole server: LOGIN is a property of the role, not of this database, so
the downgrade leaves it (another database of the server may be using the login); the
grants are per database and are taken back.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "voice_agent_app"

# A migrating user without the right to change roles (an external server whose
# administrator created the login beforehand) is told, not stopped: the grants below are
# still its to give, and `serve` refuses to start on a login it cannot use.
MAKE_LOGIN = f"""
DO $$
BEGIN
    IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        BEGIN
            ALTER ROLE {APP_ROLE} LOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING USING
                MESSAGE = format('%s cannot make {APP_ROLE} a login: %s', current_user, SQLERRM),
                HINT = 'the server''s administrator can: ALTER ROLE {APP_ROLE} LOGIN PASSWORD ...';
        END;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {APP_ROLE}', current_database());
END
$$
"""

REVOKE_DATABASE = f"""
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM {APP_ROLE}', current_database());
END
$$
"""

# The job queue (procrastinate, revision 0005): its tables and functions, whatever its
# version named them. The sequences behind its ids are granted with all sequences below.
JOB_QUEUE_TABLES = f"""
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO {APP_ROLE}', item.tablename);
    END LOOP;
END
$$
"""


def _job_queue_functions(change: str) -> str:
    """GRANT EXECUTE ... TO or REVOKE EXECUTE ... FROM the role, on every procrastinate_*
    function."""
    return f"""
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('{change}', item.signature);
    END LOOP;
END
$$
"""


def upgrade() -> None:
    op.execute(MAKE_LOGIN)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(JOB_QUEUE_TABLES)
    op.execute(_job_queue_functions(f"GRANT EXECUTE ON FUNCTION %s TO {APP_ROLE}"))
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}"
    )


def downgrade() -> None:
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}"
    )
    op.execute(f"REVOKE USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(_job_queue_functions(f"REVOKE EXECUTE ON FUNCTION %s FROM {APP_ROLE}"))
    op.execute(REVOKE_DATABASE)
