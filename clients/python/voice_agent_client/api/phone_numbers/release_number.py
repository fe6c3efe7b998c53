from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.phone_number_out import PhoneNumberOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    number_id: UUID,
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/tenants/{tenant_id}/phone-numbers/{number_id}".format(
            tenant_id=quote(str(tenant_id), safe=""),
            number_id=quote(str(number_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PhoneNumberOut | Problem | None:
    if response.status_code == 200:
        response_200 = PhoneNumberOut.from_dict(response.json())

        return response_200

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
    number_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[PhoneNumberOut | Problem]:
    """Release a number, at the provider too: it answers no calls and frees its place (admins)

     Release a number (owners and admins): it answers no more calls, frees its place in
    `phone_numbers.max`, and may be provisioned again. A number provisioned here is released
    at the provider first; if the provider cannot be told, nothing changes and the 502 says
    why. Attached and typed-in numbers stay with the platform's provider account.

    Args:
        tenant_id (UUID):
        number_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PhoneNumberOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        number_id=number_id,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: UUID,
    number_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> PhoneNumberOut | Problem | None:
    """Release a number, at the provider too: it answers no calls and frees its place (admins)

     Release a number (owners and admins): it answers no more calls, frees its place in
    `phone_numbers.max`, and may be provisioned again. A number provisioned here is released
    at the provider first; if the provider cannot be told, nothing changes and the 502 says
    why. Attached and typed-in numbers stay with the platform's provider account.

    Args:
        tenant_id (UUID):
        number_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PhoneNumberOut | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        number_id=number_id,
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    number_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[PhoneNumberOut | Problem]:
    """Release a number, at the provider too: it answers no calls and frees its place (admins)

     Release a number (owners and admins): it answers no more calls, frees its place in
    `phone_numbers.max`, and may be provisioned again. A number provisioned here is released
    at the provider first; if the provider cannot be told, nothing changes and the 502 says
    why. Attached and typed-in numbers stay with the platform's provider account.

    Args:
        tenant_id (UUID):
        number_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PhoneNumberOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        number_id=number_id,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    number_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> PhoneNumberOut | Problem | None:
    """Release a number, at the provider too: it answers no calls and frees its place (admins)

     Release a number (owners and admins): it answers no more calls, frees its place in
    `phone_numbers.max`, and may be provisioned again. A number provisioned here is released
    at the provider first; if the provider cannot be told, nothing changes and the 502 says
    why. Attached and typed-in numbers stay with the platform's provider account.

    Args:
        tenant_id (UUID):
        number_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PhoneNumberOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            number_id=number_id,
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed
