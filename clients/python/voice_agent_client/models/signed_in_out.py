from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.signed_in_out_object import SignedInOutObject, check_signed_in_out_object

if TYPE_CHECKING:
    from ..models.user_out import UserOut


T = TypeVar("T", bound="SignedInOut")


@_attrs_define
class SignedInOut:
    """A personal token for the user, shown this once: send it as `Authorization: Bearer`.

    Attributes:
        object_ (SignedInOutObject):
        token (str): The bearer token (`vau_…`); only its hash is stored.
        token_id (UUID): The token's id, to list or revoke it.
        expires_at (datetime.datetime): When the token stops working (RFC 3339, UTC).
        user (UserOut): A user: a person who signs in with personal tokens and belongs to tenants.
    """

    object_: SignedInOutObject
    token: str
    token_id: UUID
    expires_at: datetime.datetime
    user: UserOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        token = self.token

        token_id = str(self.token_id)

        expires_at = self.expires_at.isoformat()

        user = self.user.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "token": token,
                "token_id": token_id,
                "expires_at": expires_at,
                "user": user,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_out import UserOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_signed_in_out_object(d.pop("object"))

        token = d.pop("token")

        token_id = UUID(d.pop("token_id"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        user = UserOut.from_dict(d.pop("user"))

        signed_in_out = cls(
            object_=object_,
            token=token,
            token_id=token_id,
            expires_at=expires_at,
            user=user,
        )

        signed_in_out.additional_properties = d
        return signed_in_out

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
