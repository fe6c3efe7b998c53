from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.api_key_out_effective_role_type_0 import (
    ApiKeyOutEffectiveRoleType0,
    check_api_key_out_effective_role_type_0,
)
from ..models.api_key_out_object import ApiKeyOutObject, check_api_key_out_object
from ..models.api_key_out_role import ApiKeyOutRole, check_api_key_out_role

T = TypeVar("T", bound="ApiKeyOut")


@_attrs_define
class ApiKeyOut:
    """A tenant API key (never its secret): a bearer credential acting in one tenant.

    Attributes:
        object_ (ApiKeyOutObject):
        id (UUID): The key's id.
        tenant_id (UUID): The tenant it acts in.
        name (str): What the key is for.
        prefix (str): The part of the token after vau_ or vak_…_ that identifies it; not enough to use it.
        role (ApiKeyOutRole): The role the key was granted.
        effective_role (ApiKeyOutEffectiveRoleType0 | None): The role the key acts with now: the lesser of `role` and
            its creator's current role in the tenant (a platform admin's keys keep `role`). null when it cannot act:
            revoked, expired, or its creator left, was removed or deactivated.
        created_by (None | UUID): The user who created it.
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        expires_at (datetime.datetime | None): When it stops working; null: never.
        last_used_at (datetime.datetime | None): When it last authenticated a request (to the minute); null: never.
        revoked_at (datetime.datetime | None): When it was revoked; null: it was not.
    """

    object_: ApiKeyOutObject
    id: UUID
    tenant_id: UUID
    name: str
    prefix: str
    role: ApiKeyOutRole
    effective_role: ApiKeyOutEffectiveRoleType0 | None
    created_by: None | UUID
    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        name = self.name

        prefix = self.prefix

        role: str = self.role

        effective_role: None | str
        if isinstance(self.effective_role, str):
            effective_role = self.effective_role
        else:
            effective_role = self.effective_role

        created_by: None | str
        if isinstance(self.created_by, UUID):
            created_by = str(self.created_by)
        else:
            created_by = self.created_by

        created_at = self.created_at.isoformat()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "name": name,
                "prefix": prefix,
                "role": role,
                "effective_role": effective_role,
                "created_by": created_by,
                "created_at": created_at,
                "expires_at": expires_at,
                "last_used_at": last_used_at,
                "revoked_at": revoked_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_api_key_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        name = d.pop("name")

        prefix = d.pop("prefix")

        role = check_api_key_out_role(d.pop("role"))

        def _parse_effective_role(data: object) -> ApiKeyOutEffectiveRoleType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                effective_role_type_0 = check_api_key_out_effective_role_type_0(data)

                return effective_role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApiKeyOutEffectiveRoleType0 | None, data)

        effective_role = _parse_effective_role(d.pop("effective_role"))

        def _parse_created_by(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_by_type_0 = UUID(data)

                return created_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        created_by = _parse_created_by(d.pop("created_by"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        api_key_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            name=name,
            prefix=prefix,
            role=role,
            effective_role=effective_role,
            created_by=created_by,
            created_at=created_at,
            expires_at=expires_at,
            last_used_at=last_used_at,
            revoked_at=revoked_at,
        )

        api_key_out.additional_properties = d
        return api_key_out

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
