from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.invitation_preview_out import InvitationPreviewOut
from ...models.problem import Problem
from ...models.token_in import TokenIn
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: TokenIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/invitations/lookup",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InvitationPreviewOut | Problem | None:
    if response.status_code == 200:
        response_200 = InvitationPreviewOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[InvitationPreviewOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenIn,
    x_request_id: str | Unset = UNSET,
) -> Response[InvitationPreviewOut | Problem]:
    """What an invitation token invites to

     What an invitation token invites to: the tenant's name, the role, the address, the
    status and expiry. No sign-in: the token is the proof. 404 for a token that is not (or
    no longer) an invitation's.

    Args:
        x_request_id (str | Unset):
        body (TokenIn): An invitation's token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InvitationPreviewOut | Problem]
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
    body: TokenIn,
    x_request_id: str | Unset = UNSET,
) -> InvitationPreviewOut | Problem | None:
    """What an invitation token invites to

     What an invitation token invites to: the tenant's name, the role, the address, the
    status and expiry. No sign-in: the token is the proof. 404 for a token that is not (or
    no longer) an invitation's.

    Args:
        x_request_id (str | Unset):
        body (TokenIn): An invitation's token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InvitationPreviewOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenIn,
    x_request_id: str | Unset = UNSET,
) -> Response[InvitationPreviewOut | Problem]:
    """What an invitation token invites to

     What an invitation token invites to: the tenant's name, the role, the address, the
    status and expiry. No sign-in: the token is the proof. 404 for a token that is not (or
    no longer) an invitation's.

    Args:
        x_request_id (str | Unset):
        body (TokenIn): An invitation's token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InvitationPreviewOut | Problem]
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
    body: TokenIn,
    x_request_id: str | Unset = UNSET,
) -> InvitationPreviewOut | Problem | None:
    """What an invitation token invites to

     What an invitation token invites to: the tenant's name, the role, the address, the
    status and expiry. No sign-in: the token is the proof. 404 for a token that is not (or
    no longer) an invitation's.

    Args:
        x_request_id (str | Unset):
        body (TokenIn): An invitation's token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InvitationPreviewOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
