"""Configuration: environment variables into one typed, validated settings object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs


class SettingsError(ValueError):
    """An environment variable has a value the service cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(
    env: Mapping[str, str], name: str, default: int, *, minimum: int = 1, maximum: int | None = None
) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name} must be at most {maximum}")
    return value


@attrs.frozen
class Settings:
    """Every setting, its environment variable and default (the README has the same table)."""

    database_url: str | None = None
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 1024 * 1024
    upload_max_bytes: int = 64 * 1024 * 1024
    db_pool_size: int = 10
    db_connect_timeout: int = 5
    entitlement_cache_seconds: int = 10
    auto_migrate: bool = True
    seed_demo: bool = True
    log_level: str = "info"
    log_format: Literal["console", "json"] = "console"

    @property
    def embedded(self) -> bool:
        """No DATABASE_URL: run our own PostgreSQL in `pg_data_dir`."""
        return self.database_url is None

    @property
    def pg_data_dir(self) -> Path:
        return self.data_dir / "pg"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        log_format = (env.get("VOICE_AGENT_LOG_FORMAT") or "console").lower()
        if log_format not in ("console", "json"):
            raise SettingsError("VOICE_AGENT_LOG_FORMAT must be console or json")
        log_level = (env.get("VOICE_AGENT_LOG_LEVEL") or "info").lower()
        if log_level not in ("debug", "info", "warning", "error"):
            raise SettingsError("VOICE_AGENT_LOG_LEVEL must be debug, info, warning or error")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("VOICE_AGENT_DATA_DIR") or "var"),
            host=env.get("VOICE_AGENT_HOST") or "127.0.0.1",
            port=_int(env, "VOICE_AGENT_PORT", 8080, maximum=65535),
            max_body_bytes=_int(env, "VOICE_AGENT_MAX_BODY_BYTES", 1024 * 1024),
            upload_max_bytes=_int(env, "VOICE_AGENT_UPLOAD_MAX_BYTES", 64 * 1024 * 1024),
            db_pool_size=_int(env, "VOICE_AGENT_DB_POOL_SIZE", 10),
            db_connect_timeout=_int(env, "VOICE_AGENT_DB_CONNECT_TIMEOUT", 5),
            entitlement_cache_seconds=_int(
                env, "VOICE_AGENT_ENTITLEMENT_CACHE_SECONDS", 10, minimum=0
            ),
            auto_migrate=_bool(env, "VOICE_AGENT_AUTO_MIGRATE", True),
            seed_demo=_bool(env, "VOICE_AGENT_SEED_DEMO", True),
            log_level=log_level,
            log_format=log_format,  # type: ignore[arg-type]
        )
