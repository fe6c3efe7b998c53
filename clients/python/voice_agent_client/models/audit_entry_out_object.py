from typing import Literal

AuditEntryOutObject = Literal["audit_entry"]

AUDIT_ENTRY_OUT_OBJECT_VALUES: set[AuditEntryOutObject] = {
    "audit_entry",
}


def check_audit_entry_out_object(value: str) -> AuditEntryOutObject:
    if value in AUDIT_ENTRY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AUDIT_ENTRY_OUT_OBJECT_VALUES!r}")
