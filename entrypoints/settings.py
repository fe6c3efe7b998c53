"""Configuration: environment variables into one typed, validated settings object."""

from __future__ import annotations

import email.utils
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from adapters.email import (
    DEFAULT_SENDER,
    DEFAULT_SMTP_PORTS,
    DEFAULT_SMTP_TIMEOUT_SECONDS,
    SMTP_TLS_MODES,
    SmtpTls,
)
from domain.webhooks import DEFAULT_DISABLE_AFTER, DEFAULT_RETRY_DELAYS


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


# How stale another process's view of a revoked key or a removed member may be.
ACCESS_CACHE_MAX_SECONDS = 60.0


def _access_cache_seconds(env: Mapping[str, str]) -> float:
    name = "VOICE_AGENT_ACCESS_CACHE_SECONDS"
    seconds = _float(env, name, 5.0)
    if seconds > ACCESS_CACHE_MAX_SECONDS:
        raise SettingsError(f"{name} must be at most {ACCESS_CACHE_MAX_SECONDS:g}")
    return seconds


def _delays(env: Mapping[str, str], name: str) -> tuple[float, ...]:
    """Comma-separated seconds, each > 0; unset: the default schedule."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return tuple(d.total_seconds() for d in DEFAULT_RETRY_DELAYS)
    try:
        delays = tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise SettingsError(f"{name} must be comma-separated seconds, e.g. 5,300,1800") from None
    if not delays or any(not d > 0 for d in delays):
        raise SettingsError(f"{name} must be comma-separated seconds, each above 0")
    return delays


def _float(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if not value >= minimum or value == float("inf"):
        raise SettingsError(f"{name} must be a finite number of at least {minimum}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _database_timeouts(env: Mapping[str, str]) -> tuple[float, float, float, float]:
    """(pool, statement, lock, bulk) seconds."""
    pool = _float(env, "VOICE_AGENT_DB_POOL_TIMEOUT_SECONDS", 5.0, minimum=0.1)
    statement = _float(env, "VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS", 10.0, minimum=0.1)
    lock = _float(env, "VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS", 5.0, minimum=0.1)
    bulk = _float(env, "VOICE_AGENT_DB_BULK_TIMEOUT_SECONDS", 600.0, minimum=0.1)
    # A lock wait is part of a statement: a longer one could never be reached.
    if lock > statement:
        raise SettingsError(
            "VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS must not exceed"
            " VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS"
        )
    if bulk < statement:
        raise SettingsError(
            "VOICE_AGENT_DB_BULK_TIMEOUT_SECONDS must be at least"
            " VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS"
        )
    return pool, statement, lock, bulk


_SMTP_ONLY = (
    "VOICE_AGENT_SMTP_PORT",
    "VOICE_AGENT_SMTP_TLS",
    "VOICE_AGENT_SMTP_USERNAME",
    "VOICE_AGENT_SMTP_PASSWORD",
)


def _email_settings(env: Mapping[str, str]) -> dict[str, object]:
    """The mailer's settings; the SMTP port and the public URL only when given (their
    defaults follow the TLS mode and the API's port)."""
    host = (env.get("VOICE_AGENT_SMTP_HOST") or "").strip() or None
    if host is None:
        stray = [name for name in _SMTP_ONLY if env.get(name)]
        if stray:
            # Without this the messages would quietly go to the outbox instead.
            raise SettingsError(f"{stray[0]} is set but VOICE_AGENT_SMTP_HOST is not")
    elif any(c.isspace() or c in "/@" for c in host):
        raise SettingsError(f"VOICE_AGENT_SMTP_HOST must be a host name or address, not {host!r}")
    tls = _choice(env, "VOICE_AGENT_SMTP_TLS", "starttls", SMTP_TLS_MODES)
    username = env.get("VOICE_AGENT_SMTP_USERNAME") or None
    password = env.get("VOICE_AGENT_SMTP_PASSWORD") or None
    if (username is None) != (password is None):
        raise SettingsError(
            "VOICE_AGENT_SMTP_USERNAME and VOICE_AGENT_SMTP_PASSWORD go together: set both or"
            " neither"
        )
    values: dict[str, object] = {
        "smtp_host": host,
        "smtp_tls": tls,
        "smtp_username": username,
        "smtp_password": password,
        "smtp_timeout_seconds": _float(
            env, "VOICE_AGENT_SMTP_TIMEOUT_SECONDS", DEFAULT_SMTP_TIMEOUT_SECONDS, minimum=0.1
        ),
        "email_from": _sender(env.get("VOICE_AGENT_EMAIL_FROM") or DEFAULT_SENDER),
    }
    if env.get("VOICE_AGENT_SMTP_PORT"):
        values["smtp_port"] = _int(
            env, "VOICE_AGENT_SMTP_PORT", DEFAULT_SMTP_PORTS[tls], maximum=65535
        )
    if env.get("VOICE_AGENT_PUBLIC_URL"):
        values["public_url"] = _public_url(env["VOICE_AGENT_PUBLIC_URL"])
    return values


def _sender(raw: str) -> str:
    name = "VOICE_AGENT_EMAIL_FROM"
    addresses = email.utils.getaddresses([raw])
    if "\r" in raw or "\n" in raw or len(addresses) != 1 or "@" not in addresses[0][1]:
        raise SettingsError(
            f"{name} must be one address, e.g. 'Voice Agent <no-reply@example.com>', not {raw!r}"
        )
    return raw.strip()


def _public_url(raw: str, name: str = "VOICE_AGENT_PUBLIC_URL") -> str:
    parts = urllib.parse.urlsplit(raw.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise SettingsError(
            f"{name} must be an http or https URL without credentials, query or fragment,"
            f" e.g. https://voice.example.com, not {raw!r}"
        )
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise SettingsError(f"{name} has an invalid port: {raw!r}") from None
    return raw.strip().rstrip("/")


WEBHOOK_AUTH_MODES = ("bearer", "x-vapi-secret", "hmac")
SANDBOX_OUTCOMES = ("completed", "busy", "no-answer", "voicemail", "random")


MAX_IMPORT_WORKERS = 32


def default_import_workers() -> int:
    """One worker process for imports beside the process itself, where a second core can run
    it."""
    return 1 if (os.cpu_count() or 1) > 1 else 0


@attrs.frozen
class Settings:
    """Every setting, its environment variable and default (the README has the same table)."""

    database_url: str | None = attrs.field(default=None, repr=False)
    app_database_url: str | None = attrs.field(default=None, repr=False)
    app_database_password: str | None = attrs.field(default=None, repr=False)
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 1024 * 1024
    upload_max_bytes: int = 64 * 1024 * 1024
    import_concurrency: int = 2
    import_workers: int = attrs.field(factory=default_import_workers)
    db_pool_size: int = 10
    db_connect_timeout: int = 5
    db_pool_timeout_seconds: float = 5.0
    db_statement_timeout_seconds: float = 10.0
    db_lock_timeout_seconds: float = 5.0
    db_bulk_timeout_seconds: float = 600.0
    entitlement_cache_seconds: int = 10
    access_cache_seconds: float = 5.0
    auto_migrate: bool = True
    seed_demo: bool = True
    log_level: str = "info"
    log_format: Literal["console", "json"] = "console"
    vapi_api_key: str | None = attrs.field(default=None, repr=False)
    vapi_base_url: str = "https://api.vapi.ai"
    vapi_timeout_seconds: float = 10.0
    vapi_connect_timeout_seconds: float = 3.0
    webhook_auth: str = "bearer"
    webhook_secret: str | None = attrs.field(default=None, repr=False)
    webhook_header: str = "Authorization"
    webhook_max_skew_seconds: int = 300
    vapi_server_url: str | None = None
    """Where Vapi sends the messages of the numbers provisioned here; None: the webhook under
    `public_url`."""
    vapi_server_credential_id: str | None = None
    """The Vapi credential that authenticates those messages (Server URL credentialId)."""
    provider_max_concurrent_calls: int = 10
    tenant_max_concurrent_calls: int | None = None
    """The most of the provider's lines one tenant may hold; None: half of them."""
    reconcile_after_seconds: int = 900
    reconcile_recheck_seconds: int = 300
    report_grace_seconds: int = 120
    sandbox_ring_seconds: float = 2.0
    sandbox_talk_seconds: float = 8.0
    sandbox_outcome: str = "completed"
    sandbox_seed: int = 0
    worker: bool = True
    webhooks_allow_private_targets: bool = False
    """Deliver tenants' events to loopback and private addresses too (local development)."""
    webhooks_timeout_seconds: float = 10.0
    webhooks_retry_delays: tuple[float, ...] = tuple(
        d.total_seconds() for d in DEFAULT_RETRY_DELAYS
    )
    webhooks_disable_after_seconds: int = int(DEFAULT_DISABLE_AFTER.total_seconds())
    smtp_host: str | None = None
    """No host: messages are written to the outbox under the data directory."""
    smtp_tls: SmtpTls = "starttls"
    smtp_port: int = attrs.field(
        default=attrs.Factory(lambda self: DEFAULT_SMTP_PORTS[self.smtp_tls], takes_self=True)
    )
    smtp_username: str | None = None
    smtp_password: str | None = attrs.field(default=None, repr=False)
    smtp_timeout_seconds: float = DEFAULT_SMTP_TIMEOUT_SECONDS
    email_from: str = DEFAULT_SENDER
    public_url: str = attrs.field(
        default=attrs.Factory(lambda self: f"http://127.0.0.1:{self.port}", takes_self=True)
    )
    """Where people reach the API: the base of the links and instructions in emails."""
    invitation_days: int = 7
    sign_in_token_hours: int = 12
    sign_in_max_failures: int = 5
    sign_in_client_max_failures: int = 50
    sign_in_window_seconds: int = 900
    sign_in_block_seconds: int = 900
    trusted_proxies: int = 0
    """How many proxies in front of the API append to X-Forwarded-For (0: none, the peer
    address is the client's)."""
    tenant_purge_grace_days: float = 30.0
    """How long a closed tenant stays reopenable before its data is deleted (fractions of a
    day allowed: 0.001 is about 86 s)."""
    tenant_export_days: float = 7.0
    webhook_inbox_days: float = 30.0
    """How long the provider's applied messages are kept in the inbox."""
    webhook_failed_days: float = 90.0
    """How long a message that failed to apply is kept, unless replayed (then as applied)."""
    """How long an export's archive is kept once built."""

    @property
    def vapi_server(self) -> dict[str, Any]:
        """The Server URL of the numbers provisioned at Vapi: our webhook, authenticated as
        it expects (a Vapi credential when one is named, else the secret as a header)."""
        server: dict[str, Any] = {
            "url": self.vapi_server_url or f"{self.public_url}/v1/webhooks/vapi"
        }
        if self.vapi_server_credential_id is not None:
            server["credentialId"] = self.vapi_server_credential_id
        elif self.webhook_secret is not None and self.webhook_auth == "bearer":
            server["headers"] = {self.webhook_header: f"Bearer {self.webhook_secret}"}
        elif self.webhook_secret is not None and self.webhook_auth == "x-vapi-secret":
            server["headers"] = {"X-Vapi-Secret": self.webhook_secret}
        return server

    @property
    def sandbox(self) -> bool:
        """No Vapi key: calls go to the sandbox provider."""
        return self.vapi_api_key is None

    @property
    def embedded(self) -> bool:
        """No DATABASE_URL: run our own PostgreSQL in `pg_data_dir`."""
        return self.database_url is None

    @property
    def pg_data_dir(self) -> Path:
        return self.data_dir / "pg"

    @property
    def outbox_dir(self) -> Path:
        """Where messages are written when no SMTP server is configured."""
        return self.data_dir / "outbox"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        log_format = (env.get("VOICE_AGENT_LOG_FORMAT") or "console").lower()
        if log_format not in ("console", "json"):
            raise SettingsError("VOICE_AGENT_LOG_FORMAT must be console or json")
        log_level = (env.get("VOICE_AGENT_LOG_LEVEL") or "info").lower()
        if log_level not in ("debug", "info", "warning", "error"):
            raise SettingsError("VOICE_AGENT_LOG_LEVEL must be debug, info, warning or error")
        pool, statement, lock, bulk = _database_timeouts(env)
        email_settings = _email_settings(env)
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            app_database_url=env.get("VOICE_AGENT_APP_DATABASE_URL") or None,
            app_database_password=env.get("VOICE_AGENT_APP_DATABASE_PASSWORD") or None,
            data_dir=Path(env.get("VOICE_AGENT_DATA_DIR") or "var"),
            host=env.get("VOICE_AGENT_HOST") or "127.0.0.1",
            port=_int(env, "VOICE_AGENT_PORT", 8080, maximum=65535),
            max_body_bytes=_int(env, "VOICE_AGENT_MAX_BODY_BYTES", 1024 * 1024),
            upload_max_bytes=_int(env, "VOICE_AGENT_UPLOAD_MAX_BYTES", 64 * 1024 * 1024),
            import_concurrency=_int(env, "VOICE_AGENT_IMPORT_CONCURRENCY", 2),
            import_workers=_int(
                env,
                "VOICE_AGENT_IMPORT_WORKERS",
                default_import_workers(),
                minimum=0,
                maximum=MAX_IMPORT_WORKERS,
            ),
            db_pool_size=_int(env, "VOICE_AGENT_DB_POOL_SIZE", 10),
            db_connect_timeout=_int(env, "VOICE_AGENT_DB_CONNECT_TIMEOUT", 5),
            db_pool_timeout_seconds=pool,
            db_statement_timeout_seconds=statement,
            db_lock_timeout_seconds=lock,
            db_bulk_timeout_seconds=bulk,
            entitlement_cache_seconds=_int(
                env, "VOICE_AGENT_ENTITLEMENT_CACHE_SECONDS", 10, minimum=0
            ),
            access_cache_seconds=_access_cache_seconds(env),
            auto_migrate=_bool(env, "VOICE_AGENT_AUTO_MIGRATE", True),
            seed_demo=_bool(env, "VOICE_AGENT_SEED_DEMO", True),
            log_level=log_level,
            log_format=log_format,  # type: ignore[arg-type]
            vapi_api_key=env.get("VOICE_AGENT_VAPI_API_KEY") or None,
            vapi_base_url=env.get("VOICE_AGENT_VAPI_BASE_URL") or "https://api.vapi.ai",
            vapi_timeout_seconds=_float(env, "VOICE_AGENT_VAPI_TIMEOUT_SECONDS", 10.0, minimum=0.1),
            vapi_connect_timeout_seconds=_float(
                env, "VOICE_AGENT_VAPI_CONNECT_TIMEOUT_SECONDS", 3.0, minimum=0.1
            ),
            webhook_auth=_choice(
                env, "VOICE_AGENT_VAPI_WEBHOOK_AUTH", "bearer", WEBHOOK_AUTH_MODES
            ),
            webhook_secret=env.get("VOICE_AGENT_VAPI_WEBHOOK_SECRET") or None,
            webhook_header=env.get("VOICE_AGENT_VAPI_WEBHOOK_HEADER") or "Authorization",
            webhook_max_skew_seconds=_int(env, "VOICE_AGENT_VAPI_WEBHOOK_MAX_SKEW_SECONDS", 300),
            vapi_server_url=(
                _public_url(env["VOICE_AGENT_VAPI_SERVER_URL"], "VOICE_AGENT_VAPI_SERVER_URL")
                if env.get("VOICE_AGENT_VAPI_SERVER_URL")
                else None
            ),
            vapi_server_credential_id=env.get("VOICE_AGENT_VAPI_SERVER_CREDENTIAL_ID") or None,
            provider_max_concurrent_calls=_int(
                env, "VOICE_AGENT_PROVIDER_MAX_CONCURRENT_CALLS", 10
            ),
            tenant_max_concurrent_calls=(
                _int(env, "VOICE_AGENT_PROVIDER_TENANT_MAX_CONCURRENT_CALLS", 1)
                if env.get("VOICE_AGENT_PROVIDER_TENANT_MAX_CONCURRENT_CALLS")
                else None
            ),
            reconcile_after_seconds=_int(env, "VOICE_AGENT_RECONCILE_AFTER_SECONDS", 900),
            reconcile_recheck_seconds=_int(env, "VOICE_AGENT_RECONCILE_RECHECK_SECONDS", 300),
            report_grace_seconds=_int(env, "VOICE_AGENT_REPORT_GRACE_SECONDS", 120),
            sandbox_ring_seconds=_float(env, "VOICE_AGENT_SANDBOX_RING_SECONDS", 2.0),
            sandbox_talk_seconds=_float(env, "VOICE_AGENT_SANDBOX_TALK_SECONDS", 8.0),
            sandbox_outcome=_choice(
                env, "VOICE_AGENT_SANDBOX_OUTCOME", "completed", SANDBOX_OUTCOMES
            ),
            sandbox_seed=_int(env, "VOICE_AGENT_SANDBOX_SEED", 0, minimum=0),
            worker=_bool(env, "VOICE_AGENT_WORKER", True),
            webhooks_allow_private_targets=_bool(
                env, "VOICE_AGENT_WEBHOOKS_ALLOW_PRIVATE_TARGETS", False
            ),
            webhooks_timeout_seconds=_float(
                env, "VOICE_AGENT_WEBHOOKS_TIMEOUT_SECONDS", 10.0, minimum=0.1
            ),
            webhooks_retry_delays=_delays(env, "VOICE_AGENT_WEBHOOKS_RETRY_DELAYS"),
            webhooks_disable_after_seconds=_int(
                env,
                "VOICE_AGENT_WEBHOOKS_DISABLE_AFTER_SECONDS",
                int(DEFAULT_DISABLE_AFTER.total_seconds()),
            ),
            **email_settings,  # type: ignore[arg-type]
            invitation_days=_int(env, "VOICE_AGENT_INVITATION_DAYS", 7, maximum=366),
            sign_in_token_hours=_int(env, "VOICE_AGENT_SIGN_IN_TOKEN_HOURS", 12, maximum=24 * 366),
            sign_in_max_failures=_int(env, "VOICE_AGENT_SIGN_IN_MAX_FAILURES", 5),
            sign_in_client_max_failures=_int(env, "VOICE_AGENT_SIGN_IN_CLIENT_MAX_FAILURES", 50),
            sign_in_window_seconds=_int(env, "VOICE_AGENT_SIGN_IN_WINDOW_SECONDS", 900),
            sign_in_block_seconds=_int(env, "VOICE_AGENT_SIGN_IN_BLOCK_SECONDS", 900),
            trusted_proxies=_int(env, "VOICE_AGENT_TRUSTED_PROXIES", 0, minimum=0, maximum=10),
            tenant_purge_grace_days=_float(env, "VOICE_AGENT_TENANT_PURGE_GRACE_DAYS", 30.0),
            tenant_export_days=_float(env, "VOICE_AGENT_TENANT_EXPORT_DAYS", 7.0),
            webhook_inbox_days=_float(env, "VOICE_AGENT_WEBHOOK_INBOX_DAYS", 30.0),
            webhook_failed_days=_float(env, "VOICE_AGENT_WEBHOOK_FAILED_DAYS", 90.0),
        )
