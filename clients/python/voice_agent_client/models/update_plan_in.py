from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.update_plan_in_billing_cycle_type_0 import (
    UpdatePlanInBillingCycleType0,
    check_update_plan_in_billing_cycle_type_0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_plan_in_metadata_type_0 import UpdatePlanInMetadataType0


T = TypeVar("T", bound="UpdatePlanIn")


@_attrs_define
class UpdatePlanIn:
    """A change to a plan; fields left out stay. `is_active: false` deactivates it.

    Attributes:
        name (None | str | Unset):
        price (None | str | Unset):
        currency (None | str | Unset):
        billing_cycle (None | Unset | UpdatePlanInBillingCycleType0):
        is_active (bool | None | Unset):
        metadata (None | Unset | UpdatePlanInMetadataType0):
        version (int | None | Unset):
    """

    name: None | str | Unset = UNSET
    price: None | str | Unset = UNSET
    currency: None | str | Unset = UNSET
    billing_cycle: None | Unset | UpdatePlanInBillingCycleType0 = UNSET
    is_active: bool | None | Unset = UNSET
    metadata: None | Unset | UpdatePlanInMetadataType0 = UNSET
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.update_plan_in_metadata_type_0 import UpdatePlanInMetadataType0  # noqa: PLC0415

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        price: None | str | Unset
        if isinstance(self.price, Unset):
            price = UNSET
        else:
            price = self.price

        currency: None | str | Unset
        if isinstance(self.currency, Unset):
            currency = UNSET
        else:
            currency = self.currency

        billing_cycle: None | str | Unset
        if isinstance(self.billing_cycle, Unset):
            billing_cycle = UNSET
        elif isinstance(self.billing_cycle, str):
            billing_cycle = self.billing_cycle
        else:
            billing_cycle = self.billing_cycle

        is_active: bool | None | Unset
        if isinstance(self.is_active, Unset):
            is_active = UNSET
        else:
            is_active = self.is_active

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, UpdatePlanInMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if price is not UNSET:
            field_dict["price"] = price
        if currency is not UNSET:
            field_dict["currency"] = currency
        if billing_cycle is not UNSET:
            field_dict["billing_cycle"] = billing_cycle
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_plan_in_metadata_type_0 import UpdatePlanInMetadataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_price(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        price = _parse_price(d.pop("price", UNSET))

        def _parse_currency(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        currency = _parse_currency(d.pop("currency", UNSET))

        def _parse_billing_cycle(data: object) -> None | Unset | UpdatePlanInBillingCycleType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                billing_cycle_type_0 = check_update_plan_in_billing_cycle_type_0(data)

                return billing_cycle_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdatePlanInBillingCycleType0, data)

        billing_cycle = _parse_billing_cycle(d.pop("billing_cycle", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

        def _parse_metadata(data: object) -> None | Unset | UpdatePlanInMetadataType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = UpdatePlanInMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdatePlanInMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        update_plan_in = cls(
            name=name,
            price=price,
            currency=currency,
            billing_cycle=billing_cycle,
            is_active=is_active,
            metadata=metadata,
            version=version,
        )

        return update_plan_in
