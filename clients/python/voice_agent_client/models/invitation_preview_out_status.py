from typing import Literal

InvitationPreviewOutStatus = Literal["accepted", "declined", "expired", "pending", "revoked"]

INVITATION_PREVIEW_OUT_STATUS_VALUES: set[InvitationPreviewOutStatus] = {
    "accepted",
    "declined",
    "expired",
    "pending",
    "revoked",
}


def check_invitation_preview_out_status(value: str) -> InvitationPreviewOutStatus:
    if value in INVITATION_PREVIEW_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITATION_PREVIEW_OUT_STATUS_VALUES!r}")
