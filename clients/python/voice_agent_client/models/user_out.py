from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.user_out_object import UserOutObject, check_user_out_object

T = TypeVar("T", bound="UserOut")


@_attrs_define
class UserOut:
    """A user: a person who signs in with personal tokens and belongs to tenants.

    Attributes:
        object_ (UserOutObject):
        id (UUID): The user's id.
        email (str): The user's email address (its domain in lower case).
        first_name (None | str):
        last_name (None | str):
        is_platform_admin (bool): May manage users and every tenant.
        is_active (bool): false: deactivated; the user's tokens and keys do not act.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: UserOutObject
    id: UUID
    email: str
    first_name: None | str
    last_name: None | str
    is_platform_admin: bool
    is_active: bool
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        email = self.email

        first_name: None | str
        first_name = self.first_name

        last_name: None | str
        last_name = self.last_name

        is_platform_admin = self.is_platform_admin

        is_active = self.is_active

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "is_platform_admin": is_platform_admin,
                "is_active": is_active,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_user_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        email = d.pop("email")

        def _parse_first_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        first_name = _parse_first_name(d.pop("first_name"))

        def _parse_last_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_name = _parse_last_name(d.pop("last_name"))

        is_platform_admin = d.pop("is_platform_admin")

        is_active = d.pop("is_active")

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        user_out = cls(
            object_=object_,
            id=id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_platform_admin=is_platform_admin,
            is_active=is_active,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        user_out.additional_properties = d
        return user_out

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
