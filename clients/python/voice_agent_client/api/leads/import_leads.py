from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.import_leads_files_body import ImportLeadsFilesBody
from ...models.import_report_out import ImportReportOut
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    body: File | ImportLeadsFilesBody | Unset = UNSET,
    country: str | Unset = UNSET,
    source: str | Unset = UNSET,
    phone_column: str | Unset = UNSET,
    name_column: str | Unset = UNSET,
    email_column: str | Unset = UNSET,
    timezone_column: str | Unset = UNSET,
    extra: bool | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    params["country"] = country

    params["source"] = source

    params["phone_column"] = phone_column

    params["name_column"] = name_column

    params["email_column"] = email_column

    params["timezone_column"] = timezone_column

    params["extra"] = extra

    params["delimiter"] = delimiter

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant_id}/leads/import".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
        "params": params,
    }

    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "text/csv"
    if isinstance(body, ImportLeadsFilesBody):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ImportReportOut | Problem | None:
    if response.status_code == 200:
        response_200 = ImportReportOut.from_dict(response.json())

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
) -> Response[ImportReportOut | Problem]:
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
    body: File | ImportLeadsFilesBody | Unset = UNSET,
    country: str | Unset = UNSET,
    source: str | Unset = UNSET,
    phone_column: str | Unset = UNSET,
    name_column: str | Unset = UNSET,
    email_column: str | Unset = UNSET,
    timezone_column: str | Unset = UNSET,
    extra: bool | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[ImportReportOut | Problem]:
    """Import leads from CSV (text/csv or multipart `file`): valid rows are imported, bad ones reported by
    row; a known number updates its lead (members)

     Import leads from a CSV file (members and up), sent as text/csv or as the `file` part of
    a multipart form, UTF-8, with a header row. Valid rows are written together; a number
    already in the lead book updates its lead; bad rows are counted and the first 1000 reported
    by row and field. A file that cannot be read (no phone column, not UTF-8) is refused whole.
    The query names the columns, delimiter, source and country. While the server runs as many
    imports as it allows, or one into this tenant, the answer is 429 with Retry-After.

    Args:
        tenant_id (UUID):
        country (str | Unset):
        source (str | Unset):
        phone_column (str | Unset):
        name_column (str | Unset):
        email_column (str | Unset):
        timezone_column (str | Unset):
        extra (bool | Unset):
        delimiter (str | Unset):
        x_request_id (str | Unset):
        body (File):
        body (ImportLeadsFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ImportReportOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        body=body,
        country=country,
        source=source,
        phone_column=phone_column,
        name_column=name_column,
        email_column=email_column,
        timezone_column=timezone_column,
        extra=extra,
        delimiter=delimiter,
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
    body: File | ImportLeadsFilesBody | Unset = UNSET,
    country: str | Unset = UNSET,
    source: str | Unset = UNSET,
    phone_column: str | Unset = UNSET,
    name_column: str | Unset = UNSET,
    email_column: str | Unset = UNSET,
    timezone_column: str | Unset = UNSET,
    extra: bool | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> ImportReportOut | Problem | None:
    """Import leads from CSV (text/csv or multipart `file`): valid rows are imported, bad ones reported by
    row; a known number updates its lead (members)

     Import leads from a CSV file (members and up), sent as text/csv or as the `file` part of
    a multipart form, UTF-8, with a header row. Valid rows are written together; a number
    already in the lead book updates its lead; bad rows are counted and the first 1000 reported
    by row and field. A file that cannot be read (no phone column, not UTF-8) is refused whole.
    The query names the columns, delimiter, source and country. While the server runs as many
    imports as it allows, or one into this tenant, the answer is 429 with Retry-After.

    Args:
        tenant_id (UUID):
        country (str | Unset):
        source (str | Unset):
        phone_column (str | Unset):
        name_column (str | Unset):
        email_column (str | Unset):
        timezone_column (str | Unset):
        extra (bool | Unset):
        delimiter (str | Unset):
        x_request_id (str | Unset):
        body (File):
        body (ImportLeadsFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ImportReportOut | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        body=body,
        country=country,
        source=source,
        phone_column=phone_column,
        name_column=name_column,
        email_column=email_column,
        timezone_column=timezone_column,
        extra=extra,
        delimiter=delimiter,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: File | ImportLeadsFilesBody | Unset = UNSET,
    country: str | Unset = UNSET,
    source: str | Unset = UNSET,
    phone_column: str | Unset = UNSET,
    name_column: str | Unset = UNSET,
    email_column: str | Unset = UNSET,
    timezone_column: str | Unset = UNSET,
    extra: bool | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[ImportReportOut | Problem]:
    """Import leads from CSV (text/csv or multipart `file`): valid rows are imported, bad ones reported by
    row; a known number updates its lead (members)

     Import leads from a CSV file (members and up), sent as text/csv or as the `file` part of
    a multipart form, UTF-8, with a header row. Valid rows are written together; a number
    already in the lead book updates its lead; bad rows are counted and the first 1000 reported
    by row and field. A file that cannot be read (no phone column, not UTF-8) is refused whole.
    The query names the columns, delimiter, source and country. While the server runs as many
    imports as it allows, or one into this tenant, the answer is 429 with Retry-After.

    Args:
        tenant_id (UUID):
        country (str | Unset):
        source (str | Unset):
        phone_column (str | Unset):
        name_column (str | Unset):
        email_column (str | Unset):
        timezone_column (str | Unset):
        extra (bool | Unset):
        delimiter (str | Unset):
        x_request_id (str | Unset):
        body (File):
        body (ImportLeadsFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ImportReportOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        body=body,
        country=country,
        source=source,
        phone_column=phone_column,
        name_column=name_column,
        email_column=email_column,
        timezone_column=timezone_column,
        extra=extra,
        delimiter=delimiter,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: File | ImportLeadsFilesBody | Unset = UNSET,
    country: str | Unset = UNSET,
    source: str | Unset = UNSET,
    phone_column: str | Unset = UNSET,
    name_column: str | Unset = UNSET,
    email_column: str | Unset = UNSET,
    timezone_column: str | Unset = UNSET,
    extra: bool | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> ImportReportOut | Problem | None:
    """Import leads from CSV (text/csv or multipart `file`): valid rows are imported, bad ones reported by
    row; a known number updates its lead (members)

     Import leads from a CSV file (members and up), sent as text/csv or as the `file` part of
    a multipart form, UTF-8, with a header row. Valid rows are written together; a number
    already in the lead book updates its lead; bad rows are counted and the first 1000 reported
    by row and field. A file that cannot be read (no phone column, not UTF-8) is refused whole.
    The query names the columns, delimiter, source and country. While the server runs as many
    imports as it allows, or one into this tenant, the answer is 429 with Retry-After.

    Args:
        tenant_id (UUID):
        country (str | Unset):
        source (str | Unset):
        phone_column (str | Unset):
        name_column (str | Unset):
        email_column (str | Unset):
        timezone_column (str | Unset):
        extra (bool | Unset):
        delimiter (str | Unset):
        x_request_id (str | Unset):
        body (File):
        body (ImportLeadsFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ImportReportOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            body=body,
            country=country,
            source=source,
            phone_column=phone_column,
            name_column=name_column,
            email_column=email_column,
            timezone_column=timezone_column,
            extra=extra,
            delimiter=delimiter,
            x_request_id=x_request_id,
        )
    ).parsed
