from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/me",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """Delete my account (personal token only)

     Delete your own account, with a personal token (an API key gets 403). Refused (409,
    `last-owner`, the tenants' ids in `tenant_ids`) while you are the only owner of a tenant
    that is not closed: transfer ownership or close it first. Otherwise, at once and
    together: the API keys you created are revoked, you leave every tenant (audited in each),
    and your account and personal tokens are deleted (`user.deleted` in the platform's audit
    log). What you made in tenants (agents, batches, keys) stays, no longer naming you.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Any | Problem | None:
    """Delete my account (personal token only)

     Delete your own account, with a personal token (an API key gets 403). Refused (409,
    `last-owner`, the tenants' ids in `tenant_ids`) while you are the only owner of a tenant
    that is not closed: transfer ownership or close it first. Otherwise, at once and
    together: the API keys you created are revoked, you leave every tenant (audited in each),
    and your account and personal tokens are deleted (`user.deleted` in the platform's audit
    log). What you made in tenants (agents, batches, keys) stays, no longer naming you.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """Delete my account (personal token only)

     Delete your own account, with a personal token (an API key gets 403). Refused (409,
    `last-owner`, the tenants' ids in `tenant_ids`) while you are the only owner of a tenant
    that is not closed: transfer ownership or close it first. Otherwise, at once and
    together: the API keys you created are revoked, you leave every tenant (audited in each),
    and your account and personal tokens are deleted (`user.deleted` in the platform's audit
    log). What you made in tenants (agents, batches, keys) stays, no longer naming you.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Any | Problem | None:
    """Delete my account (personal token only)

     Delete your own account, with a personal token (an API key gets 403). Refused (409,
    `last-owner`, the tenants' ids in `tenant_ids`) while you are the only owner of a tenant
    that is not closed: transfer ownership or close it first. Otherwise, at once and
    together: the API keys you created are revoked, you leave every tenant (audited in each),
    and your account and personal tokens are deleted (`user.deleted` in the platform's audit
    log). What you made in tenants (agents, batches, keys) stays, no longer naming you.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed
