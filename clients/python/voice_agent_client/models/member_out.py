from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.member_out_object import MemberOutObject, check_member_out_object
from ..models.member_out_role import MemberOutRole, check_member_out_role

if TYPE_CHECKING:
    from ..models.member_user_out import MemberUserOut


T = TypeVar("T", bound="MemberOut")


@_attrs_define
class MemberOut:
    """A member of a tenant: a user and their role there. Its path names the user:
    /v1/tenants/{tenant_id}/members/{user_id}.

    Attributes:
        object_ (MemberOutObject):
        membership_id (UUID): The membership's id.
        tenant_id (UUID): The tenant it belongs to.
        user_id (UUID): The member's user id.
        role (MemberOutRole): A role in a tenant, from most to least powerful: owner, admin, member, viewer.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        user (MemberUserOut): A member's user as fellow members see it: no platform flags, no versions.
        created_at (datetime.datetime): When they joined (RFC 3339).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: MemberOutObject
    membership_id: UUID
    tenant_id: UUID
    user_id: UUID
    role: MemberOutRole
    version: int
    user: MemberUserOut
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        membership_id = str(self.membership_id)

        tenant_id = str(self.tenant_id)

        user_id = str(self.user_id)

        role: str = self.role

        version = self.version

        user = self.user.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "membership_id": membership_id,
                "tenant_id": tenant_id,
                "user_id": user_id,
                "role": role,
                "version": version,
                "user": user,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.member_user_out import MemberUserOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_member_out_object(d.pop("object"))

        membership_id = UUID(d.pop("membership_id"))

        tenant_id = UUID(d.pop("tenant_id"))

        user_id = UUID(d.pop("user_id"))

        role = check_member_out_role(d.pop("role"))

        version = d.pop("version")

        user = MemberUserOut.from_dict(d.pop("user"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        member_out = cls(
            object_=object_,
            membership_id=membership_id,
            tenant_id=tenant_id,
            user_id=user_id,
            role=role,
            version=version,
            user=user,
            created_at=created_at,
            updated_at=updated_at,
        )

        member_out.additional_properties = d
        return member_out

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
