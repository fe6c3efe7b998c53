from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.create_plan_in_billing_cycle import CreatePlanInBillingCycle, check_create_plan_in_billing_cycle
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_plan_in_metadata import CreatePlanInMetadata


T = TypeVar("T", bound="CreatePlanIn")


@_attrs_define
class CreatePlanIn:
    """A new plan (platform admins); give it feature values with PUT …/features/{key}.

    Attributes:
        name (str): The plan's name.
        price (str | Unset): A decimal string, e.g. "99.00". Default: '0'.
        currency (str | Unset): ISO 4217. Default: 'USD'.
        billing_cycle (CreatePlanInBillingCycle | Unset): How often the price is billed. Default: 'monthly'.
        metadata (CreatePlanInMetadata | Unset): Free-form data about the plan.
    """

    name: str
    price: str | Unset = "0"
    currency: str | Unset = "USD"
    billing_cycle: CreatePlanInBillingCycle | Unset = "monthly"
    metadata: CreatePlanInMetadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        price = self.price

        currency = self.currency

        billing_cycle: str | Unset = UNSET
        if not isinstance(self.billing_cycle, Unset):
            billing_cycle = self.billing_cycle

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if price is not UNSET:
            field_dict["price"] = price
        if currency is not UNSET:
            field_dict["currency"] = currency
        if billing_cycle is not UNSET:
            field_dict["billing_cycle"] = billing_cycle
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_plan_in_metadata import CreatePlanInMetadata  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        price = d.pop("price", UNSET)

        currency = d.pop("currency", UNSET)

        _billing_cycle = d.pop("billing_cycle", UNSET)
        billing_cycle: CreatePlanInBillingCycle | Unset
        if isinstance(_billing_cycle, Unset):
            billing_cycle = UNSET
        else:
            billing_cycle = check_create_plan_in_billing_cycle(_billing_cycle)

        _metadata = d.pop("metadata", UNSET)
        metadata: CreatePlanInMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = CreatePlanInMetadata.from_dict(_metadata)

        create_plan_in = cls(
            name=name,
            price=price,
            currency=currency,
            billing_cycle=billing_cycle,
            metadata=metadata,
        )

        return create_plan_in
