from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.add_member_in_role import AddMemberInRole, check_add_member_in_role
from ..types import UNSET, Unset

T = TypeVar("T", bound="AddMemberIn")


@_attrs_define
class AddMemberIn:
    """An existing user, by `user_id` (platform admins). People are brought in by email
    through an invitation instead (POST /v1/tenants/{tenant_id}/invitations).

    Attributes:
        role (AddMemberInRole | Unset): A role in a tenant, from most to least powerful: owner, admin, member, viewer.
            Default: 'member'.
        user_id (None | Unset | UUID):
        email (None | str | Unset): No longer accepted: an address is invited instead (owners and admins are answered
            403 pointing there, platform admins 422).
    """

    role: AddMemberInRole | Unset = "member"
    user_id: None | Unset | UUID = UNSET
    email: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        elif isinstance(self.user_id, UUID):
            user_id = str(self.user_id)
        else:
            user_id = self.user_id

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if role is not UNSET:
            field_dict["role"] = role
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if email is not UNSET:
            field_dict["email"] = email

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _role = d.pop("role", UNSET)
        role: AddMemberInRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = check_add_member_in_role(_role)

        def _parse_user_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                user_id_type_0 = UUID(data)

                return user_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        add_member_in = cls(
            role=role,
            user_id=user_id,
            email=email,
        )

        return add_member_in
