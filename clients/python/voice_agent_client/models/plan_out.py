from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.plan_out_billing_cycle import PlanOutBillingCycle, check_plan_out_billing_cycle
from ..models.plan_out_object import PlanOutObject, check_plan_out_object

if TYPE_CHECKING:
    from ..models.plan_out_metadata import PlanOutMetadata


T = TypeVar("T", bound="PlanOut")


@_attrs_define
class PlanOut:
    """A plan: a price and the values it gives features.

    Attributes:
        object_ (PlanOutObject):
        id (UUID): The plan's id.
        name (str): The plan's name.
        price (str): A decimal string, e.g. "99.00".
        currency (str): ISO 4217.
        billing_cycle (PlanOutBillingCycle): How often the price is billed.
        is_active (bool): false: no longer offered; tenants on it keep it.
        is_default (bool): New tenants start on it.
        metadata (PlanOutMetadata): Free-form data about the plan.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: PlanOutObject
    id: UUID
    name: str
    price: str
    currency: str
    billing_cycle: PlanOutBillingCycle
    is_active: bool
    is_default: bool
    metadata: PlanOutMetadata
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        name = self.name

        price = self.price

        currency = self.currency

        billing_cycle: str = self.billing_cycle

        is_active = self.is_active

        is_default = self.is_default

        metadata = self.metadata.to_dict()

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "name": name,
                "price": price,
                "currency": currency,
                "billing_cycle": billing_cycle,
                "is_active": is_active,
                "is_default": is_default,
                "metadata": metadata,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_out_metadata import PlanOutMetadata  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_plan_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        name = d.pop("name")

        price = d.pop("price")

        currency = d.pop("currency")

        billing_cycle = check_plan_out_billing_cycle(d.pop("billing_cycle"))

        is_active = d.pop("is_active")

        is_default = d.pop("is_default")

        metadata = PlanOutMetadata.from_dict(d.pop("metadata"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        plan_out = cls(
            object_=object_,
            id=id,
            name=name,
            price=price,
            currency=currency,
            billing_cycle=billing_cycle,
            is_active=is_active,
            is_default=is_default,
            metadata=metadata,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        plan_out.additional_properties = d
        return plan_out

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
