"""Email out: an outbox of `.eml` files (the offline default) or an SMTP server (aiosmtplib).

Both build the same RFC 5322 message; `X-Voice-Agent-Kind` names what it is, so a reader of
the outbox or of a mail log can tell an invitation from a reset without opening the body.
Bodies are never logged: they carry one-time tokens.
"""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import os
import re
import ssl
import tempfile
import uuid
from datetime import UTC
from pathlib import Path
from typing import Literal

import aiosmtplib
import structlog

from adapters.clock import SystemClock
from application.ports.clock import Clock
from application.ports.email import EmailDeliveryFailed, EmailMessage

log = structlog.get_logger(__name__)

DEFAULT_SENDER = "Voice Agent <no-reply@localhost>"
KIND_HEADER = "X-Voice-Agent-Kind"
SmtpTls = Literal["none", "starttls", "tls"]
SMTP_TLS_MODES: tuple[SmtpTls, ...] = ("none", "starttls", "tls")
DEFAULT_SMTP_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}
DEFAULT_SMTP_TIMEOUT_SECONDS = 10.0

_NOT_IN_A_FILE_NAME = re.compile(r"[^a-z0-9_]+")


def rfc5322_message(
    message: EmailMessage, sender: str, clock: Clock, *, lines_whole: bool = False
) -> email.message.EmailMessage:
    """The message as it goes out: headers, and the plain-text body in UTF-8. `lines_whole`:
    the body as it is (8bit), for a file a person reads; otherwise long lines are wrapped by
    quoted-printable as any mail relay accepts, which would split a token or a command in a
    raw file."""
    built = email.message.EmailMessage()
    built["From"] = sender
    built["To"] = message.to.value
    built["Subject"] = message.subject
    built["Date"] = email.utils.format_datetime(clock.now())
    # The sender's domain, not the machine's name: make_msgid would otherwise look up this
    # host's fully qualified name, which can block on DNS.
    built["Message-ID"] = email.utils.make_msgid(domain=_domain_of(sender))
    built[KIND_HEADER] = message.kind
    built.set_content(message.body, cte="8bit" if lines_whole else None)
    return built


def _domain_of(sender: str) -> str:
    _name, address = email.utils.parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


class OutboxMailer:
    """Writes each message to `directory` as `<UTC time>-<kind>-<short id>.eml`, so the
    files sort by when they were sent. Each appears whole (written aside, then linked into
    place), readable only by this user (it may hold a one-time token), and never replaces
    another."""

    def __init__(
        self, directory: Path, *, sender: str = DEFAULT_SENDER, clock: Clock | None = None
    ) -> None:
        self.directory = directory
        self._sender = sender
        self._clock = clock or SystemClock()

    async def send(self, message: EmailMessage) -> None:
        built = rfc5322_message(message, self._sender, self._clock, lines_whole=True)
        try:
            path = await asyncio.to_thread(self._write, built, message.kind)
        except OSError as error:
            raise EmailDeliveryFailed(
                f"could not write to the outbox {self.directory}: {error.strerror or error}"
            ) from error
        log.info(
            "email written to the outbox", path=str(path), kind=message.kind, to=message.to.value
        )

    def _write(self, built: email.message.EmailMessage, kind: str) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = self._clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
        label = _NOT_IN_A_FILE_NAME.sub("-", kind.lower()).strip("-") or "message"
        # mkstemp makes the file 0600; the dot keeps it out of `*.eml` until it is whole.
        fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(built.as_bytes())
                out.flush()
                os.fsync(out.fileno())
            while True:
                path = self.directory / f"{stamp}-{label}-{uuid.uuid4().hex[:8]}.eml"
                try:
                    # A link, unlike a rename, refuses to replace an existing name.
                    os.link(temporary, path)
                except FileExistsError:
                    continue
                return path
        finally:
            os.unlink(temporary)


class SmtpMailer:
    """Hands each message to an SMTP server, in one connection per message. Any failure
    raises EmailDeliveryFailed saying what went wrong; nothing is retried here (the use case
    that sends decides what a failure means)."""

    def __init__(
        self,
        host: str,
        *,
        port: int | None = None,
        tls: SmtpTls = "starttls",
        username: str | None = None,
        password: str | None = None,
        sender: str = DEFAULT_SENDER,
        timeout_seconds: float = DEFAULT_SMTP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if tls not in SMTP_TLS_MODES:
            raise ValueError(f"tls must be one of {', '.join(SMTP_TLS_MODES)}, not {tls!r}")
        if (username is None) != (password is None):
            raise ValueError("a username and a password go together")
        self.host = host
        self.port = port or DEFAULT_SMTP_PORTS[tls]
        self.tls = tls
        self._username = username
        self._password = password
        self._sender = sender
        self._timeout = timeout_seconds
        self._clock = clock or SystemClock()
        self._tls_context = tls_context

    async def send(self, message: EmailMessage) -> None:
        built = rfc5322_message(message, self._sender, self._clock)
        try:
            await aiosmtplib.send(
                built,
                hostname=self.host,
                port=self.port,
                username=self._username,
                password=self._password,
                use_tls=self.tls == "tls",
                # "none" means none: aiosmtplib would otherwise upgrade when offered.
                start_tls=self.tls == "starttls",
                timeout=self._timeout,
                tls_context=self._tls_context,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            reason = self._scrub(self._reason(error))
            log.warning(
                "email not delivered",
                kind=message.kind,
                to=message.to.value,
                server=f"{self.host}:{self.port}",
                reason=reason,
            )
            raise EmailDeliveryFailed(reason) from error
        log.info(
            "email handed to the SMTP server",
            kind=message.kind,
            to=message.to.value,
            server=f"{self.host}:{self.port}",
        )

    def _reason(self, error: Exception) -> str:
        server = f"the SMTP server {self.host}:{self.port}"
        match error:
            case aiosmtplib.SMTPRecipientsRefused(recipients=refused):
                said = "; ".join(f"{r.code} {r.message}" for r in refused)
                return f"{server} refused the recipient: {said}"
            case aiosmtplib.SMTPSenderRefused(code=code, message=said):
                return f"{server} refused the sender {self._sender}: {code} {said}"
            case aiosmtplib.SMTPAuthenticationError(code=code, message=said):
                return f"{server} refused the credentials of {self._username}: {code} {said}"
            case aiosmtplib.SMTPConnectTimeoutError() | aiosmtplib.SMTPTimeoutError():
                return f"{server} did not answer within {self._timeout:g} s"
            case aiosmtplib.SMTPConnectError() if isinstance(
                error.__cause__, ConnectionRefusedError
            ):
                return f"{server} refused the connection (nothing listens there?)"
            case aiosmtplib.SMTPConnectError():
                return f"could not connect to {server}: {error}"
            case aiosmtplib.SMTPServerDisconnected():
                return f"{server} closed the connection: {error}"
            case aiosmtplib.SMTPNotSupported():
                return f"{server} does not support what is configured: {error}"
            case aiosmtplib.SMTPResponseException(code=code, message=said):
                return f"{server} refused the message: {code} {said}"
            case ssl.SSLError():
                return f"TLS with {server} failed: {error}"
            case ConnectionRefusedError():
                return f"{server} refused the connection"
            case _:
                return f"could not hand the message to {server}: {error}"

    def _scrub(self, reason: str) -> str:
        if self._password:
            reason = reason.replace(self._password, "********")
        return reason
