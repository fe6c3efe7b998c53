from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_numbers_ownership import ListNumbersOwnership
from ...models.list_numbers_status import ListNumbersStatus
from ...models.phone_number_page import PhoneNumberPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    status: ListNumbersStatus | Unset = UNSET,
    ownership: ListNumbersOwnership | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status

    params["status"] = json_status

    json_ownership: str | Unset = UNSET
    if not isinstance(ownership, Unset):
        json_ownership = ownership

    params["ownership"] = json_ownership

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tenants/{tenant_id}/phone-numbers".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PhoneNumberPage | Problem | None:
    if response.status_code == 200:
        response_200 = PhoneNumberPage.from_dict(response.json())

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

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PhoneNumberPage | Problem]:
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
    status: ListNumbersStatus | Unset = UNSET,
    ownership: ListNumbersOwnership | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[PhoneNumberPage | Problem]:
    """List the tenant's phone numbers, oldest first

     The tenant's phone numbers, oldest first, a page at a time (any role); `status` filters
    by status.

    Args:
        tenant_id (UUID):
        status (ListNumbersStatus | Unset):
        ownership (ListNumbersOwnership | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PhoneNumberPage | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        status=status,
        ownership=ownership,
        limit=limit,
        cursor=cursor,
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
    status: ListNumbersStatus | Unset = UNSET,
    ownership: ListNumbersOwnership | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> PhoneNumberPage | Problem | None:
    """List the tenant's phone numbers, oldest first

     The tenant's phone numbers, oldest first, a page at a time (any role); `status` filters
    by status.

    Args:
        tenant_id (UUID):
        status (ListNumbersStatus | Unset):
        ownership (ListNumbersOwnership | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PhoneNumberPage | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        status=status,
        ownership=ownership,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    status: ListNumbersStatus | Unset = UNSET,
    ownership: ListNumbersOwnership | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[PhoneNumberPage | Problem]:
    """List the tenant's phone numbers, oldest first

     The tenant's phone numbers, oldest first, a page at a time (any role); `status` filters
    by status.

    Args:
        tenant_id (UUID):
        status (ListNumbersStatus | Unset):
        ownership (ListNumbersOwnership | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PhoneNumberPage | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        status=status,
        ownership=ownership,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    status: ListNumbersStatus | Unset = UNSET,
    ownership: ListNumbersOwnership | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> PhoneNumberPage | Problem | None:
    """List the tenant's phone numbers, oldest first

     The tenant's phone numbers, oldest first, a page at a time (any role); `status` filters
    by status.

    Args:
        tenant_id (UUID):
        status (ListNumbersStatus | Unset):
        ownership (ListNumbersOwnership | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PhoneNumberPage | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            status=status,
            ownership=ownership,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
        )
    ).parsed
