from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.phone_number_out import PhoneNumberOut
from ...models.problem import Problem
from ...models.provision_number_in import ProvisionNumberIn
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: ProvisionNumberIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant_id}/phone-numbers".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PhoneNumberOut | Problem | None:
    if response.status_code == 201:
        response_201 = PhoneNumberOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PhoneNumberOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: ProvisionNumberIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[PhoneNumberOut | Problem]:
    """Provision a number at the provider: buy one, or import the tenant's own (admins)

     Provision a number at the telephony provider for the tenant (owners and admins; `attach`
    platform admins only). Its E.164 and provider id come from the provider's answer, never
    from the request: `vapi` buys a number (`area_code`), `twilio` imports the tenant's Twilio
    number with the account's credentials (used for the import, never stored), `vonage`,
    `telnyx` and `byo-phone-number` import with a Vapi credential of that account (the first
    tenant to use a credential keeps it). The number's messages come to this API's webhook.
    Counts against `phone_numbers.max` from the start. The answer is 201 with the number
    `active`, or `provisioning` when the provider has not said yet (a bought number
    activating, or no answer): it settles within minutes, never bought twice. A refusal by the
    provider is a 422 with its reason and leaves nothing behind; a number held by any tenant
    is a 409 that says nothing of the tenant holding it. Send an `Idempotency-Key` to retry
    safely.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (ProvisionNumberIn): A number to provision at the telephony provider: bought (`vapi`,
            by area code), or the
                tenant's own imported with the proof the provider checks (`twilio`: the Twilio
            account's
                credentials; `vonage`, `telnyx`, `byo-phone-number`: a Vapi credential of that
            account),
                or an existing provider number attached by a platform admin (`attach`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PhoneNumberOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: ProvisionNumberIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> PhoneNumberOut | Problem | None:
    """Provision a number at the provider: buy one, or import the tenant's own (admins)

     Provision a number at the telephony provider for the tenant (owners and admins; `attach`
    platform admins only). Its E.164 and provider id come from the provider's answer, never
    from the request: `vapi` buys a number (`area_code`), `twilio` imports the tenant's Twilio
    number with the account's credentials (used for the import, never stored), `vonage`,
    `telnyx` and `byo-phone-number` import with a Vapi credential of that account (the first
    tenant to use a credential keeps it). The number's messages come to this API's webhook.
    Counts against `phone_numbers.max` from the start. The answer is 201 with the number
    `active`, or `provisioning` when the provider has not said yet (a bought number
    activating, or no answer): it settles within minutes, never bought twice. A refusal by the
    provider is a 422 with its reason and leaves nothing behind; a number held by any tenant
    is a 409 that says nothing of the tenant holding it. Send an `Idempotency-Key` to retry
    safely.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (ProvisionNumberIn): A number to provision at the telephony provider: bought (`vapi`,
            by area code), or the
                tenant's own imported with the proof the provider checks (`twilio`: the Twilio
            account's
                credentials; `vonage`, `telnyx`, `byo-phone-number`: a Vapi credential of that
            account),
                or an existing provider number attached by a platform admin (`attach`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PhoneNumberOut | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: ProvisionNumberIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[PhoneNumberOut | Problem]:
    """Provision a number at the provider: buy one, or import the tenant's own (admins)

     Provision a number at the telephony provider for the tenant (owners and admins; `attach`
    platform admins only). Its E.164 and provider id come from the provider's answer, never
    from the request: `vapi` buys a number (`area_code`), `twilio` imports the tenant's Twilio
    number with the account's credentials (used for the import, never stored), `vonage`,
    `telnyx` and `byo-phone-number` import with a Vapi credential of that account (the first
    tenant to use a credential keeps it). The number's messages come to this API's webhook.
    Counts against `phone_numbers.max` from the start. The answer is 201 with the number
    `active`, or `provisioning` when the provider has not said yet (a bought number
    activating, or no answer): it settles within minutes, never bought twice. A refusal by the
    provider is a 422 with its reason and leaves nothing behind; a number held by any tenant
    is a 409 that says nothing of the tenant holding it. Send an `Idempotency-Key` to retry
    safely.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (ProvisionNumberIn): A number to provision at the telephony provider: bought (`vapi`,
            by area code), or the
                tenant's own imported with the proof the provider checks (`twilio`: the Twilio
            account's
                credentials; `vonage`, `telnyx`, `byo-phone-number`: a Vapi credential of that
            account),
                or an existing provider number attached by a platform admin (`attach`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PhoneNumberOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: ProvisionNumberIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> PhoneNumberOut | Problem | None:
    """Provision a number at the provider: buy one, or import the tenant's own (admins)

     Provision a number at the telephony provider for the tenant (owners and admins; `attach`
    platform admins only). Its E.164 and provider id come from the provider's answer, never
    from the request: `vapi` buys a number (`area_code`), `twilio` imports the tenant's Twilio
    number with the account's credentials (used for the import, never stored), `vonage`,
    `telnyx` and `byo-phone-number` import with a Vapi credential of that account (the first
    tenant to use a credential keeps it). The number's messages come to this API's webhook.
    Counts against `phone_numbers.max` from the start. The answer is 201 with the number
    `active`, or `provisioning` when the provider has not said yet (a bought number
    activating, or no answer): it settles within minutes, never bought twice. A refusal by the
    provider is a 422 with its reason and leaves nothing behind; a number held by any tenant
    is a 409 that says nothing of the tenant holding it. Send an `Idempotency-Key` to retry
    safely.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (ProvisionNumberIn): A number to provision at the telephony provider: bought (`vapi`,
            by area code), or the
                tenant's own imported with the proof the provider checks (`twilio`: the Twilio
            account's
                credentials; `vonage`, `telnyx`, `byo-phone-number`: a Vapi credential of that
            account),
                or an existing provider number attached by a platform admin (`attach`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PhoneNumberOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
        )
    ).parsed
