from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invitation_out_object import InvitationOutObject, check_invitation_out_object
from ..models.invitation_out_role import InvitationOutRole, check_invitation_out_role
from ..models.invitation_out_status import InvitationOutStatus, check_invitation_out_status

T = TypeVar("T", bound="InvitationOut")


@_attrs_define
class InvitationOut:
    """An invitation to the tenant (never its token, which only the email carries).

    Attributes:
        object_ (InvitationOutObject):
        id (UUID): The invitation's id.
        tenant_id (UUID): The tenant it belongs to.
        email (str): The invited address.
        role (InvitationOutRole): A role in a tenant, from most to least powerful: owner, admin, member, viewer.
        status (InvitationOutStatus): pending until accepted, declined or revoked; a pending invitation past
            `expires_at` is expired.
        invited_by (None | UUID): The user who invited (or whose API key did); null if gone.
        expires_at (datetime.datetime): Until when it can be accepted.
        sent_at (datetime.datetime | None): When the email with the current token was handed to the mail system; null:
            it could not be (the invitation stands; resend it to try again).
        accepted_by (None | UUID): The user who accepted.
        accepted_at (datetime.datetime | None):
        declined_at (datetime.datetime | None):
        revoked_at (datetime.datetime | None):
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: InvitationOutObject
    id: UUID
    tenant_id: UUID
    email: str
    role: InvitationOutRole
    status: InvitationOutStatus
    invited_by: None | UUID
    expires_at: datetime.datetime
    sent_at: datetime.datetime | None
    accepted_by: None | UUID
    accepted_at: datetime.datetime | None
    declined_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        email = self.email

        role: str = self.role

        status: str = self.status

        invited_by: None | str
        if isinstance(self.invited_by, UUID):
            invited_by = str(self.invited_by)
        else:
            invited_by = self.invited_by

        expires_at = self.expires_at.isoformat()

        sent_at: None | str
        if isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        accepted_by: None | str
        if isinstance(self.accepted_by, UUID):
            accepted_by = str(self.accepted_by)
        else:
            accepted_by = self.accepted_by

        accepted_at: None | str
        if isinstance(self.accepted_at, datetime.datetime):
            accepted_at = self.accepted_at.isoformat()
        else:
            accepted_at = self.accepted_at

        declined_at: None | str
        if isinstance(self.declined_at, datetime.datetime):
            declined_at = self.declined_at.isoformat()
        else:
            declined_at = self.declined_at

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "email": email,
                "role": role,
                "status": status,
                "invited_by": invited_by,
                "expires_at": expires_at,
                "sent_at": sent_at,
                "accepted_by": accepted_by,
                "accepted_at": accepted_at,
                "declined_at": declined_at,
                "revoked_at": revoked_at,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_invitation_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        email = d.pop("email")

        role = check_invitation_out_role(d.pop("role"))

        status = check_invitation_out_status(d.pop("status"))

        def _parse_invited_by(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                invited_by_type_0 = UUID(data)

                return invited_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        invited_by = _parse_invited_by(d.pop("invited_by"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_sent_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        sent_at = _parse_sent_at(d.pop("sent_at"))

        def _parse_accepted_by(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                accepted_by_type_0 = UUID(data)

                return accepted_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        accepted_by = _parse_accepted_by(d.pop("accepted_by"))

        def _parse_accepted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                accepted_at_type_0 = datetime.datetime.fromisoformat(data)

                return accepted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        accepted_at = _parse_accepted_at(d.pop("accepted_at"))

        def _parse_declined_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                declined_at_type_0 = datetime.datetime.fromisoformat(data)

                return declined_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        declined_at = _parse_declined_at(d.pop("declined_at"))

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        invitation_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            email=email,
            role=role,
            status=status,
            invited_by=invited_by,
            expires_at=expires_at,
            sent_at=sent_at,
            accepted_by=accepted_by,
            accepted_at=accepted_at,
            declined_at=declined_at,
            revoked_at=revoked_at,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        invitation_out.additional_properties = d
        return invitation_out

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
