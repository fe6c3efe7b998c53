from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.call_out import CallOut
from ...models.place_call_in import PlaceCallIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: PlaceCallIn,
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
        "url": "/v1/tenants/{tenant_id}/calls".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CallOut | Problem | None:
    if response.status_code == 201:
        response_201 = CallOut.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[CallOut | Problem]:
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
    body: PlaceCallIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[CallOut | Problem]:
    """Place a call (members): queued and committed, then handed to the provider; 201 with the call and its
    path in `Location`. `Idempotency-Key` makes a retry answer 201 with the first call as it stands (the
    same key for another call is 422). A provider refusal leaves it `failed` with the reason; an unknown
    outcome leaves it `unknown` until the reconciler finds out

     Place an outbound call with an agent (members and up), to a lead or to a number. Refused
    before anything is written when the plan lacks `calls.outbound` or is at a calls limit
    (403), when every line of the provider is busy (503 with Retry-After), when the agent or
    number is not in service or the lead is do-not-call. Otherwise the call is committed as
    `queued`, then handed to the provider: a refusal leaves it `failed` with the reason, an
    unknown outcome `unknown` until the reconciler finds out. With `Idempotency-Key`, a retry
    returns the first call instead of placing another.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (PlaceCallIn): The call to place: an agent, and a lead or a number to call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallOut | Problem]
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
    body: PlaceCallIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> CallOut | Problem | None:
    """Place a call (members): queued and committed, then handed to the provider; 201 with the call and its
    path in `Location`. `Idempotency-Key` makes a retry answer 201 with the first call as it stands (the
    same key for another call is 422). A provider refusal leaves it `failed` with the reason; an unknown
    outcome leaves it `unknown` until the reconciler finds out

     Place an outbound call with an agent (members and up), to a lead or to a number. Refused
    before anything is written when the plan lacks `calls.outbound` or is at a calls limit
    (403), when every line of the provider is busy (503 with Retry-After), when the agent or
    number is not in service or the lead is do-not-call. Otherwise the call is committed as
    `queued`, then handed to the provider: a refusal leaves it `failed` with the reason, an
    unknown outcome `unknown` until the reconciler finds out. With `Idempotency-Key`, a retry
    returns the first call instead of placing another.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (PlaceCallIn): The call to place: an agent, and a lead or a number to call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallOut | Problem
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
    body: PlaceCallIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[CallOut | Problem]:
    """Place a call (members): queued and committed, then handed to the provider; 201 with the call and its
    path in `Location`. `Idempotency-Key` makes a retry answer 201 with the first call as it stands (the
    same key for another call is 422). A provider refusal leaves it `failed` with the reason; an unknown
    outcome leaves it `unknown` until the reconciler finds out

     Place an outbound call with an agent (members and up), to a lead or to a number. Refused
    before anything is written when the plan lacks `calls.outbound` or is at a calls limit
    (403), when every line of the provider is busy (503 with Retry-After), when the agent or
    number is not in service or the lead is do-not-call. Otherwise the call is committed as
    `queued`, then handed to the provider: a refusal leaves it `failed` with the reason, an
    unknown outcome `unknown` until the reconciler finds out. With `Idempotency-Key`, a retry
    returns the first call instead of placing another.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (PlaceCallIn): The call to place: an agent, and a lead or a number to call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallOut | Problem]
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
    body: PlaceCallIn,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> CallOut | Problem | None:
    """Place a call (members): queued and committed, then handed to the provider; 201 with the call and its
    path in `Location`. `Idempotency-Key` makes a retry answer 201 with the first call as it stands (the
    same key for another call is 422). A provider refusal leaves it `failed` with the reason; an unknown
    outcome leaves it `unknown` until the reconciler finds out

     Place an outbound call with an agent (members and up), to a lead or to a number. Refused
    before anything is written when the plan lacks `calls.outbound` or is at a calls limit
    (403), when every line of the provider is busy (503 with Retry-After), when the agent or
    number is not in service or the lead is do-not-call. Otherwise the call is committed as
    `queued`, then handed to the provider: a refusal leaves it `failed` with the reason, an
    unknown outcome `unknown` until the reconciler finds out. With `Idempotency-Key`, a retry
    returns the first call instead of placing another.

    Args:
        tenant_id (UUID):
        idempotency_key (str | Unset):
        x_request_id (str | Unset):
        body (PlaceCallIn): The call to place: an agent, and a lead or a number to call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallOut | Problem
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
