"""Settings from the environment: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.settings import Settings, SettingsError

INT_VARIABLES = {
    "VOICE_AGENT_PORT": "port",
    "VOICE_AGENT_MAX_BODY_BYTES": "max_body_bytes",
    "VOICE_AGENT_DB_POOL_SIZE": "db_pool_size",
    "VOICE_AGENT_DB_CONNECT_TIMEOUT": "db_connect_timeout",
    "VOICE_AGENT_IMPORT_CONCURRENCY": "import_concurrency",
    "VOICE_AGENT_SIGN_IN_MAX_FAILURES": "sign_in_max_failures",
    "VOICE_AGENT_SIGN_IN_CLIENT_MAX_FAILURES": "sign_in_client_max_failures",
    "VOICE_AGENT_SIGN_IN_WINDOW_SECONDS": "sign_in_window_seconds",
    "VOICE_AGENT_SIGN_IN_BLOCK_SECONDS": "sign_in_block_seconds",
}
BOOL_VARIABLES = {"VOICE_AGENT_AUTO_MIGRATE": "auto_migrate", "VOICE_AGENT_SEED_DEMO": "seed_demo"}


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    settings = Settings.from_env({})

    assert settings.database_url is None
    assert settings.embedded
    assert settings.data_dir == Path("var")
    assert settings.pg_data_dir == Path("var") / "pg"
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.import_concurrency == 2
    assert settings.db_pool_size == 10
    assert settings.db_connect_timeout == 5
    assert settings.auto_migrate is True
    assert settings.seed_demo is True
    assert settings.log_level == "info"
    assert settings.log_format == "console"
    assert settings == Settings()


@pytest.mark.parametrize(("cores", "workers"), [(None, 0), (1, 0), (2, 1), (16, 1)])
def test_imports_get_a_worker_process_where_there_is_a_second_core(
    cores: int | None, workers: int
) -> None:
    with mock.patch("os.cpu_count", return_value=cores):
        assert Settings.from_env({}).import_workers == workers
        assert Settings().import_workers == workers


@pytest.mark.parametrize(("raw", "workers"), [("0", 0), ("1", 1), ("3", 3), ("", None)])
def test_import_workers_may_be_none_at_all(raw: str, workers: int | None) -> None:
    settings = Settings.from_env({"VOICE_AGENT_IMPORT_WORKERS": raw})

    assert settings.import_workers == (Settings().import_workers if workers is None else workers)


@pytest.mark.parametrize("raw", ["-1", "33", "two"])
def test_import_workers_out_of_range_are_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="VOICE_AGENT_IMPORT_WORKERS"):
        Settings.from_env({"VOICE_AGENT_IMPORT_WORKERS": raw})


def test_empty_variables_count_as_unset() -> None:
    blank = dict.fromkeys(("DATABASE_URL", "VOICE_AGENT_DATA_DIR", "VOICE_AGENT_HOST"), "")
    blank |= dict.fromkeys(INT_VARIABLES, "") | dict.fromkeys(BOOL_VARIABLES, "")

    assert Settings.from_env(blank) == Settings()


def test_a_database_url_means_an_external_database() -> None:
    url = "postgresql://app:secret@db.internal:5432/voice_agent"

    settings = Settings.from_env({"DATABASE_URL": url})

    assert settings.database_url == url
    assert not settings.embedded


def test_the_embedded_database_lives_under_the_data_dir() -> None:
    settings = Settings.from_env({"VOICE_AGENT_DATA_DIR": "/srv/voice"})

    assert settings.data_dir == Path("/srv/voice")
    assert settings.pg_data_dir == Path("/srv/voice/pg")


@pytest.mark.parametrize(("variable", "attribute"), INT_VARIABLES.items())
@given(value=st.integers(1, 65535))
def test_integers_are_parsed(variable: str, attribute: str, value: int) -> None:
    settings = Settings.from_env({variable: str(value)})

    assert getattr(settings, attribute) == value


@pytest.mark.parametrize(("variable", "attribute"), INT_VARIABLES.items())
@pytest.mark.parametrize("raw", ["abc", "80.5", "8080x", "0x50", "eighty", "1e3"])
def test_a_non_integer_is_an_error_naming_the_variable(
    variable: str, attribute: str, raw: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: raw})

    assert variable in str(raised.value)
    assert repr(raw) in str(raised.value)


@pytest.mark.parametrize("variable", INT_VARIABLES)
@pytest.mark.parametrize("raw", ["0", "-1", "-8080"])
def test_an_integer_below_one_is_an_error_naming_the_variable(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: raw})

    assert variable in str(raised.value)


@pytest.mark.parametrize("raw", ["65536", "70000", "1000000"])
def test_a_port_above_65535_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"VOICE_AGENT_PORT": raw})

    assert "VOICE_AGENT_PORT" in str(raised.value)


@pytest.mark.parametrize(("variable", "attribute"), BOOL_VARIABLES.items())
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_booleans_are_parsed(variable: str, attribute: str, raw: str, expected: bool) -> None:
    assert getattr(Settings.from_env({variable: raw}), attribute) is expected


@pytest.mark.parametrize("variable", BOOL_VARIABLES)
@pytest.mark.parametrize("raw", ["maybe", "2", "y", "n", "enabled", " true"])
def test_a_bad_boolean_is_an_error_naming_the_variable(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: raw})

    assert variable in str(raised.value)
    assert repr(raw) in str(raised.value)


@pytest.mark.parametrize("raw", ["console", "json"])
def test_both_log_formats_are_accepted(raw: str) -> None:
    assert Settings.from_env({"VOICE_AGENT_LOG_FORMAT": raw}).log_format == raw


@pytest.mark.parametrize("raw", ["xml", "text", "logfmt", "jsonl"])
def test_a_bad_log_format_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"VOICE_AGENT_LOG_FORMAT": raw})

    assert "VOICE_AGENT_LOG_FORMAT" in str(raised.value)


@pytest.mark.parametrize(
    ("raw", "expected"), [("debug", "debug"), ("WARNING", "warning"), ("Error", "error")]
)
def test_log_levels_are_parsed_in_any_case(raw: str, expected: str) -> None:
    assert Settings.from_env({"VOICE_AGENT_LOG_LEVEL": raw}).log_level == expected


@pytest.mark.parametrize("raw", ["verbose", "trace", "critical", "5"])
def test_a_bad_log_level_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"VOICE_AGENT_LOG_LEVEL": raw})

    assert "VOICE_AGENT_LOG_LEVEL" in str(raised.value)


def test_a_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)
