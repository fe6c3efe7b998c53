from typing import Literal

InvitationPreviewOutObject = Literal["invitation_preview"]

INVITATION_PREVIEW_OUT_OBJECT_VALUES: set[InvitationPreviewOutObject] = {
    "invitation_preview",
}


def check_invitation_preview_out_object(value: str) -> InvitationPreviewOutObject:
    if value in INVITATION_PREVIEW_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITATION_PREVIEW_OUT_OBJECT_VALUES!r}")
