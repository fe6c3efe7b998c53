"""Contains all the data models used in inputs/outputs"""

from .accept_invitation_in import AcceptInvitationIn
from .accepted_out import AcceptedOut
from .accepted_out_object import AcceptedOutObject
from .add_member_in import AddMemberIn
from .add_member_in_role import AddMemberInRole
from .agent_out import AgentOut
from .agent_out_config import AgentOutConfig
from .agent_out_object import AgentOutObject
from .agent_page import AgentPage
from .api_key_created_out import ApiKeyCreatedOut
from .api_key_created_out_effective_role_type_0 import ApiKeyCreatedOutEffectiveRoleType0
from .api_key_created_out_object import ApiKeyCreatedOutObject
from .api_key_created_out_role import ApiKeyCreatedOutRole
from .api_key_out import ApiKeyOut
from .api_key_out_effective_role_type_0 import ApiKeyOutEffectiveRoleType0
from .api_key_out_object import ApiKeyOutObject
from .api_key_out_role import ApiKeyOutRole
from .api_key_page import ApiKeyPage
from .audit_entry_out import AuditEntryOut
from .audit_entry_out_actor_type import AuditEntryOutActorType
from .audit_entry_out_changes import AuditEntryOutChanges
from .audit_entry_out_object import AuditEntryOutObject
from .audit_page import AuditPage
from .backoff_in import BackoffIn
from .backoff_out import BackoffOut
from .batch_created_out import BatchCreatedOut
from .batch_created_out_object import BatchCreatedOutObject
from .batch_event import BatchEvent
from .batch_event_data import BatchEventData
from .batch_item_out import BatchItemOut
from .batch_item_out_object import BatchItemOutObject
from .batch_item_page import BatchItemPage
from .batch_item_status import BatchItemStatus
from .batch_out import BatchOut
from .batch_out_object import BatchOutObject
from .batch_page import BatchPage
from .batch_status import BatchStatus
from .call_cost_out import CallCostOut
from .call_cost_out_cost_breakdown_type_0 import CallCostOutCostBreakdownType0
from .call_cost_out_currency import CallCostOutCurrency
from .call_cost_out_object import CallCostOutObject
from .call_direction import CallDirection
from .call_event import CallEvent
from .call_event_data import CallEventData
from .call_out import CallOut
from .call_out_analysis_type_0 import CallOutAnalysisType0
from .call_out_cost_breakdown_type_0 import CallOutCostBreakdownType0
from .call_out_metadata import CallOutMetadata
from .call_out_object import CallOutObject
from .call_out_purged_content_item import CallOutPurgedContentItem
from .call_out_structured_outputs_type_0 import CallOutStructuredOutputsType0
from .call_out_transfers_item import CallOutTransfersItem
from .call_page import CallPage
from .call_provider_record_out import CallProviderRecordOut
from .call_provider_record_out_object import CallProviderRecordOutObject
from .call_provider_record_out_record_type_0 import CallProviderRecordOutRecordType0
from .call_status import CallStatus
from .call_summary_out import CallSummaryOut
from .call_summary_out_object import CallSummaryOutObject
from .call_transcript_out import CallTranscriptOut
from .call_transcript_out_object import CallTranscriptOutObject
from .call_usage_out import CallUsageOut
from .call_usage_out_object import CallUsageOutObject
from .calling_window_in import CallingWindowIn
from .calling_window_out import CallingWindowOut
from .change_password_in import ChangePasswordIn
from .change_plan_in import ChangePlanIn
from .change_role_in import ChangeRoleIn
from .change_role_in_role import ChangeRoleInRole
from .confirm_password_reset_in import ConfirmPasswordResetIn
from .create_agent_in import CreateAgentIn
from .create_agent_in_config import CreateAgentInConfig
from .create_api_key_in import CreateApiKeyIn
from .create_api_key_in_role import CreateApiKeyInRole
from .create_batch_in import CreateBatchIn
from .create_feature_in import CreateFeatureIn
from .create_feature_in_feature_type import CreateFeatureInFeatureType
from .create_lead_in import CreateLeadIn
from .create_lead_in_metadata import CreateLeadInMetadata
from .create_plan_in import CreatePlanIn
from .create_plan_in_billing_cycle import CreatePlanInBillingCycle
from .create_plan_in_metadata import CreatePlanInMetadata
from .create_tenant_in import CreateTenantIn
from .create_user_in import CreateUserIn
from .create_user_token_in import CreateUserTokenIn
from .create_voice_in import CreateVoiceIn
from .create_voice_in_settings import CreateVoiceInSettings
from .create_webhook_endpoint_in import CreateWebhookEndpointIn
from .delivery_attempt_out import DeliveryAttemptOut
from .delivery_attempt_out_object import DeliveryAttemptOutObject
from .delivery_out import DeliveryOut
from .delivery_out_object import DeliveryOutObject
from .delivery_page import DeliveryPage
from .delivery_status import DeliveryStatus
from .delivery_with_attempts_out import DeliveryWithAttemptsOut
from .delivery_with_attempts_out_object import DeliveryWithAttemptsOutObject
from .dial_outcome import DialOutcome
from .event_type import EventType
from .feature_out import FeatureOut
from .feature_out_feature_type import FeatureOutFeatureType
from .feature_out_object import FeatureOutObject
from .feature_page import FeaturePage
from .feature_value_in import FeatureValueIn
from .field_error import FieldError
from .health_out import HealthOut
from .health_out_status import HealthOutStatus
from .import_leads_files_body import ImportLeadsFilesBody
from .import_report_out import ImportReportOut
from .import_report_out_object import ImportReportOutObject
from .invitation_out import InvitationOut
from .invitation_out_object import InvitationOutObject
from .invitation_out_role import InvitationOutRole
from .invitation_out_status import InvitationOutStatus
from .invitation_page import InvitationPage
from .invitation_preview_out import InvitationPreviewOut
from .invitation_preview_out_object import InvitationPreviewOutObject
from .invitation_preview_out_role import InvitationPreviewOutRole
from .invitation_preview_out_status import InvitationPreviewOutStatus
from .invite_in import InviteIn
from .invite_in_role import InviteInRole
from .lead_erasure_out import LeadErasureOut
from .lead_erasure_out_object import LeadErasureOutObject
from .lead_filter_in import LeadFilterIn
from .lead_import_data import LeadImportData
from .lead_import_event import LeadImportEvent
from .lead_out import LeadOut
from .lead_out_metadata import LeadOutMetadata
from .lead_out_object import LeadOutObject
from .lead_page import LeadPage
from .lead_status import LeadStatus
from .leads_in import LeadsIn
from .limit_reached_data import LimitReachedData
from .limit_reached_event import LimitReachedEvent
from .list_batch_items_outcome import ListBatchItemsOutcome
from .list_batch_items_skip_reason import ListBatchItemsSkipReason
from .list_batch_items_status import ListBatchItemsStatus
from .list_batches_status import ListBatchesStatus
from .list_calls_direction import ListCallsDirection
from .list_calls_status import ListCallsStatus
from .list_deliveries_status import ListDeliveriesStatus
from .list_invitations_status import ListInvitationsStatus
from .list_leads_status import ListLeadsStatus
from .list_numbers_ownership import ListNumbersOwnership
from .list_numbers_status import ListNumbersStatus
from .mark_contacted_in import MarkContactedIn
from .member_out import MemberOut
from .member_out_object import MemberOutObject
from .member_out_role import MemberOutRole
from .member_page import MemberPage
from .member_user_out import MemberUserOut
from .number_ownership import NumberOwnership
from .number_provider import NumberProvider
from .number_source import NumberSource
from .number_status import NumberStatus
from .override_in import OverrideIn
from .password_reset_accepted_out import PasswordResetAcceptedOut
from .password_reset_accepted_out_object import PasswordResetAcceptedOutObject
from .password_reset_accepted_out_status import PasswordResetAcceptedOutStatus
from .password_reset_in import PasswordResetIn
from .pause_reason import PauseReason
from .phone_number_out import PhoneNumberOut
from .phone_number_out_object import PhoneNumberOutObject
from .phone_number_page import PhoneNumberPage
from .place_call_in import PlaceCallIn
from .place_call_in_metadata import PlaceCallInMetadata
from .place_call_in_variables import PlaceCallInVariables
from .plan_feature_out import PlanFeatureOut
from .plan_feature_out_feature_type import PlanFeatureOutFeatureType
from .plan_feature_out_object import PlanFeatureOutObject
from .plan_feature_page import PlanFeaturePage
from .plan_out import PlanOut
from .plan_out_billing_cycle import PlanOutBillingCycle
from .plan_out_metadata import PlanOutMetadata
from .plan_out_object import PlanOutObject
from .plan_page import PlanPage
from .preflight_out import PreflightOut
from .preflight_out_object import PreflightOutObject
from .preflight_report import PreflightReport
from .principal_out import PrincipalOut
from .principal_out_kind import PrincipalOutKind
from .principal_out_object import PrincipalOutObject
from .principal_out_role_type_0 import PrincipalOutRoleType0
from .problem import Problem
from .progress_out import ProgressOut
from .progress_out_ended_by_outcome import ProgressOutEndedByOutcome
from .progress_out_skipped_by_reason import ProgressOutSkippedByReason
from .provision_number_in import ProvisionNumberIn
from .ready_out import ReadyOut
from .ready_out_status import ReadyOutStatus
from .recording_out import RecordingOut
from .replay_in import ReplayIn
from .replay_out import ReplayOut
from .replay_out_object import ReplayOutObject
from .replay_webhook_messages_in import ReplayWebhookMessagesIn
from .retention_choice_out import RetentionChoiceOut
from .retention_out import RetentionOut
from .retention_out_object import RetentionOutObject
from .retention_periods import RetentionPeriods
from .retry_policy_in import RetryPolicyIn
from .retry_policy_out import RetryPolicyOut
from .rotate_webhook_secret_in import RotateWebhookSecretIn
from .row_error_out import RowErrorOut
from .sandbox_call_in import SandboxCallIn
from .sandbox_call_out import SandboxCallOut
from .sign_in_in import SignInIn
from .signed_in_out import SignedInOut
from .signed_in_out_object import SignedInOutObject
from .skip_reason import SkipReason
from .tenant_export_out import TenantExportOut
from .tenant_export_out_counts import TenantExportOutCounts
from .tenant_export_out_object import TenantExportOutObject
from .tenant_export_out_status import TenantExportOutStatus
from .tenant_export_page import TenantExportPage
from .tenant_feature_out import TenantFeatureOut
from .tenant_feature_out_feature_type import TenantFeatureOutFeatureType
from .tenant_feature_out_object import TenantFeatureOutObject
from .tenant_feature_out_source import TenantFeatureOutSource
from .tenant_feature_page import TenantFeaturePage
from .tenant_out import TenantOut
from .tenant_out_object import TenantOutObject
from .tenant_out_status import TenantOutStatus
from .tenant_page import TenantPage
from .token_in import TokenIn
from .transcript_message_out import TranscriptMessageOut
from .transcript_out import TranscriptOut
from .transfer_ownership_in import TransferOwnershipIn
from .update_agent_in import UpdateAgentIn
from .update_agent_in_config import UpdateAgentInConfig
from .update_lead_in import UpdateLeadIn
from .update_lead_in_metadata import UpdateLeadInMetadata
from .update_number_in import UpdateNumberIn
from .update_plan_in import UpdatePlanIn
from .update_plan_in_billing_cycle_type_0 import UpdatePlanInBillingCycleType0
from .update_plan_in_metadata_type_0 import UpdatePlanInMetadataType0
from .update_retention_in import UpdateRetentionIn
from .update_tenant_in import UpdateTenantIn
from .update_user_in import UpdateUserIn
from .update_voice_in import UpdateVoiceIn
from .update_voice_in_settings import UpdateVoiceInSettings
from .update_webhook_endpoint_in import UpdateWebhookEndpointIn
from .usage_grouping import UsageGrouping
from .usage_kind import UsageKind
from .usage_out import UsageOut
from .usage_out_object import UsageOutObject
from .usage_period import UsagePeriod
from .usage_report_by import UsageReportBy
from .usage_report_out import UsageReportOut
from .usage_report_out_object import UsageReportOutObject
from .usage_report_period import UsageReportPeriod
from .usage_row_out import UsageRowOut
from .user_out import UserOut
from .user_out_object import UserOutObject
from .user_page import UserPage
from .user_tenant_out import UserTenantOut
from .user_tenant_out_object import UserTenantOutObject
from .user_tenant_out_role import UserTenantOutRole
from .user_tenant_out_status import UserTenantOutStatus
from .user_tenant_page import UserTenantPage
from .user_token_created_out import UserTokenCreatedOut
from .user_token_created_out_object import UserTokenCreatedOutObject
from .user_token_out import UserTokenOut
from .user_token_out_object import UserTokenOutObject
from .user_token_page import UserTokenPage
from .vapi_webhook_body import VapiWebhookBody
from .voice_out import VoiceOut
from .voice_out_object import VoiceOutObject
from .voice_out_settings import VoiceOutSettings
from .voice_page import VoicePage
from .voice_provider import VoiceProvider
from .webhook_endpoint_out import WebhookEndpointOut
from .webhook_endpoint_out_object import WebhookEndpointOutObject
from .webhook_endpoint_page import WebhookEndpointPage
from .webhook_endpoint_with_secret_out import WebhookEndpointWithSecretOut
from .webhook_endpoint_with_secret_out_object import WebhookEndpointWithSecretOutObject
from .webhook_message_out import WebhookMessageOut
from .webhook_message_out_object import WebhookMessageOutObject
from .webhook_message_page import WebhookMessagePage
from .webhook_message_replay_out import WebhookMessageReplayOut
from .webhook_message_replay_out_object import WebhookMessageReplayOutObject
from .webhook_message_replay_out_outcome import WebhookMessageReplayOutOutcome
from .webhook_replay_summary_out import WebhookReplaySummaryOut
from .webhook_replay_summary_out_object import WebhookReplaySummaryOutObject
from .webhook_reply import WebhookReply
from .worker_out import WorkerOut
from .worker_out_state import WorkerOutState

__all__ = (
    "AcceptedOut",
    "AcceptedOutObject",
    "AcceptInvitationIn",
    "AddMemberIn",
    "AddMemberInRole",
    "AgentOut",
    "AgentOutConfig",
    "AgentOutObject",
    "AgentPage",
    "ApiKeyCreatedOut",
    "ApiKeyCreatedOutEffectiveRoleType0",
    "ApiKeyCreatedOutObject",
    "ApiKeyCreatedOutRole",
    "ApiKeyOut",
    "ApiKeyOutEffectiveRoleType0",
    "ApiKeyOutObject",
    "ApiKeyOutRole",
    "ApiKeyPage",
    "AuditEntryOut",
    "AuditEntryOutActorType",
    "AuditEntryOutChanges",
    "AuditEntryOutObject",
    "AuditPage",
    "BackoffIn",
    "BackoffOut",
    "BatchCreatedOut",
    "BatchCreatedOutObject",
    "BatchEvent",
    "BatchEventData",
    "BatchItemOut",
    "BatchItemOutObject",
    "BatchItemPage",
    "BatchItemStatus",
    "BatchOut",
    "BatchOutObject",
    "BatchPage",
    "BatchStatus",
    "CallCostOut",
    "CallCostOutCostBreakdownType0",
    "CallCostOutCurrency",
    "CallCostOutObject",
    "CallDirection",
    "CallEvent",
    "CallEventData",
    "CallingWindowIn",
    "CallingWindowOut",
    "CallOut",
    "CallOutAnalysisType0",
    "CallOutCostBreakdownType0",
    "CallOutMetadata",
    "CallOutObject",
    "CallOutPurgedContentItem",
    "CallOutStructuredOutputsType0",
    "CallOutTransfersItem",
    "CallPage",
    "CallProviderRecordOut",
    "CallProviderRecordOutObject",
    "CallProviderRecordOutRecordType0",
    "CallStatus",
    "CallSummaryOut",
    "CallSummaryOutObject",
    "CallTranscriptOut",
    "CallTranscriptOutObject",
    "CallUsageOut",
    "CallUsageOutObject",
    "ChangePasswordIn",
    "ChangePlanIn",
    "ChangeRoleIn",
    "ChangeRoleInRole",
    "ConfirmPasswordResetIn",
    "CreateAgentIn",
    "CreateAgentInConfig",
    "CreateApiKeyIn",
    "CreateApiKeyInRole",
    "CreateBatchIn",
    "CreateFeatureIn",
    "CreateFeatureInFeatureType",
    "CreateLeadIn",
    "CreateLeadInMetadata",
    "CreatePlanIn",
    "CreatePlanInBillingCycle",
    "CreatePlanInMetadata",
    "CreateTenantIn",
    "CreateUserIn",
    "CreateUserTokenIn",
    "CreateVoiceIn",
    "CreateVoiceInSettings",
    "CreateWebhookEndpointIn",
    "DeliveryAttemptOut",
    "DeliveryAttemptOutObject",
    "DeliveryOut",
    "DeliveryOutObject",
    "DeliveryPage",
    "DeliveryStatus",
    "DeliveryWithAttemptsOut",
    "DeliveryWithAttemptsOutObject",
    "DialOutcome",
    "EventType",
    "FeatureOut",
    "FeatureOutFeatureType",
    "FeatureOutObject",
    "FeaturePage",
    "FeatureValueIn",
    "FieldError",
    "HealthOut",
    "HealthOutStatus",
    "ImportLeadsFilesBody",
    "ImportReportOut",
    "ImportReportOutObject",
    "InvitationOut",
    "InvitationOutObject",
    "InvitationOutRole",
    "InvitationOutStatus",
    "InvitationPage",
    "InvitationPreviewOut",
    "InvitationPreviewOutObject",
    "InvitationPreviewOutRole",
    "InvitationPreviewOutStatus",
    "InviteIn",
    "InviteInRole",
    "LeadErasureOut",
    "LeadErasureOutObject",
    "LeadFilterIn",
    "LeadImportData",
    "LeadImportEvent",
    "LeadOut",
    "LeadOutMetadata",
    "LeadOutObject",
    "LeadPage",
    "LeadsIn",
    "LeadStatus",
    "LimitReachedData",
    "LimitReachedEvent",
    "ListBatchesStatus",
    "ListBatchItemsOutcome",
    "ListBatchItemsSkipReason",
    "ListBatchItemsStatus",
    "ListCallsDirection",
    "ListCallsStatus",
    "ListDeliveriesStatus",
    "ListInvitationsStatus",
    "ListLeadsStatus",
    "ListNumbersOwnership",
    "ListNumbersStatus",
    "MarkContactedIn",
    "MemberOut",
    "MemberOutObject",
    "MemberOutRole",
    "MemberPage",
    "MemberUserOut",
    "NumberOwnership",
    "NumberProvider",
    "NumberSource",
    "NumberStatus",
    "OverrideIn",
    "PasswordResetAcceptedOut",
    "PasswordResetAcceptedOutObject",
    "PasswordResetAcceptedOutStatus",
    "PasswordResetIn",
    "PauseReason",
    "PhoneNumberOut",
    "PhoneNumberOutObject",
    "PhoneNumberPage",
    "PlaceCallIn",
    "PlaceCallInMetadata",
    "PlaceCallInVariables",
    "PlanFeatureOut",
    "PlanFeatureOutFeatureType",
    "PlanFeatureOutObject",
    "PlanFeaturePage",
    "PlanOut",
    "PlanOutBillingCycle",
    "PlanOutMetadata",
    "PlanOutObject",
    "PlanPage",
    "PreflightOut",
    "PreflightOutObject",
    "PreflightReport",
    "PrincipalOut",
    "PrincipalOutKind",
    "PrincipalOutObject",
    "PrincipalOutRoleType0",
    "Problem",
    "ProgressOut",
    "ProgressOutEndedByOutcome",
    "ProgressOutSkippedByReason",
    "ProvisionNumberIn",
    "ReadyOut",
    "ReadyOutStatus",
    "RecordingOut",
    "ReplayIn",
    "ReplayOut",
    "ReplayOutObject",
    "ReplayWebhookMessagesIn",
    "RetentionChoiceOut",
    "RetentionOut",
    "RetentionOutObject",
    "RetentionPeriods",
    "RetryPolicyIn",
    "RetryPolicyOut",
    "RotateWebhookSecretIn",
    "RowErrorOut",
    "SandboxCallIn",
    "SandboxCallOut",
    "SignedInOut",
    "SignedInOutObject",
    "SignInIn",
    "SkipReason",
    "TenantExportOut",
    "TenantExportOutCounts",
    "TenantExportOutObject",
    "TenantExportOutStatus",
    "TenantExportPage",
    "TenantFeatureOut",
    "TenantFeatureOutFeatureType",
    "TenantFeatureOutObject",
    "TenantFeatureOutSource",
    "TenantFeaturePage",
    "TenantOut",
    "TenantOutObject",
    "TenantOutStatus",
    "TenantPage",
    "TokenIn",
    "TranscriptMessageOut",
    "TranscriptOut",
    "TransferOwnershipIn",
    "UpdateAgentIn",
    "UpdateAgentInConfig",
    "UpdateLeadIn",
    "UpdateLeadInMetadata",
    "UpdateNumberIn",
    "UpdatePlanIn",
    "UpdatePlanInBillingCycleType0",
    "UpdatePlanInMetadataType0",
    "UpdateRetentionIn",
    "UpdateTenantIn",
    "UpdateUserIn",
    "UpdateVoiceIn",
    "UpdateVoiceInSettings",
    "UpdateWebhookEndpointIn",
    "UsageGrouping",
    "UsageKind",
    "UsageOut",
    "UsageOutObject",
    "UsagePeriod",
    "UsageReportBy",
    "UsageReportOut",
    "UsageReportOutObject",
    "UsageReportPeriod",
    "UsageRowOut",
    "UserOut",
    "UserOutObject",
    "UserPage",
    "UserTenantOut",
    "UserTenantOutObject",
    "UserTenantOutRole",
    "UserTenantOutStatus",
    "UserTenantPage",
    "UserTokenCreatedOut",
    "UserTokenCreatedOutObject",
    "UserTokenOut",
    "UserTokenOutObject",
    "UserTokenPage",
    "VapiWebhookBody",
    "VoiceOut",
    "VoiceOutObject",
    "VoiceOutSettings",
    "VoicePage",
    "VoiceProvider",
    "WebhookEndpointOut",
    "WebhookEndpointOutObject",
    "WebhookEndpointPage",
    "WebhookEndpointWithSecretOut",
    "WebhookEndpointWithSecretOutObject",
    "WebhookMessageOut",
    "WebhookMessageOutObject",
    "WebhookMessagePage",
    "WebhookMessageReplayOut",
    "WebhookMessageReplayOutObject",
    "WebhookMessageReplayOutOutcome",
    "WebhookReplaySummaryOut",
    "WebhookReplaySummaryOutObject",
    "WebhookReply",
    "WorkerOut",
    "WorkerOutState",
)
