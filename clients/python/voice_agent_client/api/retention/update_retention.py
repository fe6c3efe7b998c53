from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.retention_out import RetentionOut
from ...models.update_retention_in import UpdateRetentionIn
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: UpdateRetentionIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/tenants/{tenant_id}/retention".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | RetentionOut | None:
    if response.status_code == 200:
        response_200 = RetentionOut.from_dict(response.json())

        return response_200

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | RetentionOut]:
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
    body: UpdateRetentionIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | RetentionOut]:
    """Choose how long the tenant keeps its calls' content (admins)

     Choose how long the tenant keeps its calls' content (owners and admins), within its
    plan: more than the plan allows is a 422 naming the setting. Shorter periods apply at the
    next purge (the worker runs it every few minutes) to calls already kept. Turning
    `store_transcripts` off applies at once to calls in progress and sends new calls in the
    provider's HIPAA mode. Audited (`tenant.retention_changed`).

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (UpdateRetentionIn): A change to the tenant's choices; fields left out stay as they
            are, null goes back to
                what the plan allows.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RetentionOut]
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
    body: UpdateRetentionIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | RetentionOut | None:
    """Choose how long the tenant keeps its calls' content (admins)

     Choose how long the tenant keeps its calls' content (owners and admins), within its
    plan: more than the plan allows is a 422 naming the setting. Shorter periods apply at the
    next purge (the worker runs it every few minutes) to calls already kept. Turning
    `store_transcripts` off applies at once to calls in progress and sends new calls in the
    provider's HIPAA mode. Audited (`tenant.retention_changed`).

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (UpdateRetentionIn): A change to the tenant's choices; fields left out stay as they
            are, null goes back to
                what the plan allows.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RetentionOut
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
    body: UpdateRetentionIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | RetentionOut]:
    """Choose how long the tenant keeps its calls' content (admins)

     Choose how long the tenant keeps its calls' content (owners and admins), within its
    plan: more than the plan allows is a 422 naming the setting. Shorter periods apply at the
    next purge (the worker runs it every few minutes) to calls already kept. Turning
    `store_transcripts` off applies at once to calls in progress and sends new calls in the
    provider's HIPAA mode. Audited (`tenant.retention_changed`).

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (UpdateRetentionIn): A change to the tenant's choices; fields left out stay as they
            are, null goes back to
                what the plan allows.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RetentionOut]
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
    body: UpdateRetentionIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | RetentionOut | None:
    """Choose how long the tenant keeps its calls' content (admins)

     Choose how long the tenant keeps its calls' content (owners and admins), within its
    plan: more than the plan allows is a 422 naming the setting. Shorter periods apply at the
    next purge (the worker runs it every few minutes) to calls already kept. Turning
    `store_transcripts` off applies at once to calls in progress and sends new calls in the
    provider's HIPAA mode. Audited (`tenant.retention_changed`).

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (UpdateRetentionIn): A change to the tenant's choices; fields left out stay as they
            are, null goes back to
                what the plan allows.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RetentionOut
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
