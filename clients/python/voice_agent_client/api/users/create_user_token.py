from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_user_token_in import CreateUserTokenIn
from ...models.problem import Problem
from ...models.user_token_created_out import UserTokenCreatedOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: UUID,
    *,
    body: CreateUserTokenIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/users/{user_id}/tokens".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | UserTokenCreatedOut | None:
    if response.status_code == 201:
        response_201 = UserTokenCreatedOut.from_dict(response.json())

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
) -> Response[Problem | UserTokenCreatedOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: CreateUserTokenIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UserTokenCreatedOut]:
    """Issue a personal access token: the token with its secret, shown once

     Issue a personal access token for a user (yourself, or anyone for platform admins). The
    answer is the token with its `secret`, shown this once; only its hash is stored. Optionally
    expiring at `expires_at`.

    Args:
        user_id (UUID):
        x_request_id (str | Unset):
        body (CreateUserTokenIn): A new personal access token, acting as its user.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserTokenCreatedOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: CreateUserTokenIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | UserTokenCreatedOut | None:
    """Issue a personal access token: the token with its secret, shown once

     Issue a personal access token for a user (yourself, or anyone for platform admins). The
    answer is the token with its `secret`, shown this once; only its hash is stored. Optionally
    expiring at `expires_at`.

    Args:
        user_id (UUID):
        x_request_id (str | Unset):
        body (CreateUserTokenIn): A new personal access token, acting as its user.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserTokenCreatedOut
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: CreateUserTokenIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UserTokenCreatedOut]:
    """Issue a personal access token: the token with its secret, shown once

     Issue a personal access token for a user (yourself, or anyone for platform admins). The
    answer is the token with its `secret`, shown this once; only its hash is stored. Optionally
    expiring at `expires_at`.

    Args:
        user_id (UUID):
        x_request_id (str | Unset):
        body (CreateUserTokenIn): A new personal access token, acting as its user.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserTokenCreatedOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: CreateUserTokenIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | UserTokenCreatedOut | None:
    """Issue a personal access token: the token with its secret, shown once

     Issue a personal access token for a user (yourself, or anyone for platform admins). The
    answer is the token with its `secret`, shown this once; only its hash is stored. Optionally
    expiring at `expires_at`.

    Args:
        user_id (UUID):
        x_request_id (str | Unset):
        body (CreateUserTokenIn): A new personal access token, acting as its user.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserTokenCreatedOut
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
