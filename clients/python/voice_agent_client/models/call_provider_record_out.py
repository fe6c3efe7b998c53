from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_provider_record_out_object import CallProviderRecordOutObject, check_call_provider_record_out_object

if TYPE_CHECKING:
    from ..models.call_provider_record_out_record_type_0 import CallProviderRecordOutRecordType0


T = TypeVar("T", bound="CallProviderRecordOut")


@_attrs_define
class CallProviderRecordOut:
    """The provider's (Vapi's) own record of the call, as it last sent it, in its own
    format (camelCase, as Vapi documents its Call object). For owners and admins: it holds
    the prompts, numbers and recording URLs as the provider knows them.

    Attributes:
        object_ (CallProviderRecordOutObject):
        call_id (UUID): The call's id.
        record (CallProviderRecordOutRecordType0 | None): Vapi's Call object; null while the provider has told nothing
            of the call (one it refused, or one not placed yet).
    """

    object_: CallProviderRecordOutObject
    call_id: UUID
    record: CallProviderRecordOutRecordType0 | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_provider_record_out_record_type_0 import CallProviderRecordOutRecordType0  # noqa: PLC0415

        object_: str = self.object_

        call_id = str(self.call_id)

        record: dict[str, Any] | None
        if isinstance(self.record, CallProviderRecordOutRecordType0):
            record = self.record.to_dict()
        else:
            record = self.record

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "call_id": call_id,
                "record": record,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_provider_record_out_record_type_0 import CallProviderRecordOutRecordType0  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_call_provider_record_out_object(d.pop("object"))

        call_id = UUID(d.pop("call_id"))

        def _parse_record(data: object) -> CallProviderRecordOutRecordType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                record_type_0 = CallProviderRecordOutRecordType0.from_dict(data)

                return record_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallProviderRecordOutRecordType0 | None, data)

        record = _parse_record(d.pop("record"))

        call_provider_record_out = cls(
            object_=object_,
            call_id=call_id,
            record=record,
        )

        call_provider_record_out.additional_properties = d
        return call_provider_record_out

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
