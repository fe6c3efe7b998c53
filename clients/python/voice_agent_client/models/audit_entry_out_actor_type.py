from typing import Literal

AuditEntryOutActorType = Literal["anonymous", "api_key", "system", "user"]

AUDIT_ENTRY_OUT_ACTOR_TYPE_VALUES: set[AuditEntryOutActorType] = {
    "anonymous",
    "api_key",
    "system",
    "user",
}


def check_audit_entry_out_actor_type(value: str) -> AuditEntryOutActorType:
    if value in AUDIT_ENTRY_OUT_ACTOR_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AUDIT_ENTRY_OUT_ACTOR_TYPE_VALUES!r}")
