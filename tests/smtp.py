"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, parsed.

Tests reach it through the `smtp_inbox` fixture (tests/conftest.py): point a mailer at it
with `smtp_inbox.mailer()` (or at a container: `container.mailer.override(
providers.Object(smtp_inbox.mailer()))`) and read `smtp_inbox.messages` or
`smtp_inbox.to(address)`. The server has taken a message by the time `send` returns, so
there is nothing to wait for.
"""

from __future__ import annotations

import email.message
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from adapters.email import SmtpMailer

LOOPBACK = "127.0.0.1"


@attrs.frozen
class Arrived:
    """One message as the server took it: the envelope and the parsed message."""

    sender: str
    recipients: tuple[str, ...]
    message: email.message.EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        # SMTP carries lines ending in CRLF; compare with the text the message was made from.
        return str(part.get_content()).replace("\r\n", "\n")


class SmtpInbox:
    """What the loopback server was given, oldest first. Recipients in `refuse` are refused
    at RCPT with a 550; with `credentials`, AUTH (PLAIN, LOGIN) is offered and checked."""

    def __init__(self, port: int, credentials: tuple[str, str] | None) -> None:
        self.host = LOOPBACK
        self.port = port
        self.credentials = credentials
        self.refuse: set[str] = set()
        self._arrived: list[Arrived] = []
        self._lock = threading.Lock()

    @property
    def messages(self) -> list[Arrived]:
        with self._lock:
            return list(self._arrived)

    def to(self, address: str) -> list[Arrived]:
        """What arrived for `address` (any case), oldest first."""
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.recipients)]

    def mailer(self, **options: Any) -> SmtpMailer:
        """An SMTP mailer for this server (no TLS; the credentials if the server wants
        them)."""
        if self.credentials is not None:
            options.setdefault("username", self.credentials[0])
            options.setdefault("password", self.credentials[1])
        options.setdefault("timeout_seconds", 5.0)
        return SmtpMailer(self.host, port=self.port, tls="none", **options)

    # aiosmtpd's handler hooks, run on the server's own thread and loop.
    async def handle_RCPT(  # noqa: N802 - aiosmtpd's name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in {r.lower() for r in self.refuse}:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        assert isinstance(parsed, email.message.EmailMessage)
        with self._lock:
            self._arrived.append(Arrived(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.credentials is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        )
        # handled=False: aiosmtpd answers (235 or 535) itself.
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@contextmanager
def loopback_smtp(credentials: tuple[str, str] | None = None) -> Iterator[SmtpInbox]:
    """An SMTP server on a free loopback port for the duration of the block."""
    inbox = SmtpInbox(free_port(), credentials)
    options: dict[str, Any] = {}
    if credentials is not None:
        # Loopback only: AUTH without TLS is fine here and spares the tests a certificate.
        options = {
            "authenticator": inbox._authenticate,
            "auth_require_tls": False,
        }
    # A server name given, or aiosmtpd looks up this host's (which may wait on DNS).
    controller = Controller(
        inbox, hostname=LOOPBACK, port=inbox.port, server_hostname="localhost", **options
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
