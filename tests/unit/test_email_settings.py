"""The email settings: the outbox by default, SMTP when a host is set, the public URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.email import OutboxMailer, SmtpMailer
from entrypoints.cli import build_container
from entrypoints.settings import Settings, SettingsError


def test_without_a_smtp_host_messages_go_to_the_outbox_in_the_data_directory() -> None:
    settings = Settings.from_env({"VOICE_AGENT_DATA_DIR": "/srv/voice", "VOICE_AGENT_PORT": "9000"})

    assert settings.smtp_host is None
    assert settings.outbox_dir == Path("/srv/voice/outbox")
    assert settings.email_from == "Voice Agent <no-reply@localhost>"
    assert settings.public_url == "http://127.0.0.1:9000"
    assert Settings().public_url == "http://127.0.0.1:8080"
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("tls", "port"), [(None, 587), ("starttls", 587), ("tls", 465), ("none", 25), ("TLS", 465)]
)
def test_the_smtp_port_follows_the_tls_mode_unless_given(tls: str | None, port: int) -> None:
    env = {"VOICE_AGENT_SMTP_HOST": "smtp.example.com"}
    if tls is not None:
        env["VOICE_AGENT_SMTP_TLS"] = tls

    assert Settings.from_env(env).smtp_port == port
    assert Settings.from_env(env | {"VOICE_AGENT_SMTP_PORT": "2525"}).smtp_port == 2525


def test_smtp_settings_are_read_and_the_password_stays_out_of_the_repr() -> None:
    settings = Settings.from_env(
        {
            "VOICE_AGENT_SMTP_HOST": "smtp.example.com",
            "VOICE_AGENT_SMTP_USERNAME": "mailer",
            "VOICE_AGENT_SMTP_PASSWORD": "hunter2-secret",
            "VOICE_AGENT_SMTP_TIMEOUT_SECONDS": "2.5",
            "VOICE_AGENT_EMAIL_FROM": "Acme <calls@acme.example>",
            "VOICE_AGENT_PUBLIC_URL": "https://voice.acme.example/",
        }
    )

    assert (settings.smtp_host, settings.smtp_tls, settings.smtp_port) == (
        "smtp.example.com",
        "starttls",
        587,
    )
    assert (settings.smtp_username, settings.smtp_password) == ("mailer", "hunter2-secret")
    assert settings.smtp_timeout_seconds == 2.5
    assert settings.email_from == "Acme <calls@acme.example>"
    assert settings.public_url == "https://voice.acme.example"
    assert "hunter2-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VOICE_AGENT_SMTP_TLS": "ssl"}, "VOICE_AGENT_SMTP_TLS"),
        ({"VOICE_AGENT_SMTP_PORT": "70000"}, "VOICE_AGENT_SMTP_PORT"),
        ({"VOICE_AGENT_SMTP_PORT": "smtp"}, "VOICE_AGENT_SMTP_PORT"),
        ({"VOICE_AGENT_SMTP_HOST": "smtp://mail.example.com"}, "VOICE_AGENT_SMTP_HOST"),
        ({"VOICE_AGENT_SMTP_USERNAME": "mailer"}, "VOICE_AGENT_SMTP_PASSWORD"),
        ({"VOICE_AGENT_SMTP_TIMEOUT_SECONDS": "0"}, "VOICE_AGENT_SMTP_TIMEOUT_SECONDS"),
        ({"VOICE_AGENT_EMAIL_FROM": "not an address"}, "VOICE_AGENT_EMAIL_FROM"),
        ({"VOICE_AGENT_EMAIL_FROM": "a@example.com, b@example.com"}, "VOICE_AGENT_EMAIL_FROM"),
        ({"VOICE_AGENT_EMAIL_FROM": "a@example.com\r\nBcc: x@evil"}, "VOICE_AGENT_EMAIL_FROM"),
        ({"VOICE_AGENT_PUBLIC_URL": "voice.example.com"}, "VOICE_AGENT_PUBLIC_URL"),
        ({"VOICE_AGENT_PUBLIC_URL": "ftp://voice.example.com"}, "VOICE_AGENT_PUBLIC_URL"),
        ({"VOICE_AGENT_PUBLIC_URL": "https://u:p@voice.example.com"}, "VOICE_AGENT_PUBLIC_URL"),
        ({"VOICE_AGENT_PUBLIC_URL": "https://voice.example.com:99999"}, "VOICE_AGENT_PUBLIC_URL"),
    ],
)
def test_bad_email_settings_are_refused_naming_the_variable(
    env: dict[str, str], named: str
) -> None:
    env = {"VOICE_AGENT_SMTP_HOST": "smtp.example.com"} | env

    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "variable",
    [
        "VOICE_AGENT_SMTP_PORT",
        "VOICE_AGENT_SMTP_TLS",
        "VOICE_AGENT_SMTP_USERNAME",
        "VOICE_AGENT_SMTP_PASSWORD",
    ],
)
def test_smtp_settings_without_a_host_are_refused_rather_than_ignored(variable: str) -> None:
    with pytest.raises(SettingsError, match=f"{variable} is set but VOICE_AGENT_SMTP_HOST"):
        Settings.from_env({variable: "x"})


def test_the_container_sends_through_the_configured_mailer(tmp_path: Path) -> None:
    offline = build_container(
        Settings.from_env({"VOICE_AGENT_DATA_DIR": str(tmp_path)}), "postgresql://unused/db"
    )
    smtp = build_container(
        Settings.from_env(
            {
                "VOICE_AGENT_SMTP_HOST": "smtp.example.com",
                "VOICE_AGENT_SMTP_TLS": "tls",
                "VOICE_AGENT_PUBLIC_URL": "https://voice.example.com",
            }
        ),
        "postgresql://unused/db",
    )

    outbox = offline.mailer()
    assert isinstance(outbox, OutboxMailer)
    assert outbox.directory == tmp_path / "outbox"
    assert offline.public_url() == "http://127.0.0.1:8080"
    mailer = smtp.mailer()
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.tls) == ("smtp.example.com", 465, "tls")
    assert smtp.public_url() == "https://voice.example.com"
