from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.accept_invitation_in import AcceptInvitationIn
from ...models.accepted_out import AcceptedOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: AcceptInvitationIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/invitations/accept",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AcceptedOut | Problem | None:
    if response.status_code == 200:
        response_200 = AcceptedOut.from_dict(response.json())

        return response_200

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AcceptedOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AcceptInvitationIn,
    x_request_id: str | Unset = UNSET,
) -> Response[AcceptedOut | Problem]:
    """Accept an invitation, signed in or creating your account

     Accept an invitation and become a member with its role. Signed in: the token alone,
    and your address must be the invited one (403). Not signed in: `password` creates your
    account with the invited address and the answer carries a personal token that expires;
    when an account already has the address, sign in to accept (409 `sign-in-to-accept`).
    409 when the invitation is no longer pending (accepted, declined, revoked or expired).

    Args:
        x_request_id (str | Unset):
        body (AcceptInvitationIn): Accept an invitation. Signed in (Authorization: Bearer with a
            user token of the
                invited address): the token alone. Not signed in: a `password` creates your account
            with
                the invited address (and `first_name`, `last_name` if given).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcceptedOut | Problem]
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
    body: AcceptInvitationIn,
    x_request_id: str | Unset = UNSET,
) -> AcceptedOut | Problem | None:
    """Accept an invitation, signed in or creating your account

     Accept an invitation and become a member with its role. Signed in: the token alone,
    and your address must be the invited one (403). Not signed in: `password` creates your
    account with the invited address and the answer carries a personal token that expires;
    when an account already has the address, sign in to accept (409 `sign-in-to-accept`).
    409 when the invitation is no longer pending (accepted, declined, revoked or expired).

    Args:
        x_request_id (str | Unset):
        body (AcceptInvitationIn): Accept an invitation. Signed in (Authorization: Bearer with a
            user token of the
                invited address): the token alone. Not signed in: a `password` creates your account
            with
                the invited address (and `first_name`, `last_name` if given).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcceptedOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AcceptInvitationIn,
    x_request_id: str | Unset = UNSET,
) -> Response[AcceptedOut | Problem]:
    """Accept an invitation, signed in or creating your account

     Accept an invitation and become a member with its role. Signed in: the token alone,
    and your address must be the invited one (403). Not signed in: `password` creates your
    account with the invited address and the answer carries a personal token that expires;
    when an account already has the address, sign in to accept (409 `sign-in-to-accept`).
    409 when the invitation is no longer pending (accepted, declined, revoked or expired).

    Args:
        x_request_id (str | Unset):
        body (AcceptInvitationIn): Accept an invitation. Signed in (Authorization: Bearer with a
            user token of the
                invited address): the token alone. Not signed in: a `password` creates your account
            with
                the invited address (and `first_name`, `last_name` if given).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcceptedOut | Problem]
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
    body: AcceptInvitationIn,
    x_request_id: str | Unset = UNSET,
) -> AcceptedOut | Problem | None:
    """Accept an invitation, signed in or creating your account

     Accept an invitation and become a member with its role. Signed in: the token alone,
    and your address must be the invited one (403). Not signed in: `password` creates your
    account with the invited address and the answer carries a personal token that expires;
    when an account already has the address, sign in to accept (409 `sign-in-to-accept`).
    409 when the invitation is no longer pending (accepted, declined, revoked or expired).

    Args:
        x_request_id (str | Unset):
        body (AcceptInvitationIn): Accept an invitation. Signed in (Authorization: Bearer with a
            user token of the
                invited address): the token alone. Not signed in: a `password` creates your account
            with
                the invited address (and `first_name`, `last_name` if given).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcceptedOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
