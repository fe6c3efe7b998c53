from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateWebhookSecretIn")


@_attrs_define
class RotateWebhookSecretIn:
    """How long the secret being replaced still signs beside the new one.

    Attributes:
        overlap_seconds (int | Unset): Seconds the old secret keeps signing (each delivery then carries both
            signatures); 0 stops it at once. Default: 86400.
    """

    overlap_seconds: int | Unset = 86400

    def to_dict(self) -> dict[str, Any]:
        overlap_seconds = self.overlap_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if overlap_seconds is not UNSET:
            field_dict["overlap_seconds"] = overlap_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        overlap_seconds = d.pop("overlap_seconds", UNSET)

        rotate_webhook_secret_in = cls(
            overlap_seconds=overlap_seconds,
        )

        return rotate_webhook_secret_in
