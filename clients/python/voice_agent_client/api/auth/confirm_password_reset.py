from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.confirm_password_reset_in import ConfirmPasswordResetIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ConfirmPasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/password-resets/confirm",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

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
    body: ConfirmPasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """Set a new password with a reset token

     Set a new password with the token of a reset message. The token is then used up,
    every personal token of the account is revoked (sign in again), and a notice is mailed.
    An unknown, expired or already used token is one 400 (`reset-token-invalid`); a refused
    password (422) leaves the token usable.

    Args:
        x_request_id (str | Unset):
        body (ConfirmPasswordResetIn): The token of the reset message and the new password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmPasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> Any | Problem | None:
    """Set a new password with a reset token

     Set a new password with the token of a reset message. The token is then used up,
    every personal token of the account is revoked (sign in again), and a notice is mailed.
    An unknown, expired or already used token is one 400 (`reset-token-invalid`); a refused
    password (422) leaves the token usable.

    Args:
        x_request_id (str | Unset):
        body (ConfirmPasswordResetIn): The token of the reset message and the new password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmPasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """Set a new password with a reset token

     Set a new password with the token of a reset message. The token is then used up,
    every personal token of the account is revoked (sign in again), and a notice is mailed.
    An unknown, expired or already used token is one 400 (`reset-token-invalid`); a refused
    password (422) leaves the token usable.

    Args:
        x_request_id (str | Unset):
        body (ConfirmPasswordResetIn): The token of the reset message and the new password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmPasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> Any | Problem | None:
    """Set a new password with a reset token

     Set a new password with the token of a reset message. The token is then used up,
    every personal token of the account is revoked (sign in again), and a notice is mailed.
    An unknown, expired or already used token is one 400 (`reset-token-invalid`); a refused
    password (422) leaves the token usable.

    Args:
        x_request_id (str | Unset):
        body (ConfirmPasswordResetIn): The token of the reset message and the new password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
