"""The mailers: the outbox's files and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import stat
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from adapters.email import KIND_HEADER, OutboxMailer, SmtpMailer
from application.ports.email import EmailDeliveryFailed, EmailMessage
from domain.values import Email
from tests.smtp import SmtpInbox, free_port, loopback_smtp
from tests.support import MutableClock

SENDER = "Acme Voice <robot@voice.example>"


def message(to: str = "ana@example.com", kind: str = "invitation", body: str = "") -> EmailMessage:
    return EmailMessage(
        to=Email.parse(to),
        subject="You are invited to Acme — café",
        body=body or "Accept: https://voice.example/invitations/tok_secret\nThanks.\n",
        kind=kind,
    )


def eml_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml"))


def body(message: email.message.EmailMessage) -> str:
    part = message.get_body()
    assert part is not None
    return str(part.get_content())


def parsed(path: Path) -> email.message.EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, email.message.EmailMessage)
    return message


async def test_the_outbox_writes_each_message_as_a_private_eml_file_named_by_time_and_kind(
    tmp_path: Path,
) -> None:
    clock = MutableClock()
    outbox = tmp_path / "var" / "outbox"
    mailer = OutboxMailer(outbox, sender=SENDER, clock=clock)

    with capture_logs() as logged:
        await mailer.send(message(kind="password_reset"))
        clock.advance(microseconds=1)
        await mailer.send(message(to="bo@example.com", kind="invitation", body="second\n"))

    files = eml_files(outbox)
    assert [f.name.split("-")[:2] for f in files] == [
        ["20260101T120000.000000", "password_reset"],
        ["20260101T120000.000001", "invitation"],
    ]
    assert sorted(outbox.iterdir()) == files  # nothing left half-written beside them
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    first = parsed(files[0])
    assert first["From"] == SENDER
    assert first["To"] == "ana@example.com"
    assert first["Subject"] == "You are invited to Acme — café"
    assert first[KIND_HEADER] == "password_reset"
    assert email.utils.parsedate_to_datetime(first["Date"]) == clock.current.replace(microsecond=0)
    assert first["Message-ID"].endswith("@voice.example>")
    assert body(first) == message().body
    assert {**logged[0], "event": ""} == {
        "event": "",
        "log_level": "info",
        "path": str(files[0]),
        "kind": "password_reset",
        "to": "ana@example.com",
    }
    assert "tok_secret" not in str(logged)


async def test_a_long_line_stays_whole_in_the_outbox_file_for_a_person_to_copy(
    tmp_path: Path,
) -> None:
    command = 'curl -d \'{"token": "vin_' + "a" * 32 + "_" + "b" * 12 + "_" + "C" * 43 + "\"}'"
    mailer = OutboxMailer(tmp_path, clock=MutableClock())

    await mailer.send(message(body=f"Café Zoë invites you.\n{command}\n"))

    [written] = eml_files(tmp_path)
    assert command in written.read_bytes().decode()
    assert body(parsed(written)) == f"Café Zoë invites you.\n{command}\n"


async def test_messages_sent_at_the_same_instant_never_replace_each_other(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, clock=MutableClock())

    await asyncio.gather(*(mailer.send(message(body=f"number {i}\n")) for i in range(20)))

    bodies = {body(parsed(f)) for f in eml_files(tmp_path)}
    assert bodies == {f"number {i}\n" for i in range(20)}


async def test_an_outbox_that_cannot_be_written_is_a_delivery_failure(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")

    with pytest.raises(EmailDeliveryFailed, match="outbox"):
        await OutboxMailer(blocked / "outbox").send(message())


async def test_smtp_hands_the_message_to_the_server_with_its_headers(
    smtp_inbox: SmtpInbox,
) -> None:
    await smtp_inbox.mailer(sender=SENDER).send(message())

    [arrived] = smtp_inbox.to("ana@example.com")
    assert arrived.sender == "robot@voice.example"
    assert arrived.message["To"] == "ana@example.com"
    assert arrived.message["Subject"] == "You are invited to Acme — café"
    assert arrived.message[KIND_HEADER] == "invitation"
    assert arrived.message["Message-ID"]
    assert arrived.body == message().body


async def test_smtp_failures_say_what_happened_and_never_the_password() -> None:
    password = "s3cret-pass"
    with loopback_smtp(credentials=("mailer", password)) as inbox, capture_logs() as logged:
        inbox.refuse.add("nobody@example.com")
        cases: list[tuple[SmtpMailer, str, str]] = [
            (inbox.mailer(), "nobody@example.com", "refused the recipient: 550"),
            (
                inbox.mailer(password="wrong-" + password),
                "ana@example.com",
                "refused the credentials",
            ),
            (_closed_port(inbox), "ana@example.com", "refused the connection"),
        ]
        for mailer, to, reason in cases:
            with pytest.raises(EmailDeliveryFailed, match=reason) as raised:
                await mailer.send(message(to=to))
            assert password not in str(raised.value)
        assert inbox.messages == []

        await inbox.mailer().send(message())  # the right credentials
        assert [m.recipients for m in inbox.messages] == [("ana@example.com",)]
    assert len(logged) == 4
    assert password not in str(logged)


def _closed_port(inbox: SmtpInbox) -> SmtpMailer:
    return SmtpMailer(inbox.host, port=free_port(), tls="none", timeout_seconds=2.0)
