"""The one SQLAlchemy metadata: every table, constraint and index of the schema.

Row-level security, roles and grants are not expressible here; they live in the migrations
(see `rls.py` for the list of tenant-scoped tables and the policy they share).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> sa.Column[object]:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def _tenant_id() -> sa.Column[object]:
    return sa.Column(
        "tenant_id",
        UUID(as_uuid=True),
        sa.ForeignKey("tenants.id", ondelete="CASCADE"),
        nullable=False,
    )


# --- global tables -------------------------------------------------------------------

plans = sa.Table(
    "plans",
    metadata,
    _id(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("price", sa.Numeric(12, 2), nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False, server_default="USD"),
    sa.Column("billing_cycle", sa.String(20), nullable=False, server_default="monthly"),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("metadata", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    *_timestamps(),
    sa.CheckConstraint("billing_cycle IN ('monthly', 'yearly')", name="billing_cycle"),
    sa.CheckConstraint("price >= 0", name="price_not_negative"),
    sa.UniqueConstraint("name"),
    # At most one plan is the one new tenants get.
    sa.Index("uq_plans_default", "is_default", unique=True, postgresql_where=sa.text("is_default")),
)

features = sa.Table(
    "features",
    metadata,
    _id(),
    sa.Column("feature_key", sa.String(100), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("feature_type", sa.String(20), nullable=False),
    sa.Column("default_value", JSONB),
    *_timestamps(),
    sa.CheckConstraint("feature_type IN ('boolean', 'limit', 'addon')", name="feature_type"),
)

plan_features = sa.Table(
    "plan_features",
    metadata,
    _id(),
    sa.Column(
        "plan_id", UUID(as_uuid=True), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "feature_id",
        UUID(as_uuid=True),
        sa.ForeignKey("features.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("feature_value", JSONB),
    *_timestamps(),
    sa.UniqueConstraint("plan_id", "feature_id"),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("is_platform_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    *_timestamps(),
    # argon2id, self-describing; NULL until the user sets a password.
    sa.Column("password_hash", sa.String(255)),
    sa.Column("password_changed_at", sa.DateTime(timezone=True)),
    sa.Index("uq_users_email_lower", sa.func.lower(sa.text("email")), unique=True),
    sa.Index("ix_users_created_at_id", "created_at", "id"),
)

tenants = sa.Table(
    "tenants",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("plan_id", UUID(as_uuid=True), sa.ForeignKey("plans.id", ondelete="RESTRICT")),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    # The seed's is_active, kept and derived from status so the two can never disagree.
    sa.Column("is_active", sa.Boolean, sa.Computed("status = 'active'", persisted=True)),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    *_timestamps(),
    # Set when an owner closes the tenant; its data is deleted once purge_after has passed.
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("purge_after", sa.DateTime(timezone=True)),
    # The tenant's retention choices (domain.retention.RetentionChoice); NULL: as its plan.
    sa.Column("retention_transcripts_days", sa.Integer),
    sa.Column("retention_recordings_days", sa.Integer),
    sa.Column("retention_provider_record_days", sa.Integer),
    sa.Column("retention_store_transcripts", sa.Boolean),
    sa.CheckConstraint("status IN ('active', 'suspended', 'closed')", name="status"),
    sa.CheckConstraint(
        "(status = 'closed') = (closed_at IS NOT NULL)"
        " AND (closed_at IS NULL) = (purge_after IS NULL)",
        name="closed_dates",
    ),
    sa.Index("ix_tenants_created_at_id", "created_at", "id"),
    # The purge looks for closed tenants past their grace period.
    sa.Index(
        "ix_tenants_purge_after", "purge_after", postgresql_where=sa.text("status = 'closed'")
    ),
)

user_tokens = sa.Table(
    "user_tokens",
    metadata,
    _id(),
    sa.Column(
        "user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    *_timestamps(),
    sa.Index("ix_user_tokens_user_id_created_at_id", "user_id", "created_at", "id"),
)

# One-time permissions to set a password, mailed to the user: SHA-256 at rest, found by prefix.
password_reset_tokens = sa.Table(
    "password_reset_tokens",
    metadata,
    _id(),
    sa.Column(
        "user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    sa.Index("ix_password_reset_tokens_user_id", "user_id"),
)

# Failed sign-in (and reset) attempts per address or client, counted here so that every API
# process sees the same counts. Keys are SHA-256 digests: no address in the clear.
sign_in_throttle = sa.Table(
    "sign_in_throttle",
    metadata,
    sa.Column("scope", sa.String(30), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("blocked_until", sa.DateTime(timezone=True)),
    sa.PrimaryKeyConstraint("scope", "key_hash"),
    sa.Index("ix_sign_in_throttle_last_failure_at", "last_failure_at"),
)

# --- tenant-scoped tables (row-level security; see rls.py) --------------------------------

memberships = sa.Table(
    "memberships",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column(
        "user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("role", sa.String(20), nullable=False, server_default="member"),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.UniqueConstraint("user_id", "tenant_id"),
    sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
    sa.Index("ix_memberships_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
    sa.Index("ix_memberships_owners", "tenant_id", postgresql_where=sa.text("role = 'owner'")),
)

tenant_features = sa.Table(
    "tenant_features",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column(
        "feature_id",
        UUID(as_uuid=True),
        sa.ForeignKey("features.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("feature_value", JSONB),
    sa.Column(
        "enabled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.Text),
    sa.Column("granted_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.UniqueConstraint("tenant_id", "feature_id"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.UniqueConstraint("tenant_id", "prefix"),
    sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
    sa.Index("ix_api_keys_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
)

_INVITATION_STATUSES = "status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')"

# Invitations to a tenant: the token, like an API key's, is kept as a prefix and a SHA-256
# hash. A pending invitation past expires_at is expired when read, whatever status says.
invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", UUID(as_uuid=True), nullable=False),
    _tenant_id(),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("invited_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("accepted_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("accepted_at", sa.DateTime(timezone=True)),
    sa.Column("declined_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    *_timestamps(),
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.UniqueConstraint("tenant_id", "prefix"),
    sa.CheckConstraint(_INVITATION_STATUSES, name="status"),
    sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
    sa.CheckConstraint("(status = 'accepted') = (accepted_at IS NOT NULL)", name="accepted_at"),
    sa.CheckConstraint("(status = 'declined') = (declined_at IS NOT NULL)", name="declined_at"),
    sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_at"),
    # At most one pending invitation of an address per tenant.
    sa.Index(
        "uq_invitations_pending_email",
        "tenant_id",
        sa.func.lower(sa.text("email")),
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_invitations_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    # NULL for platform-level events (users, personal tokens), which no tenant may read.
    sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE")),
    sa.Column("actor_type", sa.String(20), nullable=False),
    sa.Column("actor_id", UUID(as_uuid=True)),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("entity", sa.String(50), nullable=False),
    sa.Column("entity_id", UUID(as_uuid=True), nullable=False),
    sa.Column("changes", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    *_timestamps(),
    sa.CheckConstraint(
        "actor_type IN ('user', 'api_key', 'system', 'anonymous')", name="actor_type"
    ),
    sa.Index("ix_audit_log_tenant_id_at_id", "tenant_id", "at", "id"),
)

# --- the voice-agent catalogue and the lead book --------------------------------------------


def _in_tenant(column: str, parent: str, *, deferred: bool = False) -> sa.ForeignKeyConstraint:
    """A link that can never leave the tenant: (tenant_id, column) -> parent (tenant_id, id).

    `deferred` marks the links that close a cycle (an agent's number routes to an agent;
    a lead's last call is a call of the lead); they are checked at commit.
    """
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{parent}.tenant_id", f"{parent}.id"],
        use_alter=deferred,
        deferrable=deferred or None,
        initially="DEFERRED" if deferred else None,
    )


def _version() -> sa.Column[object]:
    return sa.Column("version", sa.Integer, nullable=False, server_default="0")


def _newest(table: str) -> sa.Index:
    return sa.Index(f"ix_{table}_tenant_id_created_at_id", "tenant_id", "created_at", "id")


_E164 = r"number ~ '^\+[1-9][0-9]{6,14}$'"

voices = sa.Table(
    "voices",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("provider", sa.String(30), nullable=False),
    sa.Column("provider_voice_id", sa.String(255), nullable=False),
    sa.Column("language", sa.String(35)),
    sa.Column("settings", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    _version(),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    _newest("voices"),
)

_HELD = "status IN ('active', 'provisioning')"

phone_numbers = sa.Table(
    "phone_numbers",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("number", sa.String(16)),
    sa.Column("provider", sa.String(20), nullable=False),
    sa.Column("provider_number_id", sa.String(255)),
    sa.Column("label", sa.String(255)),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("inbound_agent_id", UUID(as_uuid=True)),
    _version(),
    *_timestamps(),
    # A row that does not say how the tenant came to hold its number is unproven.
    sa.Column("ownership", sa.String(20), nullable=False, server_default="unconfirmed"),
    sa.Column("provider_credential_id", sa.String(255)),
    sa.Column("error", sa.Text),
    sa.Column("idempotency_key", sa.String(255)),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.UniqueConstraint("tenant_id", "idempotency_key"),
    sa.CheckConstraint(_E164, name="number_e164"),
    sa.CheckConstraint(
        "provider IN ('vapi', 'twilio', 'vonage', 'telnyx', 'byo-phone-number')", name="provider"
    ),
    sa.CheckConstraint("status IN ('provisioning', 'active', 'released', 'failed')", name="status"),
    sa.CheckConstraint(
        "ownership IN ('provisioned', 'attached', 'unconfirmed', 'confirmed')", name="ownership"
    ),
    sa.CheckConstraint(
        "number IS NOT NULL OR status IN ('provisioning', 'failed')",
        name="number_once_provisioned",
    ),
    sa.CheckConstraint(f"{_HELD} OR inbound_agent_id IS NULL", name="released_routes_nowhere"),
    _in_tenant("inbound_agent_id", "voice_agents", deferred=True),
    # A number is held (active, or being provisioned) by at most one tenant; released and
    # failed rows stay as history.
    sa.Index(
        "uq_phone_numbers_number_active",
        "number",
        unique=True,
        postgresql_where=sa.text(_HELD),
    ),
    # The provider's line is one line: two tenants must not call out from the same one.
    sa.Index(
        "uq_phone_numbers_provider_number_id_active",
        "provider_number_id",
        unique=True,
        postgresql_where=sa.text(_HELD),
    ),
    _newest("phone_numbers"),
)

# A provider credential (Vapi's credentialId of a Vonage, Telnyx or SIP trunk account) is the
# first importing tenant's: no other tenant may import numbers with it. Keyed by the credential
# alone, so that a second tenant's claim collides whatever it can see.
provider_credentials = sa.Table(
    "provider_credentials",
    metadata,
    sa.Column("credential_id", sa.String(255), primary_key=True),
    _tenant_id(),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("ix_provider_credentials_tenant_id", "tenant_id"),
)

# What the settling workers look at across tenants: a number being provisioned whose outcome
# is to be found at the provider (an unanswered request, a bought number still activating).
# Ids and times only, written only in its own tenant's context.
phone_number_settling = sa.Table(
    "phone_number_settling",
    metadata,
    _tenant_id(),
    sa.Column("number_id", UUID(as_uuid=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "number_id"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "number_id"],
        ["phone_numbers.tenant_id", "phone_numbers.id"],
        ondelete="CASCADE",
    ),
    sa.Index("ix_phone_number_settling_due_at", "due_at"),
)

voice_agents = sa.Table(
    "voice_agents",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("voice_id", UUID(as_uuid=True)),
    sa.Column("default_number_id", UUID(as_uuid=True)),
    sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("agent_instructions", sa.Text),
    sa.Column("system_instructions", sa.Text),
    sa.Column("outbound_prompt", sa.Text),
    sa.Column("inbound_prompt", sa.Text),
    sa.Column("first_message", sa.Text),
    sa.Column("language", sa.String(35)),
    sa.Column("provider_assistant_id", sa.String(255)),
    sa.Column("config", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    _version(),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    _in_tenant("voice_id", "voices"),
    _in_tenant("default_number_id", "phone_numbers"),
    _newest("voice_agents"),
)

leads = sa.Table(
    "leads",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("name", sa.String(255)),
    sa.Column("phone", sa.String(16), nullable=False),
    sa.Column("email", sa.String(254)),
    sa.Column("source", sa.String(100)),
    sa.Column("status", sa.String(20), nullable=False, server_default="new"),
    sa.Column("timezone", sa.String(64)),
    sa.Column("do_not_call", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("metadata", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("last_contacted_at", sa.DateTime(timezone=True)),
    sa.Column("last_call_id", UUID(as_uuid=True)),
    _version(),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.UniqueConstraint("tenant_id", "phone"),
    sa.CheckConstraint(r"phone ~ '^\+[1-9][0-9]{6,14}$'", name="phone_e164"),
    sa.CheckConstraint(
        "status IN ('new', 'contacted', 'qualified', 'converted', 'lost')", name="status"
    ),
    _in_tenant("last_call_id", "voice_calls", deferred=True),
    _newest("leads"),
)

# A call's report parts are NULL in SQL until they come (not JSON null), so that "holds a
# transcript" is `transcription IS NOT NULL` to the retention purge and its indexes.
_ABSENT_AS_NULL = JSONB(none_as_null=True)

voice_calls = sa.Table(
    "voice_calls",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("agent_id", UUID(as_uuid=True)),
    sa.Column("lead_id", UUID(as_uuid=True)),
    sa.Column("voice_id", UUID(as_uuid=True)),
    sa.Column("from_number_id", UUID(as_uuid=True)),
    sa.Column("to_number", sa.String(16), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("ended_reason", sa.String(255)),
    sa.Column("vapi_call_id", sa.String(255), unique=True),
    sa.Column("vapi_data", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("transcription", _ABSENT_AS_NULL),
    sa.Column("recording_url", sa.Text),
    sa.Column("summary", sa.Text),
    sa.Column("analysis", _ABSENT_AS_NULL),
    sa.Column("cost", sa.Numeric()),
    sa.Column("cost_breakdown", _ABSENT_AS_NULL),
    sa.Column("call_duration", sa.Integer),
    sa.Column("batch_id", UUID(as_uuid=True)),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("metadata", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("error", sa.Text),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("artifacts", _ABSENT_AS_NULL),
    sa.Column("recording_enabled", sa.Boolean, nullable=False, server_default=sa.text("true")),
    # When the call's content (transcript, recording, analysis, the provider's record) was
    # deleted; its cost, duration and usage stay.
    sa.Column("content_purged_at", sa.DateTime(timezone=True)),
    # Which kinds of content went (domain.calls.ContentKind), and whether any is kept.
    sa.Column(
        "purged_content", ARRAY(sa.String(20)), nullable=False, server_default=sa.text("'{}'")
    ),
    sa.Column("content_stored", sa.Boolean, nullable=False, server_default=sa.true()),
    _version(),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.UniqueConstraint("tenant_id", "idempotency_key"),
    sa.CheckConstraint("direction IN ('outbound', 'inbound')", name="direction"),
    sa.CheckConstraint(
        "status IN ('queued', 'ringing', 'in-progress', 'forwarding', 'ended', 'failed',"
        " 'unknown')",
        name="status",
    ),
    _in_tenant("agent_id", "voice_agents"),
    _in_tenant("lead_id", "leads"),
    _in_tenant("voice_id", "voices"),
    _in_tenant("from_number_id", "phone_numbers"),
    _in_tenant("batch_id", "call_batches"),
    _newest("voice_calls"),
    sa.Index("ix_voice_calls_lead_history", "tenant_id", "lead_id", "created_at", "id"),
    sa.Index("ix_voice_calls_agent", "tenant_id", "agent_id"),
    sa.Index("ix_voice_calls_to_number", "tenant_id", "to_number", "created_at", "id"),
    sa.Index(
        "ix_voice_calls_caller_number",
        "tenant_id",
        "caller_number",
        "created_at",
        "id",
        postgresql_where=sa.text("caller_number IS NOT NULL"),
    ),
    # A batch's calls, newest first (the list filtered by batch, the usage report by batch).
    sa.Index(
        "ix_voice_calls_batch",
        "tenant_id",
        "batch_id",
        "created_at",
        "id",
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    ),
)

# What each kind of content is, for the retention purge (domain.calls.VoiceCall.holds says
# the same): the calls holding it are indexed by tenant and age, so a purge reads only those
# due and a call that holds none leaves the index.
RECORDING_LINKS = (
    "ARRAY['recording', 'recordingUrl', 'stereoRecordingUrl', 'videoRecordingUrl',"
    " 'presignedMonoUrl', 'presignedStereoUrl', 'presignedVideoUrl', 'presignedAssistantUrl',"
    " 'presignedCustomerUrl', 'pcapUrl', 'presignedPcapUrl']"
)
CONTENT_HELD = {
    "transcript": "transcription IS NOT NULL OR summary IS NOT NULL OR analysis IS NOT NULL"
    " OR (artifacts - 'recordings') <> '{}'::jsonb",
    "recording": "recording_url IS NOT NULL OR artifacts ? 'recordings'"
    f" OR vapi_data ?| {RECORDING_LINKS[:-1]}, 'recordings']"
    " OR (jsonb_typeof(vapi_data -> 'artifact') = 'object'"
    f" AND (vapi_data -> 'artifact') ?| {RECORDING_LINKS})",
    "provider_record": "vapi_data <> '{}'::jsonb",
}
CONTENT_AGE = sa.func.coalesce(voice_calls.c.ended_at, voice_calls.c.created_at)
for _kind, _held in CONTENT_HELD.items():
    sa.Index(
        f"ix_voice_calls_{_kind}_held",
        voice_calls.c.tenant_id,
        CONTENT_AGE,
        postgresql_where=sa.text(_held),
    )

# --- batches (campaigns) --------------------------------------------------------------------

_COUNTS = ("pending", "dialling", "live", "completed", "failed", "skipped", "cancelled")
_DIAL_OUTCOMES = "('completed', 'busy', 'no-answer', 'voicemail', 'failed', 'unknown')"

call_batches = sa.Table(
    "call_batches",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("agent_id", UUID(as_uuid=True), nullable=False),
    sa.Column("from_number_id", UUID(as_uuid=True), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
    sa.Column("pause_reason", sa.String(30)),
    sa.Column("concurrency", sa.Integer, nullable=False, server_default="1"),
    # The calling window: ISO weekdays it opens on, and its local start and end.
    sa.Column("window_days", ARRAY(sa.SmallInteger), nullable=False),
    sa.Column("window_start", sa.Time, nullable=False),
    sa.Column("window_end", sa.Time, nullable=False),
    sa.Column("timezone", sa.String(64)),
    sa.Column("max_attempts", sa.Integer, nullable=False, server_default="3"),
    # {"busy": {"base_seconds": 600, "factor": 2.0, "cap_seconds": 3600}, "no_answer": …,
    # "voicemail": …}
    sa.Column("retry_policy", JSONB, nullable=False),
    # Progress, kept item by item (domain.batches.BatchCounts): items by state, finished
    # items by the outcome of their last try, skipped ones by reason ({kind: count}).
    *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in _COUNTS),
    sa.Column("ended_by", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("skipped_by", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("cost", sa.Numeric(), nullable=False, server_default="0"),
    sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    _version(),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.CheckConstraint(
        "status IN ('draft', 'running', 'paused', 'completed', 'cancelled')", name="status"
    ),
    sa.CheckConstraint(
        "pause_reason IN ('requested', 'minutes_exhausted', 'tenant_suspended',"
        " 'feature_lost', 'agent_unavailable', 'number_unavailable')",
        name="pause_reason",
    ),
    sa.CheckConstraint("pause_reason IS NULL OR status = 'paused'", name="paused_for_a_reason"),
    sa.CheckConstraint("concurrency >= 1 AND max_attempts >= 1", name="at_least_one"),
    sa.CheckConstraint(
        "cardinality(window_days) > 0 AND window_days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]",
        name="window_days",
    ),
    sa.CheckConstraint(" AND ".join(f"{name} >= 0" for name in _COUNTS), name="counts"),
    _in_tenant("agent_id", "voice_agents"),
    _in_tenant("from_number_id", "phone_numbers"),
    _newest("call_batches"),
)

call_batch_items = sa.Table(
    "call_batch_items",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("batch_id", UUID(as_uuid=True), nullable=False),
    # Deliberately no link to leads: a lead deleted while its batch runs leaves its item,
    # which is skipped when its turn comes (the batch's counts stay true and the batch
    # completes). A cascade would take the item away behind the counts' back, and SET NULL
    # on a link that holds tenant_id would null tenant_id too. Items are only ever made
    # from the tenant's own leads (PostgresBatchItemRepository.add_selection).
    sa.Column("lead_id", UUID(as_uuid=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_call_id", UUID(as_uuid=True)),
    sa.Column("last_outcome", sa.String(20)),
    sa.Column("skip_reason", sa.String(30)),
    sa.Column("variables", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    _version(),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    # A lead is in a batch at most once.
    sa.UniqueConstraint("tenant_id", "batch_id", "lead_id"),
    sa.CheckConstraint(
        "status IN ('pending', 'dialling', 'live', 'completed', 'failed', 'skipped', 'cancelled')",
        name="status",
    ),
    sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    sa.CheckConstraint(f"last_outcome IN {_DIAL_OUTCOMES}", name="last_outcome"),
    sa.CheckConstraint(
        "skip_reason IN ('do_not_call', 'unknown_time_zone', 'invalid_number', 'duplicate_number')",
        name="skip_reason",
    ),
    sa.ForeignKeyConstraint(
        ["tenant_id", "batch_id"],
        ["call_batches.tenant_id", "call_batches.id"],
        ondelete="CASCADE",
    ),
    # The call of the item's last try is queued in the transaction that claims the item.
    _in_tenant("last_call_id", "voice_calls", deferred=True),
    # The items of a batch in order: its list, oldest first.
    sa.Index("ix_call_batch_items_batch", "tenant_id", "batch_id", "created_at", "id"),
    # The item a call's news settles.
    sa.Index(
        "ix_call_batch_items_last_call",
        "tenant_id",
        "last_call_id",
        postgresql_where=sa.text("last_call_id IS NOT NULL"),
    ),
)

ITEM_DUE_AT = sa.func.coalesce(
    call_batch_items.c.next_attempt_at, sa.literal_column("'-infinity'::timestamptz")
)
"""When an item falls due, as one indexable value: an item with no time set is due at once
(earliest of all). Queries name this very expression so that the index below serves them
as a range, in order."""

# What the dispatcher claims and counts: a batch's waiting items, earliest due first.
sa.Index(
    "ix_call_batch_items_due",
    call_batch_items.c.tenant_id,
    call_batch_items.c.batch_id,
    ITEM_DUE_AT,
    call_batch_items.c.id,
    postgresql_where=sa.text("status = 'pending'"),
)

running_batches = sa.Table(
    "running_batches",
    metadata,
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("batch_id", UUID(as_uuid=True), nullable=False),
    *_timestamps(),
    sa.PrimaryKeyConstraint("tenant_id", "batch_id"),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "batch_id"],
        ["call_batches.tenant_id", "call_batches.id"],
        ondelete="CASCADE",
    ),
)

# --- calls in flight, their usage, and the provider's messages -----------------------------

live_calls = sa.Table(
    "live_calls",
    metadata,
    sa.Column("call_id", UUID(as_uuid=True), primary_key=True),
    _tenant_id(),
    sa.Column("on_line", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("check_at", sa.DateTime(timezone=True), nullable=False),
    *_timestamps(),
    sa.ForeignKeyConstraint(
        ["tenant_id", "call_id"], ["voice_calls.tenant_id", "voice_calls.id"], ondelete="CASCADE"
    ),
    sa.Index("ix_live_calls_check_at", "check_at"),
    sa.Index("ix_live_calls_tenant_on_line", "tenant_id", postgresql_where=sa.text("on_line")),
)

ai_usage = sa.Table(
    "ai_usage",
    metadata,
    _id(),
    _tenant_id(),
    sa.Column("call_id", UUID(as_uuid=True), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("item_type", sa.String(50), nullable=False),
    sa.Column("provider", sa.String(100)),
    sa.Column("model", sa.String(255)),
    sa.Column("prompt_tokens", sa.BigInteger),
    sa.Column("completion_tokens", sa.BigInteger),
    sa.Column("characters", sa.BigInteger),
    sa.Column("seconds", sa.BigInteger),
    sa.Column("cached_prompt_tokens", sa.BigInteger),
    sa.Column("reasoning_tokens", sa.BigInteger),
    sa.Column("prompt_audio_tokens", sa.BigInteger),
    sa.Column("completion_audio_tokens", sa.BigInteger),
    sa.Column("minutes", sa.Numeric()),
    sa.Column("cost", sa.Numeric(), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("tenant_id", "id"),
    sa.CheckConstraint(
        "kind IN ('transport', 'stt', 'llm', 'tts', 'platform', 'analysis', 'other')", name="kind"
    ),
    sa.ForeignKeyConstraint(
        ["tenant_id", "call_id"], ["voice_calls.tenant_id", "voice_calls.id"], ondelete="CASCADE"
    ),
    sa.Index("ix_ai_usage_tenant_id_call_id", "tenant_id", "call_id"),
)

webhook_events = sa.Table(
    "webhook_events",
    metadata,
    _id(),
    sa.Column("provider", sa.String(20), nullable=False),
    sa.Column("dedupe_key", sa.String(512), nullable=False, unique=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("vapi_call_id", sa.String(255)),
    # NULL for messages about no call of ours, which no tenant may read.
    sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE")),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True)),
    sa.Column("error", sa.Text),
    *_timestamps(),
    sa.Index("ix_webhook_events_tenant_id_received_at", "tenant_id", "received_at", "id"),
)

# --- events out ----------------------------------------------------------------------

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", UUID(as_uuid=True), nullable=False),
    _tenant_id(),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("event_types", ARRAY(sa.String(50)), nullable=False),
    sa.Column("description", sa.String(500)),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    # The signing secret is needed in full to sign: it is kept, under row-level security,
    # and shown only when made (docs/decisions.md).
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("previous_secret", sa.String(100)),
    sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True)),
    sa.Column("failing_since", sa.DateTime(timezone=True)),
    sa.Column("disabled_reason", sa.String(500)),
    _version(),
    *_timestamps(),
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.CheckConstraint("cardinality(event_types) > 0", name="event_types_named"),
    sa.CheckConstraint(
        "(previous_secret IS NULL) = (previous_secret_expires_at IS NULL)",
        name="previous_secret_expires",
    ),
    _newest("webhook_endpoints"),
)

outbound_events = sa.Table(
    "outbound_events",
    metadata,
    sa.Column("id", UUID(as_uuid=True), nullable=False),
    _tenant_id(),
    sa.Column("type", sa.String(50), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("subject_id", UUID(as_uuid=True)),
    sa.Column("details", JSONB),
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.Index("ix_outbound_events_tenant_id_occurred_at_id", "tenant_id", "occurred_at", "id"),
)

_DELIVERY_STATUSES = "status IN ('pending', 'delivered', 'failed')"

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", UUID(as_uuid=True), nullable=False),
    _tenant_id(),
    sa.Column("endpoint_id", UUID(as_uuid=True), nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("event_type", sa.String(50), nullable=False),
    sa.Column("subject_id", UUID(as_uuid=True)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.String(500)),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.CheckConstraint(_DELIVERY_STATUSES, name="status_known"),
    sa.CheckConstraint(
        "(status = 'pending') = (next_attempt_at IS NOT NULL)", name="pending_has_next_attempt"
    ),
    sa.ForeignKeyConstraint(
        ["tenant_id", "endpoint_id"],
        ["webhook_endpoints.tenant_id", "webhook_endpoints.id"],
        ondelete="CASCADE",
    ),
    sa.ForeignKeyConstraint(
        ["tenant_id", "event_id"],
        ["outbound_events.tenant_id", "outbound_events.id"],
        ondelete="CASCADE",
    ),
    sa.Index(
        "ix_webhook_deliveries_tenant_id_endpoint_id_created_at_id",
        "tenant_id",
        "endpoint_id",
        "created_at",
        "id",
    ),
    sa.Index("ix_webhook_deliveries_tenant_id_event_id", "tenant_id", "event_id"),
)

webhook_delivery_attempts = sa.Table(
    "webhook_delivery_attempts",
    metadata,
    sa.Column("id", UUID(as_uuid=True), nullable=False),
    _tenant_id(),
    sa.Column("delivery_id", UUID(as_uuid=True), nullable=False),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("response_excerpt", sa.String(1024)),
    sa.Column("error", sa.String(500)),
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "delivery_id"],
        ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
        ondelete="CASCADE",
    ),
    sa.Index(
        "ix_webhook_delivery_attempts_tenant_id_delivery_id_attempted_at",
        "tenant_id",
        "delivery_id",
        "attempted_at",
    ),
)

# The deliveries due, across tenants: ids and times only, read by every worker (as the
# registries of calls in flight and running batches), written in the tenant's own context.
webhook_delivery_queue = sa.Table(
    "webhook_delivery_queue",
    metadata,
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("delivery_id", UUID(as_uuid=True), nullable=False),
    sa.Column("endpoint_id", UUID(as_uuid=True), nullable=False),
    sa.Column("subject_id", UUID(as_uuid=True)),
    # The order deliveries were made in: one endpoint's deliveries about one subject go out
    # in this order.
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "delivery_id"),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "delivery_id"],
        ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
        ondelete="CASCADE",
    ),
    sa.Index("ix_webhook_delivery_queue_due_at", "due_at"),
    sa.Index(
        "ix_webhook_delivery_queue_endpoint_id_subject_id_seq",
        "endpoint_id",
        "subject_id",
        "seq",
    ),
)


# --- leaving: a tenant's exports -------------------------------------------------------

tenant_exports = sa.Table(
    "tenant_exports",
    metadata,
    sa.Column("id", UUID(as_uuid=True), nullable=False),
    _tenant_id(),
    # The user who asked (none for an API key's or the platform's request); no foreign key:
    # the export outlives the account.
    sa.Column("requested_by", UUID(as_uuid=True)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    sa.Column("error", sa.String(500)),
    sa.Column("counts", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("chunks", sa.Integer),
    sa.Column("sha256", sa.String(64)),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.CheckConstraint("status IN ('pending', 'running', 'ready', 'failed')", name="status"),
    sa.CheckConstraint(
        "(status = 'ready') = (sha256 IS NOT NULL AND size_bytes IS NOT NULL"
        " AND chunks IS NOT NULL)",
        name="ready_has_archive",
    ),
    _newest("tenant_exports"),
)

# The archive's bytes in order, about a MiB a row: any API process streams what any worker
# wrote, with no shared disk.
tenant_export_chunks = sa.Table(
    "tenant_export_chunks",
    metadata,
    _tenant_id(),
    sa.Column("export_id", UUID(as_uuid=True), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "export_id", "seq"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "export_id"],
        ["tenant_exports.tenant_id", "tenant_exports.id"],
        ondelete="CASCADE",
    ),
)

# What the export workers look at across tenants: an export to build (due at once, or again
# when a worker's lease on it runs out) or to remove (due when it expires). Ids and times
# only, written only in its own tenant's context.
tenant_export_queue = sa.Table(
    "tenant_export_queue",
    metadata,
    _tenant_id(),
    sa.Column("export_id", UUID(as_uuid=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "export_id"),
    sa.ForeignKeyConstraint(
        ["tenant_id", "export_id"],
        ["tenant_exports.tenant_id", "tenant_exports.id"],
        ondelete="CASCADE",
    ),
    sa.Index("ix_tenant_export_queue_due_at", "due_at"),
)
