from typing import Literal

InvitationPreviewOutRole = Literal["admin", "member", "owner", "viewer"]

INVITATION_PREVIEW_OUT_ROLE_VALUES: set[InvitationPreviewOutRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_invitation_preview_out_role(value: str) -> InvitationPreviewOutRole:
    if value in INVITATION_PREVIEW_OUT_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITATION_PREVIEW_OUT_ROLE_VALUES!r}")
