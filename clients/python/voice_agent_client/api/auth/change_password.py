from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.change_password_in import ChangePasswordIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ChangePasswordIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/me/password",
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

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
    body: ChangePasswordIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """Set your password; your other personal tokens are revoked

     Set your password (with a personal token). `current_password` is required when the
    account has a password, not when it has none yet (made by a platform admin, or by an
    invitation). Every other personal token of yours is revoked (the one used here keeps
    working), pending reset links stop working, and a notice is mailed to you. Tenant API
    keys you created are not touched. A wrong `current_password` counts as a failed
    sign-in.

    Args:
        x_request_id (str | Unset):
        body (ChangePasswordIn): A new password, with the current one when the account has one.

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
    body: ChangePasswordIn,
    x_request_id: str | Unset = UNSET,
) -> Any | Problem | None:
    """Set your password; your other personal tokens are revoked

     Set your password (with a personal token). `current_password` is required when the
    account has a password, not when it has none yet (made by a platform admin, or by an
    invitation). Every other personal token of yours is revoked (the one used here keeps
    working), pending reset links stop working, and a notice is mailed to you. Tenant API
    keys you created are not touched. A wrong `current_password` counts as a failed
    sign-in.

    Args:
        x_request_id (str | Unset):
        body (ChangePasswordIn): A new password, with the current one when the account has one.

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
    body: ChangePasswordIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """Set your password; your other personal tokens are revoked

     Set your password (with a personal token). `current_password` is required when the
    account has a password, not when it has none yet (made by a platform admin, or by an
    invitation). Every other personal token of yours is revoked (the one used here keeps
    working), pending reset links stop working, and a notice is mailed to you. Tenant API
    keys you created are not touched. A wrong `current_password` counts as a failed
    sign-in.

    Args:
        x_request_id (str | Unset):
        body (ChangePasswordIn): A new password, with the current one when the account has one.

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
    body: ChangePasswordIn,
    x_request_id: str | Unset = UNSET,
) -> Any | Problem | None:
    """Set your password; your other personal tokens are revoked

     Set your password (with a personal token). `current_password` is required when the
    account has a password, not when it has none yet (made by a platform admin, or by an
    invitation). Every other personal token of yours is revoked (the one used here keeps
    working), pending reset links stop working, and a notice is mailed to you. Tenant API
    keys you created are not touched. A wrong `current_password` counts as a failed
    sign-in.

    Args:
        x_request_id (str | Unset):
        body (ChangePasswordIn): A new password, with the current one when the account has one.

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
