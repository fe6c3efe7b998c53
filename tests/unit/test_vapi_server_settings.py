"""The Server URL given to the numbers provisioned at Vapi: our webhook under the public URL,
or the one configured, authenticated as the webhook checks it."""

from __future__ import annotations

import pytest

from entrypoints.http.webhooks import WebhookVerifier
from entrypoints.settings import Settings, SettingsError


def _verifier(settings: Settings) -> WebhookVerifier:
    return WebhookVerifier(
        mode=settings.webhook_auth, secret=settings.webhook_secret, header=settings.webhook_header
    )


def test_by_default_the_numbers_messages_come_to_our_webhook_under_the_public_url() -> None:
    settings = Settings.from_env({"VOICE_AGENT_PUBLIC_URL": "https://voice.acme.example/"})

    assert settings.vapi_server == {"url": "https://voice.acme.example/v1/webhooks/vapi"}


@pytest.mark.parametrize(
    ("auth", "header"),
    [("bearer", "Authorization"), ("bearer", "X-Token"), ("x-vapi-secret", None)],
)
def test_the_secret_goes_in_the_header_the_webhook_checks(auth: str, header: str | None) -> None:
    env = {"VOICE_AGENT_VAPI_WEBHOOK_AUTH": auth, "VOICE_AGENT_VAPI_WEBHOOK_SECRET": "s3cret"}
    if header is not None:
        env["VOICE_AGENT_VAPI_WEBHOOK_HEADER"] = header
    settings = Settings.from_env(env)

    sent = settings.vapi_server["headers"]

    # What Vapi will send with each message is what our webhook admits, and only that.
    assert _verifier(settings).verify(sent, b"")
    assert not _verifier(settings).verify({k: v + "x" for k, v in sent.items()}, b"")


def test_a_vapi_credential_is_named_instead_of_any_secret() -> None:
    settings = Settings.from_env(
        {
            "VOICE_AGENT_VAPI_WEBHOOK_AUTH": "hmac",
            "VOICE_AGENT_VAPI_WEBHOOK_SECRET": "s3cret",
            "VOICE_AGENT_VAPI_SERVER_URL": "https://hooks.acme.example/v1/webhooks/vapi",
            "VOICE_AGENT_VAPI_SERVER_CREDENTIAL_ID": "cred-123",
        }
    )

    assert settings.vapi_server == {
        "url": "https://hooks.acme.example/v1/webhooks/vapi",
        "credentialId": "cred-123",
    }
    assert "s3cret" not in repr(settings.vapi_server)


@pytest.mark.parametrize(
    "url", ["hooks.example.com", "ftp://hooks.example.com", "https://u:p@h.example"]
)
def test_a_server_url_that_is_not_one_is_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(SettingsError, match="VOICE_AGENT_VAPI_SERVER_URL"):
        Settings.from_env({"VOICE_AGENT_VAPI_SERVER_URL": url})
