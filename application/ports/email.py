"""Sending email: invitations, password resets and security notices."""

from __future__ import annotations

from typing import Protocol

import attrs

from domain.values import Email


@attrs.frozen
class EmailMessage:
    """One plain-text message to one address. `kind` names what it is (`invitation`,
    `password_reset`, `password_changed`…) for logs and the outbox's file names, never
    its contents."""

    to: Email
    subject: str
    body: str
    kind: str


class EmailDeliveryFailed(Exception):
    """The message could not be handed to the mail system; nothing was sent."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery; raise EmailDeliveryFailed when it cannot be."""
        ...
