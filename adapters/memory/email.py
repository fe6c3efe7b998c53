"""A mailer that keeps what it was given, for tests of the use cases that send email."""

from __future__ import annotations

from application.ports.email import EmailDeliveryFailed, EmailMessage


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.failing = False

    async def send(self, message: EmailMessage) -> None:
        if self.failing:
            raise EmailDeliveryFailed("the mail system is unavailable")
        self.sent.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        """What was sent to `address` (any case), oldest first."""
        return [m for m in self.sent if m.to.value.lower() == address.lower()]
