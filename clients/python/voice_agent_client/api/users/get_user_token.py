from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.user_token_out import UserTokenOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: UUID,
    token_id: UUID,
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/users/{user_id}/tokens/{token_id}".format(
            user_id=quote(str(user_id), safe=""),
            token_id=quote(str(token_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | UserTokenOut | None:
    if response.status_code == 200:
        response_200 = UserTokenOut.from_dict(response.json())

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
) -> Response[Problem | UserTokenOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: UUID,
    token_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UserTokenOut]:
    """Get a personal token (no secret)

     One of a user's personal tokens, without its secret: yours, or anyone's for platform
    admins.

    Args:
        user_id (UUID):
        token_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserTokenOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        token_id=token_id,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: UUID,
    token_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Problem | UserTokenOut | None:
    """Get a personal token (no secret)

     One of a user's personal tokens, without its secret: yours, or anyone's for platform
    admins.

    Args:
        user_id (UUID):
        token_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserTokenOut
    """

    return sync_detailed(
        user_id=user_id,
        token_id=token_id,
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    user_id: UUID,
    token_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UserTokenOut]:
    """Get a personal token (no secret)

     One of a user's personal tokens, without its secret: yours, or anyone's for platform
    admins.

    Args:
        user_id (UUID):
        token_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserTokenOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        token_id=token_id,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: UUID,
    token_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Problem | UserTokenOut | None:
    """Get a personal token (no secret)

     One of a user's personal tokens, without its secret: yours, or anyone's for platform
    admins.

    Args:
        user_id (UUID):
        token_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserTokenOut
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            token_id=token_id,
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed
