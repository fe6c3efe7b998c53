"""Webhook endpoints (admins): where the tenant's events are delivered, signed.

Gated by the plan's `webhooks` feature and `webhooks.endpoints.max`. The signing secret is
shown when the endpoint is made and when it is rotated, never on a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps, apply_changes, check_version
from application.entitlements import require, require_capacity
from application.errors import NotFound
from application.pagination import Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidStateTransition
from domain.ids import TenantId, WebhookDeliveryId, WebhookEndpointId
from domain.webhooks import (
    DEFAULT_ROTATION_OVERLAP,
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    event_types_of,
    new_signing_secret,
    url_host,
)

ENDPOINT_FIELDS = frozenset({"url", "event_types", "description", "enabled"})
MAX_REPLAYED = 10_000
"""The most events one replay sends again (replay again from the last one's time for more)."""


@attrs.frozen
class CreateEndpoint:
    tenant_id: TenantId
    url: str
    event_types: frozenset[EventType]
    description: str | None = None
    enabled: bool = True


@attrs.frozen
class UpdateEndpoint:
    tenant_id: TenantId
    endpoint_id: WebhookEndpointId
    changes: Mapping[str, Any]
    """Only the fields to change, among ENDPOINT_FIELDS."""
    version: int | None = None


def _position(endpoint: WebhookEndpoint) -> Position:
    return Position(endpoint.created_at, endpoint.id)


def _delivery_position(delivery: WebhookDelivery) -> Position:
    return Position(delivery.created_at, delivery.id)


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise InvalidStateTransition(
            "the endpoint is disabled: enable it first (PATCH enabled: true)", field="enabled"
        )


async def _delivery_of(
    tx: UnitOfWork,
    tenant_id: TenantId,
    endpoint_id: WebhookEndpointId,
    delivery_id: WebhookDeliveryId,
) -> WebhookDelivery:
    await endpoint_of(tx, tenant_id, endpoint_id)
    delivery = await tx.deliveries.get(tenant_id, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise NotFound("webhook delivery", delivery_id)
    return delivery


async def endpoint_of(
    tx: UnitOfWork, tenant_id: TenantId, endpoint_id: WebhookEndpointId
) -> WebhookEndpoint:
    endpoint = await tx.webhook_endpoints.get(tenant_id, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook endpoint", endpoint_id)
    return endpoint


class WebhookEndpointService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def create_endpoint(self, principal: Principal, cmd: CreateEndpoint) -> WebhookEndpoint:
        """Within `webhooks.endpoints.max`; the answer is the only one that shows the secret
        besides a rotation's."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.WEBHOOKS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            now = self._deps.clock.now()
            await require(self._deps.entitlements, tx, access.tenant, "webhooks", now)
            await require_capacity(
                self._deps.entitlements,
                tx,
                access.tenant,
                "webhooks.endpoints.max",
                now,
                ids=self._deps.ids,
            )
            endpoint = WebhookEndpoint(
                id=WebhookEndpointId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                url=cmd.url,
                event_types=cmd.event_types,
                secret=new_signing_secret(),
                created_at=now,
                updated_at=now,
                description=cmd.description,
                enabled=cmd.enabled,
            )
            await tx.webhook_endpoints.add(endpoint)
            await self._audit(tx, principal, "webhook_endpoint.created", endpoint)
            await tx.commit()
        return endpoint

    async def get_endpoint(
        self, principal: Principal, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> WebhookEndpoint:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            return await endpoint_of(tx, tenant_id, endpoint_id)

    async def list_endpoints(
        self, principal: Principal, tenant_id: TenantId, page: PageRequest
    ) -> Page[WebhookEndpoint]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            rows = await tx.webhook_endpoints.list(tenant_id, page)
        return Page.from_rows(rows, page, _position)

    async def update_endpoint(self, principal: Principal, cmd: UpdateEndpoint) -> WebhookEndpoint:
        """Change some fields. Turning an endpoint on again needs the `webhooks` feature."""
        changes = dict(cmd.changes)
        if "event_types" in changes:
            changes["event_types"] = event_types_of(changes["event_types"])
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(principal, Permission.WEBHOOKS_MANAGE, cmd.tenant_id, tx)
            endpoint = await endpoint_of(tx, cmd.tenant_id, cmd.endpoint_id)
            check_version(cmd.version, endpoint.version, "webhook endpoint", endpoint.id)
            now = self._deps.clock.now()
            if changes.get("enabled") is True and not endpoint.enabled:
                await require(self._deps.entitlements, tx, access.tenant, "webhooks", now)
            diff = apply_changes(endpoint, changes, now)
            if diff.get("enabled", {}).get("to") is True:
                endpoint.enable()  # its failures so far are forgotten
            if "url" in diff:  # as the other entries: the host, not a token in the query
                moved = diff["url"]
                diff["url"] = {
                    "from": url_host(moved["from"]),
                    "to": url_host(moved["to"]),
                }
            if diff:
                await tx.webhook_endpoints.save(endpoint)
                await self._deps.audit(
                    tx,
                    principal,
                    "webhook_endpoint.updated",
                    "webhook_endpoint",
                    endpoint.id,
                    tenant_id=cmd.tenant_id,
                    changes=diff,
                )
                await tx.commit()
        return endpoint

    async def rotate_secret(
        self,
        principal: Principal,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        overlap: timedelta = DEFAULT_ROTATION_OVERLAP,
    ) -> WebhookEndpoint:
        """A new secret signs from now on; the one it replaces also signs for `overlap`, so
        that the receiver can move to the new one without refusing a delivery."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            endpoint = await endpoint_of(tx, tenant_id, endpoint_id)
            endpoint.rotate_secret(new_signing_secret(), self._deps.clock.now(), overlap)
            await tx.webhook_endpoints.save(endpoint)
            await self._deps.audit(
                tx,
                principal,
                "webhook_endpoint.secret_rotated",
                "webhook_endpoint",
                endpoint.id,
                tenant_id=tenant_id,
                changes={"overlap_seconds": int(overlap.total_seconds())},
            )
            await tx.commit()
        return endpoint

    async def delete_endpoint(
        self, principal: Principal, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            endpoint = await endpoint_of(tx, tenant_id, endpoint_id)
            await tx.webhook_endpoints.remove(endpoint)
            await self._audit(tx, principal, "webhook_endpoint.deleted", endpoint)
            await tx.commit()

    async def list_deliveries(
        self,
        principal: Principal,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        status: DeliveryStatus | None,
        page: PageRequest,
    ) -> Page[WebhookDelivery]:
        """The endpoint's deliveries, newest first."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            await endpoint_of(tx, tenant_id, endpoint_id)
            rows = await tx.deliveries.list(tenant_id, endpoint_id, status, page)
        return Page.from_rows(rows, page, _delivery_position)

    async def get_delivery(
        self,
        principal: Principal,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        delivery_id: WebhookDeliveryId,
    ) -> tuple[WebhookDelivery, list[DeliveryAttempt]]:
        """The delivery with every attempt made for it, oldest first."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            delivery = await _delivery_of(tx, tenant_id, endpoint_id, delivery_id)
            return delivery, await tx.deliveries.attempts(tenant_id, delivery_id)

    async def retry_delivery(
        self,
        principal: Principal,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        delivery_id: WebhookDeliveryId,
    ) -> WebhookDelivery:
        """Made again at once, whatever became of it (a delivered event is sent once more,
        with its id, for the receiver to deduplicate). The endpoint must be enabled."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            endpoint = await endpoint_of(tx, tenant_id, endpoint_id)
            _require_enabled(endpoint)
            delivery = await _delivery_of(tx, tenant_id, endpoint_id, delivery_id)
            delivery.retry(self._deps.clock.now())
            await tx.deliveries.save(delivery)
            await self._deps.audit(
                tx,
                principal,
                "webhook_delivery.retried",
                "webhook_delivery",
                delivery.id,
                tenant_id=tenant_id,
                changes={"endpoint_id": str(endpoint_id), "event_id": str(delivery.event_id)},
            )
            await tx.commit()
        return delivery

    async def replay(
        self,
        principal: Principal,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        since: datetime,
    ) -> int:
        """A new delivery to the endpoint of every event since `since` (at most
        MAX_REPLAYED, the oldest first) of a type it wants, due at once; how many."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.WEBHOOKS_MANAGE, tenant_id, tx)
            endpoint = await endpoint_of(tx, tenant_id, endpoint_id)
            _require_enabled(endpoint)
            now = self._deps.clock.now()
            events = await tx.events.since(tenant_id, since, endpoint.event_types, MAX_REPLAYED)
            for event in events:
                await tx.deliveries.add(
                    WebhookDelivery(
                        id=WebhookDeliveryId(self._deps.ids.new()),
                        tenant_id=tenant_id,
                        endpoint_id=endpoint_id,
                        event_id=event.id,
                        event_type=event.type,
                        created_at=now,
                        subject_id=event.subject_id,
                        next_attempt_at=now,
                    )
                )
            await self._deps.audit(
                tx,
                principal,
                "webhook_endpoint.replayed",
                "webhook_endpoint",
                endpoint_id,
                tenant_id=tenant_id,
                changes={"since": since.isoformat(), "events": len(events)},
            )
            await tx.commit()
        return len(events)

    async def _audit(
        self, tx: UnitOfWork, principal: Principal, action: str, endpoint: WebhookEndpoint
    ) -> None:
        # The URL may carry a token of the receiver's in its query: the host is enough here.
        await self._deps.audit(
            tx,
            principal,
            action,
            "webhook_endpoint",
            endpoint.id,
            tenant_id=endpoint.tenant_id,
            changes={
                "host": url_host(endpoint.url),
                "event_types": sorted(t.value for t in endpoint.event_types),
            },
        )
