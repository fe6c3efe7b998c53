"""What the application needs from the telephony provider that dials and plays calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import attrs

from domain.agents import VoiceAgent
from domain.calls import EndOfCallReport
from domain.ids import CallId, LeadId, PhoneNumberId, TenantId
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.voices import Voice


@attrs.frozen
class OutboundCall:
    """What the provider is asked to dial: our call, from one of our numbers, to a person,
    spoken by an agent (with its voice)."""

    call_id: CallId
    tenant_id: TenantId
    agent: VoiceAgent
    from_number: PhoneLine
    to: PhoneNumber
    lead_id: LeadId | None = None
    voice: Voice | None = None
    customer_name: str | None = None
    variables: dict[str, str] = attrs.field(factory=dict)
    record: bool = True
    """Whether the provider may record the call (the tenant's plan has `recordings`)."""
    private: bool = False
    """Whether the provider is to keep nothing of the call (the tenant stores no
    transcripts): Vapi's HIPAA mode."""


@attrs.frozen
class ProviderCall:
    """A call as the provider reports it; `status` and `ended_reason` are its own words."""

    provider_call_id: str
    status: str
    name: str | None = None
    ended_reason: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None
    data: dict[str, Any] = attrs.field(factory=dict)
    """The provider's whole record, kept as it came."""
    report: EndOfCallReport | None = None
    """What the record says of the finished call, once it has ended."""


class TelephonyProvider(Protocol):
    async def place_call(self, call: OutboundCall) -> ProviderCall:
        """Ask the provider to dial. Never retried blindly: raises ProviderRejected (nothing
        was created), ProviderUnreachable (nothing was sent) or ProviderOutcomeUnknown (a
        call may exist: find it with `find_call`)."""
        ...

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        """None when the provider does not know the id."""
        ...

    async def find_call(
        self, call_id: CallId, from_number: PhoneLine, created_after: datetime
    ) -> ProviderCall | None:
        """The provider's call for our `call_id`, placed from `from_number` after
        `created_after`, if one was created (reconciling an unknown outcome)."""
        ...

    async def end_call(self, provider_call_id: str, record: dict[str, Any]) -> None:
        """Ask the provider to hang up a live call. `record` is the provider's last record
        of it that we keep (`VoiceCall.vapi_data`), where it may say how to reach the live
        call; the provider reads the call afresh when it does not. Returns once the provider
        has taken the request: the call ends when the provider says so, through its usual
        messages. Raises ProviderRejected (it refused: the call is unknown to it, or it gave
        no way to reach it), ProviderUnreachable or ProviderError (no answer, or an answer
        that says nothing)."""
        ...


@attrs.frozen(repr=False)
class TwilioProof:
    """The tenant's own Twilio credentials, proving the number is theirs: the account SID with
    its auth token, or with an API key and secret. Used for the one import, never kept."""

    account_sid: str
    auth_token: str | None = None
    api_key: str | None = None
    api_secret: str | None = None

    def __repr__(self) -> str:  # never the secrets, in a log or a traceback
        return f"TwilioProof(account_sid={self.account_sid!r}, secrets=...)"


@attrs.frozen
class NumberOrder:
    """What the provider is asked to make: a number it sells (`area_code`), or the tenant's
    own number imported with the proof of it (`twilio`, or a provider credential for Vonage,
    Telnyx or a SIP trunk). `number_id` is our id, its name at the provider, by which it is
    found again when the provider's answer is lost."""

    number_id: PhoneNumberId
    provider: NumberProvider
    area_code: str | None = None
    number: PhoneNumber | None = None
    twilio: TwilioProof | None = None
    credential_id: str | None = None


@attrs.frozen
class ProviderLine:
    """A number as the provider has it; `number` is None while a bought one is activating."""

    provider_number_id: str
    number: PhoneNumber | None
    provider: NumberProvider | None = None
    name: str | None = None
    created_at: datetime | None = None


class NumberProvisioner(Protocol):
    """The provider that makes and releases the numbers calls are placed from and answered on."""

    async def provision_number(self, order: NumberOrder) -> ProviderLine:
        """Make the number, its messages sent to our webhook. Never retried blindly: raises
        ProviderRejected (refused: nothing was made, the reason is the provider's),
        ProviderUnreachable (nothing was sent) or ProviderOutcomeUnknown (a number may exist:
        find it with `find_number`)."""
        ...

    async def get_number(self, provider_number_id: str) -> ProviderLine | None:
        """None when the provider does not know the id."""
        ...

    async def find_number(
        self, number_id: PhoneNumberId, created_after: datetime
    ) -> ProviderLine | None:
        """The provider's number made for our `number_id` after `created_after`, if one was."""
        ...

    async def release_number(self, provider_number_id: str) -> None:
        """Give the number back; one the provider no longer knows is released already.
        Raises ProviderRejected, ProviderUnreachable or ProviderError."""
        ...


class ProcessBoundCalls(Protocol):
    """A provider whose calls live only in the process that placed them (the sandbox): when
    that process is gone, so are its calls, and nothing more will be heard of them."""

    @property
    def instance(self) -> int:
        """This process's instance of the provider, unique among the live ones."""
        ...

    def placed_by(self, provider_call_id: str) -> int | None:
        """The instance that placed the call; None when this provider did not place it."""
        ...
