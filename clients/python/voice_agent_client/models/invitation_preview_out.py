from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invitation_preview_out_object import InvitationPreviewOutObject, check_invitation_preview_out_object
from ..models.invitation_preview_out_role import InvitationPreviewOutRole, check_invitation_preview_out_role
from ..models.invitation_preview_out_status import InvitationPreviewOutStatus, check_invitation_preview_out_status

T = TypeVar("T", bound="InvitationPreviewOut")


@_attrs_define
class InvitationPreviewOut:
    """What an invitation token invites to, for its holder.

    Attributes:
        object_ (InvitationPreviewOutObject):
        tenant_id (UUID): The tenant it belongs to.
        tenant_name (str): The inviting tenant's name.
        email (str): The invited address.
        role (InvitationPreviewOutRole): A role in a tenant, from most to least powerful: owner, admin, member, viewer.
        status (InvitationPreviewOutStatus): pending until accepted, declined or revoked; a pending invitation past
            `expires_at` is expired.
        expires_at (datetime.datetime):
    """

    object_: InvitationPreviewOutObject
    tenant_id: UUID
    tenant_name: str
    email: str
    role: InvitationPreviewOutRole
    status: InvitationPreviewOutStatus
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        tenant_id = str(self.tenant_id)

        tenant_name = self.tenant_name

        email = self.email

        role: str = self.role

        status: str = self.status

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "tenant_id": tenant_id,
                "tenant_name": tenant_name,
                "email": email,
                "role": role,
                "status": status,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_invitation_preview_out_object(d.pop("object"))

        tenant_id = UUID(d.pop("tenant_id"))

        tenant_name = d.pop("tenant_name")

        email = d.pop("email")

        role = check_invitation_preview_out_role(d.pop("role"))

        status = check_invitation_preview_out_status(d.pop("status"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        invitation_preview_out = cls(
            object_=object_,
            tenant_id=tenant_id,
            tenant_name=tenant_name,
            email=email,
            role=role,
            status=status,
            expires_at=expires_at,
        )

        invitation_preview_out.additional_properties = d
        return invitation_preview_out

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
