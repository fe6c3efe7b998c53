from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.add_member_in import AddMemberIn
from ...models.member_out import MemberOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: AddMemberIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant_id}/members".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MemberOut | Problem | None:
    if response.status_code == 201:
        response_201 = MemberOut.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[MemberOut | Problem]:
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
    body: AddMemberIn,
    x_request_id: str | Unset = UNSET,
) -> Response[MemberOut | Problem]:
    """Add an existing user as a member by user_id (platform admins)

     Add an existing user by `user_id` with a role (platform admins). A tenant's owners and
    admins get a 403 pointing to invitations: people join by accepting one (POST
    /v1/tenants/{tenant_id}/invitations). Counts against the plan's `members.max` (403 with
    `feature`, `limit` and `used` when reached); a user already a member is a 409.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (AddMemberIn): An existing user, by `user_id` (platform admins). People are brought
            in by email
                through an invitation instead (POST /v1/tenants/{tenant_id}/invitations).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MemberOut | Problem]
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
    body: AddMemberIn,
    x_request_id: str | Unset = UNSET,
) -> MemberOut | Problem | None:
    """Add an existing user as a member by user_id (platform admins)

     Add an existing user by `user_id` with a role (platform admins). A tenant's owners and
    admins get a 403 pointing to invitations: people join by accepting one (POST
    /v1/tenants/{tenant_id}/invitations). Counts against the plan's `members.max` (403 with
    `feature`, `limit` and `used` when reached); a user already a member is a 409.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (AddMemberIn): An existing user, by `user_id` (platform admins). People are brought
            in by email
                through an invitation instead (POST /v1/tenants/{tenant_id}/invitations).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MemberOut | Problem
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
    body: AddMemberIn,
    x_request_id: str | Unset = UNSET,
) -> Response[MemberOut | Problem]:
    """Add an existing user as a member by user_id (platform admins)

     Add an existing user by `user_id` with a role (platform admins). A tenant's owners and
    admins get a 403 pointing to invitations: people join by accepting one (POST
    /v1/tenants/{tenant_id}/invitations). Counts against the plan's `members.max` (403 with
    `feature`, `limit` and `used` when reached); a user already a member is a 409.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (AddMemberIn): An existing user, by `user_id` (platform admins). People are brought
            in by email
                through an invitation instead (POST /v1/tenants/{tenant_id}/invitations).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MemberOut | Problem]
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
    body: AddMemberIn,
    x_request_id: str | Unset = UNSET,
) -> MemberOut | Problem | None:
    """Add an existing user as a member by user_id (platform admins)

     Add an existing user by `user_id` with a role (platform admins). A tenant's owners and
    admins get a 403 pointing to invitations: people join by accepting one (POST
    /v1/tenants/{tenant_id}/invitations). Counts against the plan's `members.max` (403 with
    `feature`, `limit` and `used` when reached); a user already a member is a 409.

    Args:
        tenant_id (UUID):
        x_request_id (str | Unset):
        body (AddMemberIn): An existing user, by `user_id` (platform admins). People are brought
            in by email
                through an invitation instead (POST /v1/tenants/{tenant_id}/invitations).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MemberOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
