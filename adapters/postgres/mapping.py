"""Row <-> entity mapping for every table, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Row

from domain.agents import VoiceAgent
from domain.audit import Actor, ActorKind, AuditEntry
from domain.calls import CallDirection, CallStatus, ContentKind, VoiceCall
from domain.credentials import ApiKey, UserToken
from domain.ids import (
    AgentId,
    ApiKeyId,
    AuditEntryId,
    CallId,
    EventId,
    FeatureId,
    LeadId,
    MembershipId,
    OverrideId,
    PhoneNumberId,
    PlanId,
    TenantId,
    UserId,
    UserTokenId,
    VoiceId,
    WebhookDeliveryId,
    WebhookEndpointId,
)
from domain.leads import Lead, LeadStatus
from domain.phones import NumberOwnership, NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from domain.plans import BillingCycle, Feature, FeatureType, Override, Plan
from domain.retention import RetentionChoice
from domain.tenancy import Membership, Role, Tenant, TenantStatus, User
from domain.values import Email
from domain.voices import Voice, VoiceProvider
from domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    OutboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)


def user_from(row: Row[Any], prefix: str = "") -> User:
    m = row._mapping
    return User(
        id=UserId(m[f"{prefix}id"]),
        email=Email(m[f"{prefix}email"]),
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        first_name=m[f"{prefix}first_name"],
        last_name=m[f"{prefix}last_name"],
        is_platform_admin=m[f"{prefix}is_platform_admin"],
        is_active=m[f"{prefix}is_active"],
        version=m[f"{prefix}version"],
        password_hash=m[f"{prefix}password_hash"],
        password_changed_at=m[f"{prefix}password_changed_at"],
    )


def user_values(user: User) -> dict[str, Any]:
    return {
        "email": user.email.value,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_platform_admin": user.is_platform_admin,
        "is_active": user.is_active,
        "updated_at": user.updated_at,
        "password_hash": user.password_hash,
        "password_changed_at": user.password_changed_at,
    }


def tenant_from(row: Row[Any], prefix: str = "") -> Tenant:
    return tenant_from_mapping(row._mapping, prefix)


def tenant_from_mapping(m: Mapping[Any, Any], prefix: str = "") -> Tenant:
    """The tenant of a row given by column name (a row read on the driver)."""
    plan_id = m[f"{prefix}plan_id"]
    return Tenant(
        id=TenantId(m[f"{prefix}id"]),
        name=m[f"{prefix}name"],
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        plan_id=PlanId(plan_id) if plan_id else None,
        status=TenantStatus(m[f"{prefix}status"]),
        version=m[f"{prefix}version"],
        closed_at=m[f"{prefix}closed_at"],
        purge_after=m[f"{prefix}purge_after"],
        retention=RetentionChoice(
            transcripts_days=m[f"{prefix}retention_transcripts_days"],
            recordings_days=m[f"{prefix}retention_recordings_days"],
            provider_record_days=m[f"{prefix}retention_provider_record_days"],
            store_transcripts=m[f"{prefix}retention_store_transcripts"],
        ),
    )


def tenant_values(tenant: Tenant) -> dict[str, Any]:
    return {
        "name": tenant.name,
        "plan_id": tenant.plan_id,
        "status": tenant.status.value,
        "updated_at": tenant.updated_at,
        "closed_at": tenant.closed_at,
        "purge_after": tenant.purge_after,
        "retention_transcripts_days": tenant.retention.transcripts_days,
        "retention_recordings_days": tenant.retention.recordings_days,
        "retention_provider_record_days": tenant.retention.provider_record_days,
        "retention_store_transcripts": tenant.retention.store_transcripts,
    }


def membership_from(row: Row[Any], prefix: str = "") -> Membership:
    m = row._mapping
    return Membership(
        id=MembershipId(m[f"{prefix}id"]),
        tenant_id=TenantId(m[f"{prefix}tenant_id"]),
        user_id=UserId(m[f"{prefix}user_id"]),
        role=Role(m[f"{prefix}role"]),
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        version=m[f"{prefix}version"],
    )


def api_key_from(row: Row[Any]) -> ApiKey:
    m = row._mapping
    return ApiKey(
        id=ApiKeyId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        role=Role(m["role"]),
        created_by=UserId(m["created_by"]) if m["created_by"] else None,
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def user_token_from(row: Row[Any]) -> UserToken:
    m = row._mapping
    return UserToken(
        id=UserTokenId(m["id"]),
        user_id=UserId(m["user_id"]),
        name=m["name"],
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def audit_from(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(
        id=AuditEntryId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]) if m["tenant_id"] else None,
        actor=Actor(ActorKind(m["actor_type"]), m["actor_id"]),
        action=m["action"],
        entity=m["entity"],
        entity_id=m["entity_id"],
        changes=m["changes"],
        at=m["at"],
    )


def plan_from(row: Row[Any]) -> Plan:
    m = row._mapping
    return Plan(
        id=PlanId(m["id"]),
        name=m["name"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        price=m["price"],
        currency=m["currency"],
        billing_cycle=BillingCycle(m["billing_cycle"]),
        is_active=m["is_active"],
        is_default=m["is_default"],
        metadata=m["metadata"],
        version=m["version"],
    )


def plan_values(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "price": plan.price,
        "currency": plan.currency,
        "billing_cycle": plan.billing_cycle.value,
        "is_active": plan.is_active,
        "is_default": plan.is_default,
        "metadata": plan.metadata,
        "updated_at": plan.updated_at,
    }


def feature_from(row: Row[Any]) -> Feature:
    m = row._mapping
    return Feature(
        id=FeatureId(m["id"]),
        key=m["feature_key"],
        name=m["name"],
        type=FeatureType(m["feature_type"]),
        default=m["default_value"],
        created_at=m["created_at"],
        description=m["description"],
    )


def override_from(row: Row[Any]) -> Override:
    m = row._mapping
    return Override(
        id=OverrideId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        feature_id=FeatureId(m["feature_id"]),
        value=m["feature_value"],
        enabled_at=m["enabled_at"],
        expires_at=m["expires_at"],
        reason=m["reason"],
        granted_by=UserId(m["granted_by"]) if m["granted_by"] else None,
    )


def _optional(kind: Any, value: Any) -> Any:
    return kind(value) if value is not None else None


def voice_from(row: Row[Any]) -> Voice:
    return voice_from_mapping(row._mapping)


def voice_from_mapping(m: Mapping[Any, Any]) -> Voice:
    """The voice of a row given by column name (a row read on the driver)."""
    return Voice(
        id=VoiceId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        provider=VoiceProvider(m["provider"]),
        provider_voice_id=m["provider_voice_id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        language=m["language"],
        settings=m["settings"],
        is_active=m["is_active"],
        version=m["version"],
    )


def voice_values(voice: Voice) -> dict[str, Any]:
    return {
        "name": voice.name,
        "provider": voice.provider.value,
        "provider_voice_id": voice.provider_voice_id,
        "language": voice.language,
        "settings": voice.settings,
        "is_active": voice.is_active,
        "updated_at": voice.updated_at,
    }


def phone_line_from(row: Row[Any]) -> PhoneLine:
    return phone_line_from_mapping(row._mapping)


def phone_line_from_mapping(m: Mapping[Any, Any]) -> PhoneLine:
    """The phone line of a row given by column name (a row read on the driver)."""
    return PhoneLine(
        id=PhoneNumberId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        number=_optional(PhoneNumber, m["number"]),
        provider=NumberProvider(m["provider"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        provider_number_id=m["provider_number_id"],
        label=m["label"],
        status=NumberStatus(m["status"]),
        inbound_agent_id=_optional(AgentId, m["inbound_agent_id"]),
        version=m["version"],
        ownership=NumberOwnership(m["ownership"]),
        provider_credential_id=m["provider_credential_id"],
        error=m["error"],
        idempotency_key=m["idempotency_key"],
    )


def phone_line_values(line: PhoneLine) -> dict[str, Any]:
    return {
        "number": line.number.e164 if line.number else None,
        "provider": line.provider.value,
        "provider_number_id": line.provider_number_id,
        "label": line.label,
        "status": line.status.value,
        "inbound_agent_id": line.inbound_agent_id,
        "updated_at": line.updated_at,
        "ownership": line.ownership.value,
        "provider_credential_id": line.provider_credential_id,
        "error": line.error,
        "idempotency_key": line.idempotency_key,
    }


_AGENT_TEXTS = (
    "agent_instructions",
    "system_instructions",
    "outbound_prompt",
    "inbound_prompt",
    "first_message",
    "language",
    "provider_assistant_id",
)


def agent_from(row: Row[Any]) -> VoiceAgent:
    return agent_from_mapping(row._mapping)


def agent_from_mapping(m: Mapping[Any, Any]) -> VoiceAgent:
    """The agent of a row given by column name (a row read on the driver)."""
    return VoiceAgent(
        id=AgentId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        voice_id=_optional(VoiceId, m["voice_id"]),
        default_number_id=_optional(PhoneNumberId, m["default_number_id"]),
        created_by=_optional(UserId, m["created_by"]),
        config=m["config"],
        is_active=m["is_active"],
        version=m["version"],
        **{name: m[name] for name in _AGENT_TEXTS},
    )


def agent_values(agent: VoiceAgent) -> dict[str, Any]:
    return {
        "name": agent.name,
        "voice_id": agent.voice_id,
        "default_number_id": agent.default_number_id,
        "created_by": agent.created_by,
        "config": agent.config,
        "is_active": agent.is_active,
        "updated_at": agent.updated_at,
        **{name: getattr(agent, name) for name in _AGENT_TEXTS},
    }


def lead_from(row: Row[Any], prefix: str = "") -> Lead:
    return lead_from_mapping(row._mapping, prefix)


def lead_from_mapping(m: Mapping[Any, Any], prefix: str = "") -> Lead:
    """The lead of a leads row given by column name (a row read on the driver)."""
    return Lead(
        id=LeadId(m[f"{prefix}id"]),
        tenant_id=TenantId(m[f"{prefix}tenant_id"]),
        phone=PhoneNumber(m[f"{prefix}phone"]),
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        name=m[f"{prefix}name"],
        email=_optional(Email, m[f"{prefix}email"]),
        source=m[f"{prefix}source"],
        status=LeadStatus(m[f"{prefix}status"]),
        timezone=m[f"{prefix}timezone"],
        do_not_call=m[f"{prefix}do_not_call"],
        metadata=m[f"{prefix}metadata"],
        last_contacted_at=m[f"{prefix}last_contacted_at"],
        last_call_id=_optional(CallId, m[f"{prefix}last_call_id"]),
        version=m[f"{prefix}version"],
    )


# What lead_values sets: every column a save writes.
LEAD_COLUMNS = (
    "name",
    "phone",
    "email",
    "source",
    "status",
    "timezone",
    "do_not_call",
    "metadata",
    "last_contacted_at",
    "last_call_id",
    "updated_at",
)


def lead_values(lead: Lead) -> dict[str, Any]:
    return {
        "name": lead.name,
        "phone": lead.phone.e164,
        "email": lead.email.value if lead.email else None,
        "source": lead.source,
        "status": lead.status.value,
        "timezone": lead.timezone,
        "do_not_call": lead.do_not_call,
        "metadata": lead.metadata,
        "last_contacted_at": lead.last_contacted_at,
        "last_call_id": lead.last_call_id,
        "updated_at": lead.updated_at,
    }


_CALL_PLAIN = (
    "to_number",
    "error",
    "ended_reason",
    "vapi_call_id",
    "vapi_data",
    "transcription",
    "recording_url",
    "summary",
    "analysis",
    "cost",
    "cost_breakdown",
    "call_duration",
    "batch_id",
    "started_at",
    "ended_at",
    "idempotency_key",
    "metadata",
    "updated_at",
    "caller_number",
    "artifacts",
    "recording_enabled",
    "content_purged_at",
    "content_stored",
)


def call_from(row: Row[Any]) -> VoiceCall:
    return call_from_mapping(row._mapping)


def call_from_mapping(m: Mapping[Any, Any]) -> VoiceCall:
    """The call of a voice_calls row given by column name (a row read on the driver)."""
    return VoiceCall(
        id=CallId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        direction=CallDirection(m["direction"]),
        status=CallStatus(m["status"]),
        created_at=m["created_at"],
        agent_id=_optional(AgentId, m["agent_id"]),
        lead_id=_optional(LeadId, m["lead_id"]),
        voice_id=_optional(VoiceId, m["voice_id"]),
        from_number_id=_optional(PhoneNumberId, m["from_number_id"]),
        version=m["version"],
        purged_content=[ContentKind(kind) for kind in m["purged_content"]],
        **{name: m[name] for name in _CALL_PLAIN},
    )


# What call_values sets: every column a save writes.
CALL_COLUMNS = (
    "direction",
    "status",
    "agent_id",
    "lead_id",
    "voice_id",
    "from_number_id",
    "purged_content",
    *_CALL_PLAIN,
)


def call_values(call: VoiceCall) -> dict[str, Any]:
    return {
        "direction": call.direction.value,
        "status": call.status.value,
        "agent_id": call.agent_id,
        "lead_id": call.lead_id,
        "voice_id": call.voice_id,
        "from_number_id": call.from_number_id,
        "purged_content": [kind.value for kind in call.purged_content],
        **{name: getattr(call, name) for name in _CALL_PLAIN},
    }


def webhook_endpoint_from(row: Row[Any]) -> WebhookEndpoint:
    m = row._mapping
    return WebhookEndpoint(
        id=WebhookEndpointId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        url=m["url"],
        event_types=frozenset(EventType(t) for t in m["event_types"]),
        secret=m["secret"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        description=m["description"],
        enabled=m["enabled"],
        previous_secret=m["previous_secret"],
        previous_secret_expires_at=m["previous_secret_expires_at"],
        failing_since=m["failing_since"],
        disabled_reason=m["disabled_reason"],
        version=m["version"],
    )


def webhook_endpoint_values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "event_types": sorted(t.value for t in endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "failing_since": endpoint.failing_since,
        "disabled_reason": endpoint.disabled_reason,
        "updated_at": endpoint.updated_at,
    }


def outbound_event_from(row: Row[Any]) -> OutboundEvent:
    m = row._mapping
    return OutboundEvent(
        id=EventId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        type=EventType(m["type"]),
        occurred_at=m["occurred_at"],
        subject_id=m["subject_id"],
        details=m["details"],
    )


def webhook_delivery_from(row: Row[Any]) -> WebhookDelivery:
    m = row._mapping
    return WebhookDelivery(
        id=WebhookDeliveryId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        endpoint_id=WebhookEndpointId(m["endpoint_id"]),
        event_id=EventId(m["event_id"]),
        event_type=EventType(m["event_type"]),
        created_at=m["created_at"],
        subject_id=m["subject_id"],
        status=DeliveryStatus(m["status"]),
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        last_attempt_at=m["last_attempt_at"],
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        delivered_at=m["delivered_at"],
    )


def webhook_delivery_values(delivery: WebhookDelivery) -> dict[str, Any]:
    """What changes of a delivery over its life."""
    return {
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
    }


def delivery_attempt_from(row: Row[Any]) -> DeliveryAttempt:
    m = row._mapping
    return DeliveryAttempt(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        delivery_id=WebhookDeliveryId(m["delivery_id"]),
        attempted_at=m["attempted_at"],
        latency_ms=m["latency_ms"],
        status_code=m["status_code"],
        response_excerpt=m["response_excerpt"],
        error=m["error"],
    )
