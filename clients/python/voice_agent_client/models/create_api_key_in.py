from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.create_api_key_in_role import CreateApiKeyInRole, check_create_api_key_in_role
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateApiKeyIn")


@_attrs_define
class CreateApiKeyIn:
    """A new API key acting in the tenant with `role` (at most the creator's own).

    Attributes:
        name (str): What the credential is for.
        role (CreateApiKeyInRole | Unset): A role in a tenant, from most to least powerful: owner, admin, member,
            viewer. Default: 'member'.
        expires_at (datetime.datetime | None | Unset):
    """

    name: str
    role: CreateApiKeyInRole | Unset = "member"
    expires_at: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        _role = d.pop("role", UNSET)
        role: CreateApiKeyInRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = check_create_api_key_in_role(_role)

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        create_api_key_in = cls(
            name=name,
            role=role,
            expires_at=expires_at,
        )

        return create_api_key_in
