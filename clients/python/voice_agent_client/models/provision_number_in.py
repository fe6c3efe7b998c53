from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.number_source import NumberSource, check_number_source
from ..types import UNSET, Unset

T = TypeVar("T", bound="ProvisionNumberIn")


@_attrs_define
class ProvisionNumberIn:
    """A number to provision at the telephony provider: bought (`vapi`, by area code), or the
    tenant's own imported with the proof the provider checks (`twilio`: the Twilio account's
    credentials; `vonage`, `telnyx`, `byo-phone-number`: a Vapi credential of that account),
    or an existing provider number attached by a platform admin (`attach`).

    Attributes:
        source (NumberSource): Where a provisioned number comes from.
        area_code (None | str | Unset):
        number (None | str | Unset):
        country (None | str | Unset):
        twilio_account_sid (None | str | Unset):
        twilio_auth_token (None | str | Unset):
        twilio_api_key (None | str | Unset):
        twilio_api_secret (None | str | Unset):
        credential_id (None | str | Unset):
        provider_number_id (None | str | Unset):
        label (None | str | Unset):
        inbound_agent_id (None | Unset | UUID):
    """

    source: NumberSource
    area_code: None | str | Unset = UNSET
    number: None | str | Unset = UNSET
    country: None | str | Unset = UNSET
    twilio_account_sid: None | str | Unset = UNSET
    twilio_auth_token: None | str | Unset = UNSET
    twilio_api_key: None | str | Unset = UNSET
    twilio_api_secret: None | str | Unset = UNSET
    credential_id: None | str | Unset = UNSET
    provider_number_id: None | str | Unset = UNSET
    label: None | str | Unset = UNSET
    inbound_agent_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        source: str = self.source

        area_code: None | str | Unset
        if isinstance(self.area_code, Unset):
            area_code = UNSET
        else:
            area_code = self.area_code

        number: None | str | Unset
        if isinstance(self.number, Unset):
            number = UNSET
        else:
            number = self.number

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        twilio_account_sid: None | str | Unset
        if isinstance(self.twilio_account_sid, Unset):
            twilio_account_sid = UNSET
        else:
            twilio_account_sid = self.twilio_account_sid

        twilio_auth_token: None | str | Unset
        if isinstance(self.twilio_auth_token, Unset):
            twilio_auth_token = UNSET
        else:
            twilio_auth_token = self.twilio_auth_token

        twilio_api_key: None | str | Unset
        if isinstance(self.twilio_api_key, Unset):
            twilio_api_key = UNSET
        else:
            twilio_api_key = self.twilio_api_key

        twilio_api_secret: None | str | Unset
        if isinstance(self.twilio_api_secret, Unset):
            twilio_api_secret = UNSET
        else:
            twilio_api_secret = self.twilio_api_secret

        credential_id: None | str | Unset
        if isinstance(self.credential_id, Unset):
            credential_id = UNSET
        else:
            credential_id = self.credential_id

        provider_number_id: None | str | Unset
        if isinstance(self.provider_number_id, Unset):
            provider_number_id = UNSET
        else:
            provider_number_id = self.provider_number_id

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        inbound_agent_id: None | str | Unset
        if isinstance(self.inbound_agent_id, Unset):
            inbound_agent_id = UNSET
        elif isinstance(self.inbound_agent_id, UUID):
            inbound_agent_id = str(self.inbound_agent_id)
        else:
            inbound_agent_id = self.inbound_agent_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "source": source,
            }
        )
        if area_code is not UNSET:
            field_dict["area_code"] = area_code
        if number is not UNSET:
            field_dict["number"] = number
        if country is not UNSET:
            field_dict["country"] = country
        if twilio_account_sid is not UNSET:
            field_dict["twilio_account_sid"] = twilio_account_sid
        if twilio_auth_token is not UNSET:
            field_dict["twilio_auth_token"] = twilio_auth_token
        if twilio_api_key is not UNSET:
            field_dict["twilio_api_key"] = twilio_api_key
        if twilio_api_secret is not UNSET:
            field_dict["twilio_api_secret"] = twilio_api_secret
        if credential_id is not UNSET:
            field_dict["credential_id"] = credential_id
        if provider_number_id is not UNSET:
            field_dict["provider_number_id"] = provider_number_id
        if label is not UNSET:
            field_dict["label"] = label
        if inbound_agent_id is not UNSET:
            field_dict["inbound_agent_id"] = inbound_agent_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        source = check_number_source(d.pop("source"))

        def _parse_area_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        area_code = _parse_area_code(d.pop("area_code", UNSET))

        def _parse_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        number = _parse_number(d.pop("number", UNSET))

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        def _parse_twilio_account_sid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        twilio_account_sid = _parse_twilio_account_sid(d.pop("twilio_account_sid", UNSET))

        def _parse_twilio_auth_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        twilio_auth_token = _parse_twilio_auth_token(d.pop("twilio_auth_token", UNSET))

        def _parse_twilio_api_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        twilio_api_key = _parse_twilio_api_key(d.pop("twilio_api_key", UNSET))

        def _parse_twilio_api_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        twilio_api_secret = _parse_twilio_api_secret(d.pop("twilio_api_secret", UNSET))

        def _parse_credential_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        credential_id = _parse_credential_id(d.pop("credential_id", UNSET))

        def _parse_provider_number_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        provider_number_id = _parse_provider_number_id(d.pop("provider_number_id", UNSET))

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        def _parse_inbound_agent_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                inbound_agent_id_type_0 = UUID(data)

                return inbound_agent_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        inbound_agent_id = _parse_inbound_agent_id(d.pop("inbound_agent_id", UNSET))

        provision_number_in = cls(
            source=source,
            area_code=area_code,
            number=number,
            country=country,
            twilio_account_sid=twilio_account_sid,
            twilio_auth_token=twilio_auth_token,
            twilio_api_key=twilio_api_key,
            twilio_api_secret=twilio_api_secret,
            credential_id=credential_id,
            provider_number_id=provider_number_id,
            label=label,
            inbound_agent_id=inbound_agent_id,
        )

        return provision_number_in
