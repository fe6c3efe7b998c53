from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="ChangePlanIn")


@_attrs_define
class ChangePlanIn:
    """The plan the tenant moves to.

    Attributes:
        plan_id (UUID): An active plan.
    """

    plan_id: UUID

    def to_dict(self) -> dict[str, Any]:
        plan_id = str(self.plan_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "plan_id": plan_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        plan_id = UUID(d.pop("plan_id"))

        change_plan_in = cls(
            plan_id=plan_id,
        )

        return change_plan_in
