from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BackoffIn")


@_attrs_define
class BackoffIn:
    """The waits before trying a lead again after one outcome: `delay_seconds` after the
    first try, then `factor` times longer after each further one, never longer than
    `max_delay_seconds`.

    Attributes:
        delay_seconds (int): Seconds to wait after the first try ended this way (at most 7 days).
        factor (float | Unset): How much longer each further wait is than the one before, 1 to 10 (1: the same delay
            every time). Default: 1.0.
        max_delay_seconds (int | None | Unset):
    """

    delay_seconds: int
    factor: float | Unset = 1.0
    max_delay_seconds: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        delay_seconds = self.delay_seconds

        factor = self.factor

        max_delay_seconds: int | None | Unset
        if isinstance(self.max_delay_seconds, Unset):
            max_delay_seconds = UNSET
        else:
            max_delay_seconds = self.max_delay_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "delay_seconds": delay_seconds,
            }
        )
        if factor is not UNSET:
            field_dict["factor"] = factor
        if max_delay_seconds is not UNSET:
            field_dict["max_delay_seconds"] = max_delay_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delay_seconds = d.pop("delay_seconds")

        factor = d.pop("factor", UNSET)

        def _parse_max_delay_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_delay_seconds = _parse_max_delay_seconds(d.pop("max_delay_seconds", UNSET))

        backoff_in = cls(
            delay_seconds=delay_seconds,
            factor=factor,
            max_delay_seconds=max_delay_seconds,
        )

        return backoff_in
