from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lead_erasure_out_object import LeadErasureOutObject, check_lead_erasure_out_object

T = TypeVar("T", bound="LeadErasureOut")


@_attrs_define
class LeadErasureOut:
    """What a data subject's erasure removed.

    Attributes:
        object_ (LeadErasureOutObject):
        lead_id (UUID): The lead, now deleted.
        erased_at (datetime.datetime): When (RFC 3339, UTC).
        calls (int): Calls of the lead, to its number or from it: their content deleted and the person unlinked (the
            number called shows `erased`); cost, duration and usage stay.
        messages (int): The provider's messages about them, deleted.
        audit_entries (int): Audit entries whose details were emptied (the act stays).
        exports (int): The tenant's finished exports, which held the person.
    """

    object_: LeadErasureOutObject
    lead_id: UUID
    erased_at: datetime.datetime
    calls: int
    messages: int
    audit_entries: int
    exports: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        lead_id = str(self.lead_id)

        erased_at = self.erased_at.isoformat()

        calls = self.calls

        messages = self.messages

        audit_entries = self.audit_entries

        exports = self.exports

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "lead_id": lead_id,
                "erased_at": erased_at,
                "calls": calls,
                "messages": messages,
                "audit_entries": audit_entries,
                "exports": exports,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_lead_erasure_out_object(d.pop("object"))

        lead_id = UUID(d.pop("lead_id"))

        erased_at = datetime.datetime.fromisoformat(d.pop("erased_at"))

        calls = d.pop("calls")

        messages = d.pop("messages")

        audit_entries = d.pop("audit_entries")

        exports = d.pop("exports")

        lead_erasure_out = cls(
            object_=object_,
            lead_id=lead_id,
            erased_at=erased_at,
            calls=calls,
            messages=messages,
            audit_entries=audit_entries,
            exports=exports,
        )

        lead_erasure_out.additional_properties = d
        return lead_erasure_out

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
