from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tenant_feature_out_feature_type import TenantFeatureOutFeatureType, check_tenant_feature_out_feature_type
from ..models.tenant_feature_out_object import TenantFeatureOutObject, check_tenant_feature_out_object
from ..models.tenant_feature_out_source import TenantFeatureOutSource, check_tenant_feature_out_source

T = TypeVar("T", bound="TenantFeatureOut")


@_attrs_define
class TenantFeatureOut:
    """A feature as it applies to a tenant now: its effective value and where it comes
    from (an override in force, else the plan's value, else the feature's default).

    Attributes:
        object_ (TenantFeatureOutObject):
        tenant_id (UUID): The tenant it belongs to.
        feature_key (str): The feature's key.
        name (str): The feature's display name.
        feature_type (TenantFeatureOutFeatureType): boolean: on or off; limit: a count (null: unlimited); addon: on, off
            or a quantity.
        value (bool | int | None): true/false for a boolean; a count for a limit (null: unlimited); true, false or a
            quantity for an add-on.
        enabled (bool): Whether the value grants anything (true, or a limit other than 0).
        source (TenantFeatureOutSource): Where the value comes from.
        expires_at (datetime.datetime | None): When the override giving the value ends; null: it does not, or the value
            is not an override's.
        used (int | None): Current usage of a metered limit; null: nothing meters it.
    """

    object_: TenantFeatureOutObject
    tenant_id: UUID
    feature_key: str
    name: str
    feature_type: TenantFeatureOutFeatureType
    value: bool | int | None
    enabled: bool
    source: TenantFeatureOutSource
    expires_at: datetime.datetime | None
    used: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        tenant_id = str(self.tenant_id)

        feature_key = self.feature_key

        name = self.name

        feature_type: str = self.feature_type

        value: bool | int | None
        value = self.value

        enabled = self.enabled

        source: str = self.source

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        used: int | None
        used = self.used

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "tenant_id": tenant_id,
                "feature_key": feature_key,
                "name": name,
                "feature_type": feature_type,
                "value": value,
                "enabled": enabled,
                "source": source,
                "expires_at": expires_at,
                "used": used,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_tenant_feature_out_object(d.pop("object"))

        tenant_id = UUID(d.pop("tenant_id"))

        feature_key = d.pop("feature_key")

        name = d.pop("name")

        feature_type = check_tenant_feature_out_feature_type(d.pop("feature_type"))

        def _parse_value(data: object) -> bool | int | None:
            if data is None:
                return data
            return cast(bool | int | None, data)

        value = _parse_value(d.pop("value"))

        enabled = d.pop("enabled")

        source = check_tenant_feature_out_source(d.pop("source"))

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

        def _parse_used(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        used = _parse_used(d.pop("used"))

        tenant_feature_out = cls(
            object_=object_,
            tenant_id=tenant_id,
            feature_key=feature_key,
            name=name,
            feature_type=feature_type,
            value=value,
            enabled=enabled,
            source=source,
            expires_at=expires_at,
            used=used,
        )

        tenant_feature_out.additional_properties = d
        return tenant_feature_out

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
