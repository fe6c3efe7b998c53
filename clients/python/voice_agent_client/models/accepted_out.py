from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.accepted_out_object import AcceptedOutObject, check_accepted_out_object

if TYPE_CHECKING:
    from ..models.invitation_preview_out import InvitationPreviewOut
    from ..models.member_out import MemberOut
    from ..models.user_token_created_out import UserTokenCreatedOut


T = TypeVar("T", bound="AcceptedOut")


@_attrs_define
class AcceptedOut:
    """You are a member of the tenant now.

    Attributes:
        object_ (AcceptedOutObject):
        invitation (InvitationPreviewOut): What an invitation token invites to, for its holder.
        member (MemberOut): A member of a tenant: a user and their role there. Its path names the user:
                /v1/tenants/{tenant_id}/members/{user_id}.
        token (None | UserTokenCreatedOut): When the account was created here: a personal token (shown once, it expires)
            to work with at once; null when you were signed in.
    """

    object_: AcceptedOutObject
    invitation: InvitationPreviewOut
    member: MemberOut
    token: None | UserTokenCreatedOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_token_created_out import UserTokenCreatedOut  # noqa: PLC0415

        object_: str = self.object_

        invitation = self.invitation.to_dict()

        member = self.member.to_dict()

        token: dict[str, Any] | None
        if isinstance(self.token, UserTokenCreatedOut):
            token = self.token.to_dict()
        else:
            token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "invitation": invitation,
                "member": member,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invitation_preview_out import InvitationPreviewOut  # noqa: PLC0415
        from ..models.member_out import MemberOut  # noqa: PLC0415
        from ..models.user_token_created_out import UserTokenCreatedOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_accepted_out_object(d.pop("object"))

        invitation = InvitationPreviewOut.from_dict(d.pop("invitation"))

        member = MemberOut.from_dict(d.pop("member"))

        def _parse_token(data: object) -> None | UserTokenCreatedOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                token_type_0 = UserTokenCreatedOut.from_dict(data)

                return token_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UserTokenCreatedOut, data)

        token = _parse_token(d.pop("token"))

        accepted_out = cls(
            object_=object_,
            invitation=invitation,
            member=member,
            token=token,
        )

        accepted_out.additional_properties = d
        return accepted_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
