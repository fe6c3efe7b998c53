from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_message_replay_out import WebhookMessageReplayOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    message_id: UUID,
    *,
    tenant_id: UUID | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    json_tenant_id: str | Unset = UNSET
    if not isinstance(tenant_id, Unset):
        json_tenant_id = str(tenant_id)
    params["tenant_id"] = json_tenant_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/webhook-messages/{message_id}/replay".format(
            message_id=quote(str(message_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookMessageReplayOut | None:
    if response.status_code == 200:
        response_200 = WebhookMessageReplayOut.from_dict(response.json())

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
) -> Response[Problem | WebhookMessageReplayOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    message_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookMessageReplayOut]:
    """Replay a kept message that failed to apply (platform admins)

     Apply a kept message again, as if it had just come: routed to its call and applied,
    then marked processed, in one transaction (platform admins only). Ids are per tenant: name
    the message's tenant with `tenant_id` (left out: a message about no call of ours). A
    message processed already is left as it is (`already_processed`), so a replay may be
    repeated safely; one that still cannot be applied stays failed with the new reason
    (`still_failing`).

    Args:
        message_id (UUID):
        tenant_id (UUID | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookMessageReplayOut]
    """

    kwargs = _get_kwargs(
        message_id=message_id,
        tenant_id=tenant_id,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    message_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookMessageReplayOut | None:
    """Replay a kept message that failed to apply (platform admins)

     Apply a kept message again, as if it had just come: routed to its call and applied,
    then marked processed, in one transaction (platform admins only). Ids are per tenant: name
    the message's tenant with `tenant_id` (left out: a message about no call of ours). A
    message processed already is left as it is (`already_processed`), so a replay may be
    repeated safely; one that still cannot be applied stays failed with the new reason
    (`still_failing`).

    Args:
        message_id (UUID):
        tenant_id (UUID | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookMessageReplayOut
    """

    return sync_detailed(
        message_id=message_id,
        client=client,
        tenant_id=tenant_id,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    message_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookMessageReplayOut]:
    """Replay a kept message that failed to apply (platform admins)

     Apply a kept message again, as if it had just come: routed to its call and applied,
    then marked processed, in one transaction (platform admins only). Ids are per tenant: name
    the message's tenant with `tenant_id` (left out: a message about no call of ours). A
    message processed already is left as it is (`already_processed`), so a replay may be
    repeated safely; one that still cannot be applied stays failed with the new reason
    (`still_failing`).

    Args:
        message_id (UUID):
        tenant_id (UUID | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookMessageReplayOut]
    """

    kwargs = _get_kwargs(
        message_id=message_id,
        tenant_id=tenant_id,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    message_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    tenant_id: UUID | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookMessageReplayOut | None:
    """Replay a kept message that failed to apply (platform admins)

     Apply a kept message again, as if it had just come: routed to its call and applied,
    then marked processed, in one transaction (platform admins only). Ids are per tenant: name
    the message's tenant with `tenant_id` (left out: a message about no call of ours). A
    message processed already is left as it is (`already_processed`), so a replay may be
    repeated safely; one that still cannot be applied stays failed with the new reason
    (`still_failing`).

    Args:
        message_id (UUID):
        tenant_id (UUID | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookMessageReplayOut
    """

    return (
        await asyncio_detailed(
            message_id=message_id,
            client=client,
            tenant_id=tenant_id,
            x_request_id=x_request_id,
        )
    ).parsed
