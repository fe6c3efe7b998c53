from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_created_out import BatchCreatedOut
from ...models.create_batch_in import CreateBatchIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: CreateBatchIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant_id}/batches".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchCreatedOut | Problem | None:
    if response.status_code == 201:
        response_201 = BatchCreatedOut.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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
) -> Response[BatchCreatedOut | Problem]:
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
    body: CreateBatchIn,
    x_request_id: str | Unset = UNSET,
) -> Response[BatchCreatedOut | Problem]:
    """Create a batch in draft from lead ids or a lead filter; 201 with the batch, its preflight and its
    path in `Location` (members)

     Create a batch in draft (members and up) from lead ids or a lead filter, each lead once,
    and answer it with its preflight. Refused (403) when the plan lacks `batch_calls` or the
    selection holds more leads than `batch.size.max`; 422 when a lead id, the agent or the
    number is not the tenant's (or not in service), when the selection names no lead, or for a
    window, zone or retry policy the rules refuse. Nothing is written when it is refused.
    Leads are dialled once it is started.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (CreateBatchIn): A new batch: an agent, the leads it calls, when and how often.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchCreatedOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        body=body,
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
    body: CreateBatchIn,
    x_request_id: str | Unset = UNSET,
) -> BatchCreatedOut | Problem | None:
    """Create a batch in draft from lead ids or a lead filter; 201 with the batch, its preflight and its
    path in `Location` (members)

     Create a batch in draft (members and up) from lead ids or a lead filter, each lead once,
    and answer it with its preflight. Refused (403) when the plan lacks `batch_calls` or the
    selection holds more leads than `batch.size.max`; 422 when a lead id, the agent or the
    number is not the tenant's (or not in service), when the selection names no lead, or for a
    window, zone or retry policy the rules refuse. Nothing is written when it is refused.
    Leads are dialled once it is started.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (CreateBatchIn): A new batch: an agent, the leads it calls, when and how often.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchCreatedOut | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: CreateBatchIn,
    x_request_id: str | Unset = UNSET,
) -> Response[BatchCreatedOut | Problem]:
    """Create a batch in draft from lead ids or a lead filter; 201 with the batch, its preflight and its
    path in `Location` (members)

     Create a batch in draft (members and up) from lead ids or a lead filter, each lead once,
    and answer it with its preflight. Refused (403) when the plan lacks `batch_calls` or the
    selection holds more leads than `batch.size.max`; 422 when a lead id, the agent or the
    number is not the tenant's (or not in service), when the selection names no lead, or for a
    window, zone or retry policy the rules refuse. Nothing is written when it is refused.
    Leads are dialled once it is started.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (CreateBatchIn): A new batch: an agent, the leads it calls, when and how often.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchCreatedOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        body=body,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: CreateBatchIn,
    x_request_id: str | Unset = UNSET,
) -> BatchCreatedOut | Problem | None:
    """Create a batch in draft from lead ids or a lead filter; 201 with the batch, its preflight and its
    path in `Location` (members)

     Create a batch in draft (members and up) from lead ids or a lead filter, each lead once,
    and answer it with its preflight. Refused (403) when the plan lacks `batch_calls` or the
    selection holds more leads than `batch.size.max`; 422 when a lead id, the agent or the
    number is not the tenant's (or not in service), when the selection names no lead, or for a
    window, zone or retry policy the rules refuse. Nothing is written when it is refused.
    Leads are dialled once it is started.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (CreateBatchIn): A new batch: an agent, the leads it calls, when and how often.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchCreatedOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
