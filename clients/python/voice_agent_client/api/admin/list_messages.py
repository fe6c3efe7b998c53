from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_message_page import WebhookMessagePage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    tenant_id: UUID | Unset = UNSET,
    failed: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    json_tenant_id: str | Unset = UNSET
    if not isinstance(tenant_id, Unset):
        json_tenant_id = str(tenant_id)
    params["tenant_id"] = json_tenant_id

    params["failed"] = failed

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/webhook-messages",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookMessagePage | None:
    if response.status_code == 200:
        response_200 = WebhookMessagePage.from_dict(response.json())

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
) -> Response[Problem | WebhookMessagePage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    failed: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookMessagePage]:
    """List the provider's messages kept for a tenant (platform admins)

     The provider's messages kept for a tenant (`tenant_id`; left out: those about no call
    of ours), newest received first, a page at a time, without their contents; `failed=true`:
    only those that failed to apply, which a replay may apply. Platform admins only.

    Args:
        tenant_id (UUID | Unset):
        failed (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookMessagePage]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        failed=failed,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    failed: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookMessagePage | None:
    """List the provider's messages kept for a tenant (platform admins)

     The provider's messages kept for a tenant (`tenant_id`; left out: those about no call
    of ours), newest received first, a page at a time, without their contents; `failed=true`:
    only those that failed to apply, which a replay may apply. Platform admins only.

    Args:
        tenant_id (UUID | Unset):
        failed (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookMessagePage
    """

    return sync_detailed(
        client=client,
        tenant_id=tenant_id,
        failed=failed,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    failed: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookMessagePage]:
    """List the provider's messages kept for a tenant (platform admins)

     The provider's messages kept for a tenant (`tenant_id`; left out: those about no call
    of ours), newest received first, a page at a time, without their contents; `failed=true`:
    only those that failed to apply, which a replay may apply. Platform admins only.

    Args:
        tenant_id (UUID | Unset):
        failed (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookMessagePage]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        failed=failed,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    failed: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookMessagePage | None:
    """List the provider's messages kept for a tenant (platform admins)

     The provider's messages kept for a tenant (`tenant_id`; left out: those about no call
    of ours), newest received first, a page at a time, without their contents; `failed=true`:
    only those that failed to apply, which a replay may apply. Platform admins only.

    Args:
        tenant_id (UUID | Unset):
        failed (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookMessagePage
    """

    return (
        await asyncio_detailed(
            client=client,
            tenant_id=tenant_id,
            failed=failed,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
        )
    ).parsed
