from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_entry_out_actor_type import AuditEntryOutActorType, check_audit_entry_out_actor_type
from ..models.audit_entry_out_object import AuditEntryOutObject, check_audit_entry_out_object

if TYPE_CHECKING:
    from ..models.audit_entry_out_changes import AuditEntryOutChanges


T = TypeVar("T", bound="AuditEntryOut")


@_attrs_define
class AuditEntryOut:
    """One change in a tenant's audit trail: who did what to which record, and when.

    Attributes:
        object_ (AuditEntryOutObject):
        id (UUID): The entry's id.
        tenant_id (None | UUID): The tenant it happened in.
        actor_type (AuditEntryOutActorType): What acted: a user, an API key, the system, or someone not signed in.
        actor_id (None | UUID): The user or key that acted; null: the system or anonymous.
        action (str): What was done.
        entity (str): The kind of record.
        entity_id (UUID): The record's id.
        changes (AuditEntryOutChanges): What changed: new values, or {from, to} pairs.
        at (datetime.datetime): When it happened (RFC 3339).
    """

    object_: AuditEntryOutObject
    id: UUID
    tenant_id: None | UUID
    actor_type: AuditEntryOutActorType
    actor_id: None | UUID
    action: str
    entity: str
    entity_id: UUID
    changes: AuditEntryOutChanges
    at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id: None | str
        if isinstance(self.tenant_id, UUID):
            tenant_id = str(self.tenant_id)
        else:
            tenant_id = self.tenant_id

        actor_type: str = self.actor_type

        actor_id: None | str
        if isinstance(self.actor_id, UUID):
            actor_id = str(self.actor_id)
        else:
            actor_id = self.actor_id

        action = self.action

        entity = self.entity

        entity_id = str(self.entity_id)

        changes = self.changes.to_dict()

        at = self.at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "actor_type": actor_type,
                "actor_id": actor_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "changes": changes,
                "at": at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_out_changes import AuditEntryOutChanges  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_audit_entry_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        def _parse_tenant_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tenant_id_type_0 = UUID(data)

                return tenant_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        tenant_id = _parse_tenant_id(d.pop("tenant_id"))

        actor_type = check_audit_entry_out_actor_type(d.pop("actor_type"))

        def _parse_actor_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                actor_id_type_0 = UUID(data)

                return actor_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        actor_id = _parse_actor_id(d.pop("actor_id"))

        action = d.pop("action")

        entity = d.pop("entity")

        entity_id = UUID(d.pop("entity_id"))

        changes = AuditEntryOutChanges.from_dict(d.pop("changes"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        audit_entry_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=changes,
            at=at,
        )

        audit_entry_out.additional_properties = d
        return audit_entry_out

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
