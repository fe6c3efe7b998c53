import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.call_page import CallPage
from ...models.list_calls_direction import ListCallsDirection
from ...models.list_calls_status import ListCallsStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    agent_id: UUID | Unset = UNSET,
    lead_id: UUID | Unset = UNSET,
    status: ListCallsStatus | Unset = UNSET,
    batch_id: UUID | Unset = UNSET,
    direction: ListCallsDirection | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    number: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    json_agent_id: str | Unset = UNSET
    if not isinstance(agent_id, Unset):
        json_agent_id = str(agent_id)
    params["agent_id"] = json_agent_id

    json_lead_id: str | Unset = UNSET
    if not isinstance(lead_id, Unset):
        json_lead_id = str(lead_id)
    params["lead_id"] = json_lead_id

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status

    params["status"] = json_status

    json_batch_id: str | Unset = UNSET
    if not isinstance(batch_id, Unset):
        json_batch_id = str(batch_id)
    params["batch_id"] = json_batch_id

    json_direction: str | Unset = UNSET
    if not isinstance(direction, Unset):
        json_direction = direction

    params["direction"] = json_direction

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["number"] = number

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tenants/{tenant_id}/calls".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CallPage | Problem | None:
    if response.status_code == 200:
        response_200 = CallPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[CallPage | Problem]:
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
    agent_id: UUID | Unset = UNSET,
    lead_id: UUID | Unset = UNSET,
    status: ListCallsStatus | Unset = UNSET,
    batch_id: UUID | Unset = UNSET,
    direction: ListCallsDirection | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    number: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[CallPage | Problem]:
    """List calls, newest first, with filters (each without its transcript, recording, analysis and cost
    breakdown)

     The tenant's calls, newest first, a page at a time (any role), filtered by agent, lead,
    status, batch, direction, number (called or calling) and creation time; each without its
    transcript, recording, analysis and cost breakdown (read the call for those).

    Args:
        tenant_id (UUID):
        agent_id (UUID | Unset):
        lead_id (UUID | Unset):
        status (ListCallsStatus | Unset):
        batch_id (UUID | Unset):
        direction (ListCallsDirection | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        number (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallPage | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        agent_id=agent_id,
        lead_id=lead_id,
        status=status,
        batch_id=batch_id,
        direction=direction,
        from_=from_,
        to=to,
        number=number,
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
    agent_id: UUID | Unset = UNSET,
    lead_id: UUID | Unset = UNSET,
    status: ListCallsStatus | Unset = UNSET,
    batch_id: UUID | Unset = UNSET,
    direction: ListCallsDirection | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    number: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> CallPage | Problem | None:
    """List calls, newest first, with filters (each without its transcript, recording, analysis and cost
    breakdown)

     The tenant's calls, newest first, a page at a time (any role), filtered by agent, lead,
    status, batch, direction, number (called or calling) and creation time; each without its
    transcript, recording, analysis and cost breakdown (read the call for those).

    Args:
        tenant_id (UUID):
        agent_id (UUID | Unset):
        lead_id (UUID | Unset):
        status (ListCallsStatus | Unset):
        batch_id (UUID | Unset):
        direction (ListCallsDirection | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        number (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallPage | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        agent_id=agent_id,
        lead_id=lead_id,
        status=status,
        batch_id=batch_id,
        direction=direction,
        from_=from_,
        to=to,
        number=number,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    agent_id: UUID | Unset = UNSET,
    lead_id: UUID | Unset = UNSET,
    status: ListCallsStatus | Unset = UNSET,
    batch_id: UUID | Unset = UNSET,
    direction: ListCallsDirection | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    number: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[CallPage | Problem]:
    """List calls, newest first, with filters (each without its transcript, recording, analysis and cost
    breakdown)

     The tenant's calls, newest first, a page at a time (any role), filtered by agent, lead,
    status, batch, direction, number (called or calling) and creation time; each without its
    transcript, recording, analysis and cost breakdown (read the call for those).

    Args:
        tenant_id (UUID):
        agent_id (UUID | Unset):
        lead_id (UUID | Unset):
        status (ListCallsStatus | Unset):
        batch_id (UUID | Unset):
        direction (ListCallsDirection | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        number (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallPage | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        agent_id=agent_id,
        lead_id=lead_id,
        status=status,
        batch_id=batch_id,
        direction=direction,
        from_=from_,
        to=to,
        number=number,
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
    agent_id: UUID | Unset = UNSET,
    lead_id: UUID | Unset = UNSET,
    status: ListCallsStatus | Unset = UNSET,
    batch_id: UUID | Unset = UNSET,
    direction: ListCallsDirection | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    number: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> CallPage | Problem | None:
    """List calls, newest first, with filters (each without its transcript, recording, analysis and cost
    breakdown)

     The tenant's calls, newest first, a page at a time (any role), filtered by agent, lead,
    status, batch, direction, number (called or calling) and creation time; each without its
    transcript, recording, analysis and cost breakdown (read the call for those).

    Args:
        tenant_id (UUID):
        agent_id (UUID | Unset):
        lead_id (UUID | Unset):
        status (ListCallsStatus | Unset):
        batch_id (UUID | Unset):
        direction (ListCallsDirection | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        number (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallPage | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            agent_id=agent_id,
            lead_id=lead_id,
            status=status,
            batch_id=batch_id,
            direction=direction,
            from_=from_,
            to=to,
            number=number,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
        )
    ).parsed
