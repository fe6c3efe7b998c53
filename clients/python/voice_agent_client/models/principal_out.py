from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.principal_out_kind import PrincipalOutKind, check_principal_out_kind
from ..models.principal_out_object import PrincipalOutObject, check_principal_out_object
from ..models.principal_out_role_type_0 import PrincipalOutRoleType0, check_principal_out_role_type_0

if TYPE_CHECKING:
    from ..models.user_out import UserOut


T = TypeVar("T", bound="PrincipalOut")


@_attrs_define
class PrincipalOut:
    """Who the bearer token stands for: a user, or an API key acting in its tenant.

    Attributes:
        object_ (PrincipalOutObject):
        kind (PrincipalOutKind): A personal token's user, or an API key.
        user (None | UserOut): The user; null for an API key.
        api_key_id (None | UUID): The key; null for a user.
        tenant_id (None | UUID): The key's tenant; null for a user.
        role (None | PrincipalOutRoleType0): The role the key acts with now; null for a user (see /v1/me/tenants).
        is_platform_admin (bool): May manage users and every tenant.
    """

    object_: PrincipalOutObject
    kind: PrincipalOutKind
    user: None | UserOut
    api_key_id: None | UUID
    tenant_id: None | UUID
    role: None | PrincipalOutRoleType0
    is_platform_admin: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_out import UserOut  # noqa: PLC0415

        object_: str = self.object_

        kind: str = self.kind

        user: dict[str, Any] | None
        if isinstance(self.user, UserOut):
            user = self.user.to_dict()
        else:
            user = self.user

        api_key_id: None | str
        if isinstance(self.api_key_id, UUID):
            api_key_id = str(self.api_key_id)
        else:
            api_key_id = self.api_key_id

        tenant_id: None | str
        if isinstance(self.tenant_id, UUID):
            tenant_id = str(self.tenant_id)
        else:
            tenant_id = self.tenant_id

        role: None | str
        if isinstance(self.role, str):
            role = self.role
        else:
            role = self.role

        is_platform_admin = self.is_platform_admin

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "kind": kind,
                "user": user,
                "api_key_id": api_key_id,
                "tenant_id": tenant_id,
                "role": role,
                "is_platform_admin": is_platform_admin,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_out import UserOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_principal_out_object(d.pop("object"))

        kind = check_principal_out_kind(d.pop("kind"))

        def _parse_user(data: object) -> None | UserOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_type_0 = UserOut.from_dict(data)

                return user_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UserOut, data)

        user = _parse_user(d.pop("user"))

        def _parse_api_key_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                api_key_id_type_0 = UUID(data)

                return api_key_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        api_key_id = _parse_api_key_id(d.pop("api_key_id"))

        def _parse_tenant_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tenant_id_type_0 = UUID(data)

                return tenant_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        tenant_id = _parse_tenant_id(d.pop("tenant_id"))

        def _parse_role(data: object) -> None | PrincipalOutRoleType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = check_principal_out_role_type_0(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PrincipalOutRoleType0, data)

        role = _parse_role(d.pop("role"))

        is_platform_admin = d.pop("is_platform_admin")

        principal_out = cls(
            object_=object_,
            kind=kind,
            user=user,
            api_key_id=api_key_id,
            tenant_id=tenant_id,
            role=role,
            is_platform_admin=is_platform_admin,
        )

        principal_out.additional_properties = d
        return principal_out

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
