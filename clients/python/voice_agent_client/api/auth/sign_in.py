from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sign_in_in import SignInIn
from ...models.signed_in_out import SignedInOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SignInIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/sign-in",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SignedInOut | None:
    if response.status_code == 200:
        response_200 = SignedInOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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
) -> Response[Problem | SignedInOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SignInIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | SignedInOut]:
    """Sign in with email and password: a personal token that expires

     Sign in with an email address and a password: a personal token that expires (12 hours
    by default). An unknown address, an account without a password, a wrong password and a
    deactivated account all get the same 401. After 5 failures for an address within 15
    minutes (or 50 from one client address), requests are refused with 429 and Retry-After
    until the block ends, without checking the password; a success clears the address's
    count.

    Args:
        x_request_id (str | Unset):
        body (SignInIn): An email address and its password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SignedInOut]
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
    body: SignInIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | SignedInOut | None:
    """Sign in with email and password: a personal token that expires

     Sign in with an email address and a password: a personal token that expires (12 hours
    by default). An unknown address, an account without a password, a wrong password and a
    deactivated account all get the same 401. After 5 failures for an address within 15
    minutes (or 50 from one client address), requests are refused with 429 and Retry-After
    until the block ends, without checking the password; a success clears the address's
    count.

    Args:
        x_request_id (str | Unset):
        body (SignInIn): An email address and its password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SignedInOut
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SignInIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | SignedInOut]:
    """Sign in with email and password: a personal token that expires

     Sign in with an email address and a password: a personal token that expires (12 hours
    by default). An unknown address, an account without a password, a wrong password and a
    deactivated account all get the same 401. After 5 failures for an address within 15
    minutes (or 50 from one client address), requests are refused with 429 and Retry-After
    until the block ends, without checking the password; a success clears the address's
    count.

    Args:
        x_request_id (str | Unset):
        body (SignInIn): An email address and its password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SignedInOut]
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
    body: SignInIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | SignedInOut | None:
    """Sign in with email and password: a personal token that expires

     Sign in with an email address and a password: a personal token that expires (12 hours
    by default). An unknown address, an account without a password, a wrong password and a
    deactivated account all get the same 401. After 5 failures for an address within 15
    minutes (or 50 from one client address), requests are refused with 429 and Retry-After
    until the block ends, without checking the password; a success clears the address's
    count.

    Args:
        x_request_id (str | Unset):
        body (SignInIn): An email address and its password.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SignedInOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
