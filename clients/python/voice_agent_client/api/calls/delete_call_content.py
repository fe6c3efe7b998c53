from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.call_out import CallOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    call_id: UUID,
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/tenants/{tenant_id}/calls/{call_id}/content".format(
            tenant_id=quote(str(tenant_id), safe=""),
            call_id=quote(str(call_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CallOut | Problem | None:
    if response.status_code == 200:
        response_200 = CallOut.from_dict(response.json())

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
    call_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[CallOut | Problem]:
    """Delete a finished call's transcript, recording, analysis and provider record (owners and admins);
    its cost and usage stay

     Delete what was said and recorded of a finished call (owners and admins): transcript,
    recording link, summary, analysis, artifacts and the provider's record go; its outcome,
    cost, duration and AI usage stay, so the usage report is unchanged. The answer is the call
    as it stands, with `content_purged_at`. A call not yet ended is a 409. Audited
    (`call.content_deleted`, with the kinds of content it held).

    Args:
        tenant_id (UUID):
        call_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        call_id=call_id,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: UUID,
    call_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> CallOut | Problem | None:
    """Delete a finished call's transcript, recording, analysis and provider record (owners and admins);
    its cost and usage stay

     Delete what was said and recorded of a finished call (owners and admins): transcript,
    recording link, summary, analysis, artifacts and the provider's record go; its outcome,
    cost, duration and AI usage stay, so the usage report is unchanged. The answer is the call
    as it stands, with `content_purged_at`. A call not yet ended is a 409. Audited
    (`call.content_deleted`, with the kinds of content it held).

    Args:
        tenant_id (UUID):
        call_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallOut | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        call_id=call_id,
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    call_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[CallOut | Problem]:
    """Delete a finished call's transcript, recording, analysis and provider record (owners and admins);
    its cost and usage stay

     Delete what was said and recorded of a finished call (owners and admins): transcript,
    recording link, summary, analysis, artifacts and the provider's record go; its outcome,
    cost, duration and AI usage stay, so the usage report is unchanged. The answer is the call
    as it stands, with `content_purged_at`. A call not yet ended is a 409. Audited
    (`call.content_deleted`, with the kinds of content it held).

    Args:
        tenant_id (UUID):
        call_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        call_id=call_id,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    call_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> CallOut | Problem | None:
    """Delete a finished call's transcript, recording, analysis and provider record (owners and admins);
    its cost and usage stay

     Delete what was said and recorded of a finished call (owners and admins): transcript,
    recording link, summary, analysis, artifacts and the provider's record go; its outcome,
    cost, duration and AI usage stay, so the usage report is unchanged. The answer is the call
    as it stands, with `content_purged_at`. A call not yet ended is a 409. Audited
    (`call.content_deleted`, with the kinds of content it held).

    Args:
        tenant_id (UUID):
        call_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            call_id=call_id,
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed
