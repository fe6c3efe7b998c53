from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.replay_webhook_messages_in import ReplayWebhookMessagesIn
from ...models.webhook_replay_summary_out import WebhookReplaySummaryOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ReplayWebhookMessagesIn,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/webhook-messages/replay",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookReplaySummaryOut | None:
    if response.status_code == 200:
        response_200 = WebhookReplaySummaryOut.from_dict(response.json())

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
) -> Response[Problem | WebhookReplaySummaryOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReplayWebhookMessagesIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookReplaySummaryOut]:
    """Replay the messages that failed to apply since a time (platform admins)

     Replay every message received at or after `since` that failed to apply, of one tenant
    (`tenant_id`) or of every tenant and those about no call of ours (platform admins only),
    each as a replay of one; the answer counts them.

    Args:
        x_request_id (str | Unset):
        body (ReplayWebhookMessagesIn): Which failed messages to replay.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookReplaySummaryOut]
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
    body: ReplayWebhookMessagesIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookReplaySummaryOut | None:
    """Replay the messages that failed to apply since a time (platform admins)

     Replay every message received at or after `since` that failed to apply, of one tenant
    (`tenant_id`) or of every tenant and those about no call of ours (platform admins only),
    each as a replay of one; the answer counts them.

    Args:
        x_request_id (str | Unset):
        body (ReplayWebhookMessagesIn): Which failed messages to replay.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookReplaySummaryOut
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReplayWebhookMessagesIn,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookReplaySummaryOut]:
    """Replay the messages that failed to apply since a time (platform admins)

     Replay every message received at or after `since` that failed to apply, of one tenant
    (`tenant_id`) or of every tenant and those about no call of ours (platform admins only),
    each as a replay of one; the answer counts them.

    Args:
        x_request_id (str | Unset):
        body (ReplayWebhookMessagesIn): Which failed messages to replay.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookReplaySummaryOut]
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
    body: ReplayWebhookMessagesIn,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookReplaySummaryOut | None:
    """Replay the messages that failed to apply since a time (platform admins)

     Replay every message received at or after `since` that failed to apply, of one tenant
    (`tenant_id`) or of every tenant and those about no call of ours (platform admins only),
    each as a replay of one; the answer counts them.

    Args:
        x_request_id (str | Unset):
        body (ReplayWebhookMessagesIn): Which failed messages to replay.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookReplaySummaryOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
