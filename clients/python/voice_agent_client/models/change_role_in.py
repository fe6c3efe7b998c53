from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.change_role_in_role import ChangeRoleInRole, check_change_role_in_role
from ..types import UNSET, Unset

T = TypeVar("T", bound="ChangeRoleIn")


@_attrs_define
class ChangeRoleIn:
    """A member's new role.

    Attributes:
        role (ChangeRoleInRole): A role in a tenant, from most to least powerful: owner, admin, member, viewer.
        version (int | None | Unset):
    """

    role: ChangeRoleInRole
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        role: str = self.role

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "role": role,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        role = check_change_role_in_role(d.pop("role"))

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        change_role_in = cls(
            role=role,
            version=version,
        )

        return change_role_in
