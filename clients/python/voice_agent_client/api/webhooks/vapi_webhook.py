from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.vapi_webhook_body import VapiWebhookBody
from ...models.webhook_reply import WebhookReply
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: VapiWebhookBody,
    x_vapi_secret: str | Unset = UNSET,
    x_signature: str | Unset = UNSET,
    x_timestamp: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_vapi_secret, Unset):
        headers["X-Vapi-Secret"] = x_vapi_secret

    if not isinstance(x_signature, Unset):
        headers["x-signature"] = x_signature

    if not isinstance(x_timestamp, Unset):
        headers["x-timestamp"] = x_timestamp

    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/vapi",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | WebhookReply | None:
    if response.status_code == 200:
        response_200 = WebhookReply.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | WebhookReply]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VapiWebhookBody,
    x_vapi_secret: str | Unset = UNSET,
    x_signature: str | Unset = UNSET,
    x_timestamp: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookReply]:
    """Vapi Server URL: status updates, end-of-call reports, assistant requests, tool calls

     Vapi's Server URL. Each message is authenticated as configured: a bearer token in
    `Authorization` (or the header Vapi is told to use), the secret in `X-Vapi-Secret`, or an
    HMAC-SHA256 of `{x-timestamp}.{body}` in `x-signature`; anything else is a 401 that changes
    nothing. An accepted message is stored (a repeat is recognised) and applied to its call:
    status updates and end-of-call reports move the call forward, never back, whatever order
    they arrive in. The answer is 200 with what Vapi expects for the message's type: an
    assistant for an inbound call (`assistant-request`), `results` for `tool-calls`, or
    `{"received": true}`. Query parameters of the configured URL are ignored.

    Args:
        x_vapi_secret (str | Unset):
        x_signature (str | Unset):
        x_timestamp (str | Unset):
        x_request_id (str | Unset):
        body (VapiWebhookBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookReply]
    """

    kwargs = _get_kwargs(
        body=body,
        x_vapi_secret=x_vapi_secret,
        x_signature=x_signature,
        x_timestamp=x_timestamp,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: VapiWebhookBody,
    x_vapi_secret: str | Unset = UNSET,
    x_signature: str | Unset = UNSET,
    x_timestamp: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookReply | None:
    """Vapi Server URL: status updates, end-of-call reports, assistant requests, tool calls

     Vapi's Server URL. Each message is authenticated as configured: a bearer token in
    `Authorization` (or the header Vapi is told to use), the secret in `X-Vapi-Secret`, or an
    HMAC-SHA256 of `{x-timestamp}.{body}` in `x-signature`; anything else is a 401 that changes
    nothing. An accepted message is stored (a repeat is recognised) and applied to its call:
    status updates and end-of-call reports move the call forward, never back, whatever order
    they arrive in. The answer is 200 with what Vapi expects for the message's type: an
    assistant for an inbound call (`assistant-request`), `results` for `tool-calls`, or
    `{"received": true}`. Query parameters of the configured URL are ignored.

    Args:
        x_vapi_secret (str | Unset):
        x_signature (str | Unset):
        x_timestamp (str | Unset):
        x_request_id (str | Unset):
        body (VapiWebhookBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookReply
    """

    return sync_detailed(
        client=client,
        body=body,
        x_vapi_secret=x_vapi_secret,
        x_signature=x_signature,
        x_timestamp=x_timestamp,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VapiWebhookBody,
    x_vapi_secret: str | Unset = UNSET,
    x_signature: str | Unset = UNSET,
    x_timestamp: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | WebhookReply]:
    """Vapi Server URL: status updates, end-of-call reports, assistant requests, tool calls

     Vapi's Server URL. Each message is authenticated as configured: a bearer token in
    `Authorization` (or the header Vapi is told to use), the secret in `X-Vapi-Secret`, or an
    HMAC-SHA256 of `{x-timestamp}.{body}` in `x-signature`; anything else is a 401 that changes
    nothing. An accepted message is stored (a repeat is recognised) and applied to its call:
    status updates and end-of-call reports move the call forward, never back, whatever order
    they arrive in. The answer is 200 with what Vapi expects for the message's type: an
    assistant for an inbound call (`assistant-request`), `results` for `tool-calls`, or
    `{"received": true}`. Query parameters of the configured URL are ignored.

    Args:
        x_vapi_secret (str | Unset):
        x_signature (str | Unset):
        x_timestamp (str | Unset):
        x_request_id (str | Unset):
        body (VapiWebhookBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookReply]
    """

    kwargs = _get_kwargs(
        body=body,
        x_vapi_secret=x_vapi_secret,
        x_signature=x_signature,
        x_timestamp=x_timestamp,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: VapiWebhookBody,
    x_vapi_secret: str | Unset = UNSET,
    x_signature: str | Unset = UNSET,
    x_timestamp: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | WebhookReply | None:
    """Vapi Server URL: status updates, end-of-call reports, assistant requests, tool calls

     Vapi's Server URL. Each message is authenticated as configured: a bearer token in
    `Authorization` (or the header Vapi is told to use), the secret in `X-Vapi-Secret`, or an
    HMAC-SHA256 of `{x-timestamp}.{body}` in `x-signature`; anything else is a 401 that changes
    nothing. An accepted message is stored (a repeat is recognised) and applied to its call:
    status updates and end-of-call reports move the call forward, never back, whatever order
    they arrive in. The answer is 200 with what Vapi expects for the message's type: an
    assistant for an inbound call (`assistant-request`), `results` for `tool-calls`, or
    `{"received": true}`. Query parameters of the configured URL are ignored.

    Args:
        x_vapi_secret (str | Unset):
        x_signature (str | Unset):
        x_timestamp (str | Unset):
        x_request_id (str | Unset):
        body (VapiWebhookBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookReply
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_vapi_secret=x_vapi_secret,
            x_signature=x_signature,
            x_timestamp=x_timestamp,
            x_request_id=x_request_id,
        )
    ).parsed
