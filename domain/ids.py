"""Typed identifiers. All ids are UUIDs (version 7, time-ordered, from an IdGenerator)."""

from typing import NewType
from uuid import UUID

TenantId = NewType("TenantId", UUID)
UserId = NewType("UserId", UUID)
MembershipId = NewType("MembershipId", UUID)
PlanId = NewType("PlanId", UUID)
ApiKeyId = NewType("ApiKeyId", UUID)
UserTokenId = NewType("UserTokenId", UUID)
AuditEntryId = NewType("AuditEntryId", UUID)
FeatureId = NewType("FeatureId", UUID)
OverrideId = NewType("OverrideId", UUID)
VoiceId = NewType("VoiceId", UUID)
PhoneNumberId = NewType("PhoneNumberId", UUID)
AgentId = NewType("AgentId", UUID)
LeadId = NewType("LeadId", UUID)
CallId = NewType("CallId", UUID)
BatchId = NewType("BatchId", UUID)
BatchItemId = NewType("BatchItemId", UUID)
WebhookEndpointId = NewType("WebhookEndpointId", UUID)
InvitationId = NewType("InvitationId", UUID)
EventId = NewType("EventId", UUID)
WebhookDeliveryId = NewType("WebhookDeliveryId", UUID)
