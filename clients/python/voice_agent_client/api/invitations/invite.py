from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.invitation_out import InvitationOut
from ...models.invite_in import InviteIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: InviteIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant_id}/invitations".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InvitationOut | Problem | None:
    if response.status_code == 201:
        response_201 = InvitationOut.from_dict(response.json())

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
) -> Response[InvitationOut | Problem]:
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
    body: InviteIn,
    x_request_id: str | Unset = UNSET,
) -> Response[InvitationOut | Problem]:
    """Invite an address with a role (owners and admins)

     Invite an address with a role (owners and admins; only owners invite owners) and email
    it the invitation's token. The answer is the same whether or not the address has an
    account anywhere. Refused: a member's address (409), an address with a pending invitation
    (409 with `existing_id`: resend that one), past `members.max`, which counts pending
    invitations (403). If the email could not be sent the invitation is still made, with
    `sent_at` null: resend it.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (InviteIn): Who to invite, and as what (only owners invite owners).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InvitationOut | Problem]
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
    body: InviteIn,
    x_request_id: str | Unset = UNSET,
) -> InvitationOut | Problem | None:
    """Invite an address with a role (owners and admins)

     Invite an address with a role (owners and admins; only owners invite owners) and email
    it the invitation's token. The answer is the same whether or not the address has an
    account anywhere. Refused: a member's address (409), an address with a pending invitation
    (409 with `existing_id`: resend that one), past `members.max`, which counts pending
    invitations (403). If the email could not be sent the invitation is still made, with
    `sent_at` null: resend it.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (InviteIn): Who to invite, and as what (only owners invite owners).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InvitationOut | Problem
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
    body: InviteIn,
    x_request_id: str | Unset = UNSET,
) -> Response[InvitationOut | Problem]:
    """Invite an address with a role (owners and admins)

     Invite an address with a role (owners and admins; only owners invite owners) and email
    it the invitation's token. The answer is the same whether or not the address has an
    account anywhere. Refused: a member's address (409), an address with a pending invitation
    (409 with `existing_id`: resend that one), past `members.max`, which counts pending
    invitations (403). If the email could not be sent the invitation is still made, with
    `sent_at` null: resend it.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (InviteIn): Who to invite, and as what (only owners invite owners).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InvitationOut | Problem]
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
    body: InviteIn,
    x_request_id: str | Unset = UNSET,
) -> InvitationOut | Problem | None:
    """Invite an address with a role (owners and admins)

     Invite an address with a role (owners and admins; only owners invite owners) and email
    it the invitation's token. The answer is the same whether or not the address has an
    account anywhere. Refused: a member's address (409), an address with a pending invitation
    (409 with `existing_id`: resend that one), past `members.max`, which counts pending
    invitations (403). If the email could not be sent the invitation is still made, with
    `sent_at` null: resend it.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (InviteIn): Who to invite, and as what (only owners invite owners).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InvitationOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
