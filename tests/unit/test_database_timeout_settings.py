"""The database's bounds from the environment: defaults, parsing, and bounds that contradict."""

from __future__ import annotations

import pytest

from entrypoints.settings import Settings, SettingsError


def test_every_database_wait_is_bounded_by_default() -> None:
    settings = Settings.from_env({})

    assert settings.db_pool_timeout_seconds == 5.0
    assert settings.db_lock_timeout_seconds == 5.0
    assert settings.db_statement_timeout_seconds == 10.0
    assert settings.db_bulk_timeout_seconds == 600.0


def test_the_bounds_are_read_in_seconds() -> None:
    settings = Settings.from_env(
        {
            "VOICE_AGENT_DB_POOL_TIMEOUT_SECONDS": "0.5",
            "VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS": "1",
            "VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS": "2.5",
            "VOICE_AGENT_DB_BULK_TIMEOUT_SECONDS": "60",
        }
    )

    assert settings.db_pool_timeout_seconds == 0.5
    assert settings.db_lock_timeout_seconds == 1.0
    assert settings.db_statement_timeout_seconds == 2.5
    assert settings.db_bulk_timeout_seconds == 60.0


@pytest.mark.parametrize(
    "variable",
    [
        "VOICE_AGENT_DB_POOL_TIMEOUT_SECONDS",
        "VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS",
        "VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS",
        "VOICE_AGENT_DB_BULK_TIMEOUT_SECONDS",
    ],
)
@pytest.mark.parametrize("raw", ["0", "-1", "inf", "soon"])
def test_a_bound_that_is_no_positive_number_is_an_error_naming_it(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: raw})


def test_a_lock_wait_longer_than_a_statement_is_refused() -> None:
    with pytest.raises(SettingsError, match="VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS"):
        Settings.from_env(
            {
                "VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS": "20",
                "VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS": "10",
            }
        )


def test_a_bulk_bound_shorter_than_a_requests_is_refused() -> None:
    with pytest.raises(SettingsError, match="VOICE_AGENT_DB_BULK_TIMEOUT_SECONDS"):
        Settings.from_env(
            {
                "VOICE_AGENT_DB_BULK_TIMEOUT_SECONDS": "5",
                "VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS": "10",
            }
        )
