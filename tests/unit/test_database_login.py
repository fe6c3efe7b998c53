"""Which login `serve` and `worker` use: the settings, and the URL derived from the owner's."""

from __future__ import annotations

import attrs
from sqlalchemy.engine import make_url

from adapters.postgres.rls import APP_ROLE
from entrypoints import cli
from entrypoints.settings import Settings


def test_the_runtime_url_keeps_the_server_and_database_and_takes_a_password():
    owner = "postgresql://migrator:owner-secret@db.internal:6432/voice_agent?sslmode=require"

    derived = make_url(cli.runtime_database_url(Settings(database_url=owner), owner))
    with_password = make_url(
        cli.runtime_database_url(
            Settings(database_url=owner, app_database_password="app-secret"), owner
        )
    )
    given = cli.runtime_database_url(
        Settings(database_url=owner, app_database_url="postgresql://app:x@pgbouncer/va"), owner
    )

    assert (derived.username, derived.password) == (APP_ROLE, None)
    assert (derived.host, derived.port, derived.database) == ("db.internal", 6432, "voice_agent")
    assert derived.query == {"sslmode": "require"}
    assert (with_password.username, with_password.password) == (APP_ROLE, "app-secret")
    assert given == "postgresql://app:x@pgbouncer/va"
    # An API process may be given only the application's login: its password stays.
    app_only = f"postgresql://{APP_ROLE}:app-secret@db.internal/voice_agent"
    kept = make_url(cli.runtime_database_url(Settings(database_url=app_only), app_only))
    assert (kept.username, kept.password) == (APP_ROLE, "app-secret")


def test_settings_read_the_application_login():
    settings = Settings.from_env(
        {
            "VOICE_AGENT_APP_DATABASE_URL": "postgresql://app@db/va",
            "VOICE_AGENT_APP_DATABASE_PASSWORD": "s3cret",
        }
    )

    assert settings.app_database_url == "postgresql://app@db/va"
    assert settings.app_database_password == "s3cret"
    assert "s3cret" not in repr(settings)
    assert attrs.evolve(settings, app_database_url=None).app_database_url is None
