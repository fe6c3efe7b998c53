from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BackoffOut")


@_attrs_define
class BackoffOut:
    """The waits before another try after one outcome: `delay_seconds` after the first try,
    then `factor` times longer after each further one, up to `max_delay_seconds`.

    Attributes:
        delay_seconds (int): Seconds to wait after the first try ended this way (at most 7 days).
        factor (float): How much longer each further wait is than the one before, 1 to 10 (1: the same delay every
            time).
        max_delay_seconds (int): The longest wait, not below `delay_seconds` (at most 7 days, the default).
    """

    delay_seconds: int
    factor: float
    max_delay_seconds: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        delay_seconds = self.delay_seconds

        factor = self.factor

        max_delay_seconds = self.max_delay_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "delay_seconds": delay_seconds,
                "factor": factor,
                "max_delay_seconds": max_delay_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delay_seconds = d.pop("delay_seconds")

        factor = d.pop("factor")

        max_delay_seconds = d.pop("max_delay_seconds")

        backoff_out = cls(
            delay_seconds=delay_seconds,
            factor=factor,
            max_delay_seconds=max_delay_seconds,
        )

        backoff_out.additional_properties = d
        return backoff_out

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
