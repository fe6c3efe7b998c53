from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.password_reset_accepted_out_object import (
    PasswordResetAcceptedOutObject,
    check_password_reset_accepted_out_object,
)
from ..models.password_reset_accepted_out_status import (
    PasswordResetAcceptedOutStatus,
    check_password_reset_accepted_out_status,
)

T = TypeVar("T", bound="PasswordResetAcceptedOut")


@_attrs_define
class PasswordResetAcceptedOut:
    """The same answer for every address: whether it has an account is never said.

    Attributes:
        object_ (PasswordResetAcceptedOutObject):
        status (PasswordResetAcceptedOutStatus):
        detail (str): What happens next.
    """

    object_: PasswordResetAcceptedOutObject
    status: PasswordResetAcceptedOutStatus
    detail: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        status: str = self.status

        detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "status": status,
                "detail": detail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_password_reset_accepted_out_object(d.pop("object"))

        status = check_password_reset_accepted_out_status(d.pop("status"))

        detail = d.pop("detail")

        password_reset_accepted_out = cls(
            object_=object_,
            status=status,
            detail=detail,
        )

        password_reset_accepted_out.additional_properties = d
        return password_reset_accepted_out

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
