from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConfirmPasswordResetIn")


@_attrs_define
class ConfirmPasswordResetIn:
    """The token of the reset message and the new password.

    Attributes:
        token (str): The `vpr_…` token of the reset message.
        new_password (str): The new password: 10 to 256 characters once NFKC-normalised, not the account's email
            address. Any characters; no composition rules.
    """

    token: str
    new_password: str

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        new_password = self.new_password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "token": token,
                "new_password": new_password,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token = d.pop("token")

        new_password = d.pop("new_password")

        confirm_password_reset_in = cls(
            token=token,
            new_password=new_password,
        )

        return confirm_password_reset_in
