from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_cost_out_currency import CallCostOutCurrency, check_call_cost_out_currency
from ..models.call_cost_out_object import CallCostOutObject, check_call_cost_out_object

if TYPE_CHECKING:
    from ..models.call_cost_out_cost_breakdown_type_0 import CallCostOutCostBreakdownType0


T = TypeVar("T", bound="CallCostOut")


@_attrs_define
class CallCostOut:
    """What the provider charged for the call, how it breaks down, and what the call's AI
    usage rows add up to.

    Attributes:
        object_ (CallCostOutObject):
        call_id (UUID): The call's id.
        currency (CallCostOutCurrency): Every amount's currency.
        cost (None | str): What the provider charged for the call, US dollars (a decimal string, six places or more);
            null until its report.
        cost_breakdown (CallCostOutCostBreakdownType0 | None): How the cost breaks down, as the provider reports it, in
            snake_case: amounts (`transport`, `stt`, `llm`, `tts`, `vapi`, `total`, ...) are US dollars as decimal strings
            with six places or more; counts (`*_tokens`, `*_characters`) are numbers; `analysis_cost_breakdown` breaks down
            the analysis the same way. null until the report.
        call_duration (int | None): Seconds from answer to hang-up; null until known.
        usage_cost (str): The sum of the call's AI usage rows, US dollars (a decimal string, six places or more).
    """

    object_: CallCostOutObject
    call_id: UUID
    currency: CallCostOutCurrency
    cost: None | str
    cost_breakdown: CallCostOutCostBreakdownType0 | None
    call_duration: int | None
    usage_cost: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_cost_out_cost_breakdown_type_0 import CallCostOutCostBreakdownType0  # noqa: PLC0415

        object_: str = self.object_

        call_id = str(self.call_id)

        currency: str = self.currency

        cost: None | str
        cost = self.cost

        cost_breakdown: dict[str, Any] | None
        if isinstance(self.cost_breakdown, CallCostOutCostBreakdownType0):
            cost_breakdown = self.cost_breakdown.to_dict()
        else:
            cost_breakdown = self.cost_breakdown

        call_duration: int | None
        call_duration = self.call_duration

        usage_cost = self.usage_cost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "call_id": call_id,
                "currency": currency,
                "cost": cost,
                "cost_breakdown": cost_breakdown,
                "call_duration": call_duration,
                "usage_cost": usage_cost,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_cost_out_cost_breakdown_type_0 import CallCostOutCostBreakdownType0  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_call_cost_out_object(d.pop("object"))

        call_id = UUID(d.pop("call_id"))

        currency = check_call_cost_out_currency(d.pop("currency"))

        def _parse_cost(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cost = _parse_cost(d.pop("cost"))

        def _parse_cost_breakdown(data: object) -> CallCostOutCostBreakdownType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                cost_breakdown_type_0 = CallCostOutCostBreakdownType0.from_dict(data)

                return cost_breakdown_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallCostOutCostBreakdownType0 | None, data)

        cost_breakdown = _parse_cost_breakdown(d.pop("cost_breakdown"))

        def _parse_call_duration(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        call_duration = _parse_call_duration(d.pop("call_duration"))

        usage_cost = d.pop("usage_cost")

        call_cost_out = cls(
            object_=object_,
            call_id=call_id,
            currency=currency,
            cost=cost,
            cost_breakdown=cost_breakdown,
            call_duration=call_duration,
            usage_cost=usage_cost,
        )

        call_cost_out.additional_properties = d
        return call_cost_out

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
