from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.password_reset_accepted_out import PasswordResetAcceptedOut
from ...models.password_reset_in import PasswordResetIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/password-resets",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PasswordResetAcceptedOut | Problem | None:
    if response.status_code == 202:
        response_202 = PasswordResetAcceptedOut.from_dict(response.json())

        return response_202

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PasswordResetAcceptedOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> Response[PasswordResetAcceptedOut | Problem]:
    """Ask for a password reset message (always 202, whatever the address)

     Ask for a password reset: always 202 with the same body, at once. If the address has
    an active account, a message with a one-time token (valid 30 minutes) is sent; the work
    happens after the answer, so neither body nor timing says whether it has one. Limited
    like sign-in, per address and per client address (429 with Retry-After).

    Args:
        x_request_id (str | Unset):
        body (PasswordResetIn): The address of the account whose password is forgotten.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PasswordResetAcceptedOut | Problem]
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
    body: PasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> PasswordResetAcceptedOut | Problem | None:
    """Ask for a password reset message (always 202, whatever the address)

     Ask for a password reset: always 202 with the same body, at once. If the address has
    an active account, a message with a one-time token (valid 30 minutes) is sent; the work
    happens after the answer, so neither body nor timing says whether it has one. Limited
    like sign-in, per address and per client address (429 with Retry-After).

    Args:
        x_request_id (str | Unset):
        body (PasswordResetIn): The address of the account whose password is forgotten.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PasswordResetAcceptedOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> Response[PasswordResetAcceptedOut | Problem]:
    """Ask for a password reset message (always 202, whatever the address)

     Ask for a password reset: always 202 with the same body, at once. If the address has
    an active account, a message with a one-time token (valid 30 minutes) is sent; the work
    happens after the answer, so neither body nor timing says whether it has one. Limited
    like sign-in, per address and per client address (429 with Retry-After).

    Args:
        x_request_id (str | Unset):
        body (PasswordResetIn): The address of the account whose password is forgotten.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PasswordResetAcceptedOut | Problem]
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
    body: PasswordResetIn,
    x_request_id: str | Unset = UNSET,
) -> PasswordResetAcceptedOut | Problem | None:
    """Ask for a password reset message (always 202, whatever the address)

     Ask for a password reset: always 202 with the same body, at once. If the address has
    an active account, a message with a one-time token (valid 30 minutes) is sent; the work
    happens after the answer, so neither body nor timing says whether it has one. Limited
    like sign-in, per address and per client address (429 with Retry-After).

    Args:
        x_request_id (str | Unset):
        body (PasswordResetIn): The address of the account whose password is forgotten.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PasswordResetAcceptedOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
