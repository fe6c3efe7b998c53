"""The baseline: plain aiohttp and a psycopg pool doing the SQL each scenario needs, nothing more.

No authentication, no layers, no row-level security (it connects as the database's owner),
no access log: what the product's hot paths would cost if they were only their SQL and their
JSON. Reads run in autocommit (one round trip); a webhook is one transaction.

    python bench/raw_server.py --port 8081 --database-url postgresql://…
"""

from __future__ import annotations

import argparse
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from aiohttp import web
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

POOL = web.AppKey("pool", AsyncConnectionPool)

# The columns of the product's CallOut (a list item), then the call detail's own.
SUMMARY_COLUMNS = (
    "id, tenant_id, direction, status, agent_id, lead_id, voice_id, from_number_id, to_number,"
    " caller_number, ended_reason, error, vapi_call_id, cost, call_duration,"
    " batch_id, started_at, ended_at, created_at, updated_at"
)
SUMMARY_NAMES = (
    "id", "tenant_id", "direction", "status", "agent_id", "lead_id", "voice_id",
    "from_number_id", "to_number", "caller_number", "ended_reason", "error", "vapi_call_id",
    "cost", "call_duration", "batch_id", "started_at", "ended_at", "created_at", "updated_at",
)  # fmt: skip
DETAIL_COLUMNS = (
    SUMMARY_COLUMNS
    + ", transcription, recording_url, summary, analysis, cost_breakdown, metadata, vapi_data,"
    " version"
)
DETAIL_NAMES = (
    "transcription", "recording_url", "summary", "analysis", "cost_breakdown", "metadata",
    "vapi_data", "version",
)  # fmt: skip

CALL_BY_ID = f"SELECT {DETAIL_COLUMNS} FROM voice_calls WHERE tenant_id = %s AND id = %s"
NEWEST_CALLS = (
    f"SELECT {SUMMARY_COLUMNS} FROM voice_calls WHERE tenant_id = %s"
    " ORDER BY created_at DESC, id DESC LIMIT %s"
)
NEWEST_LEAD_CALLS = (
    f"SELECT {SUMMARY_COLUMNS} FROM voice_calls WHERE tenant_id = %s AND lead_id = %s"
    " ORDER BY created_at DESC, id DESC LIMIT %s"
)
PAGE_SIZE = 50

STORE_MESSAGE = """
INSERT INTO webhook_events (id, provider, dedupe_key, type, vapi_call_id, tenant_id, payload,
    received_at, processed_at)
SELECT gen_random_uuid(), 'vapi', %(key)s, %(type)s, %(vapi_id)s::varchar,
    (SELECT tenant_id FROM voice_calls WHERE vapi_call_id = %(vapi_id)s::varchar),
    %(payload)s::jsonb,
    %(now)s, %(now)s
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""
STATUS_UPDATE = """
UPDATE voice_calls SET status = %(status)s, updated_at = greatest(updated_at, %(at)s),
    version = version + 1
WHERE vapi_call_id = %(vapi_id)s
"""
CONVERSATION_UPDATE = """
UPDATE voice_calls SET updated_at = greatest(updated_at, %(at)s), version = version + 1
WHERE vapi_call_id = %(vapi_id)s
"""
REPORT = """
UPDATE voice_calls SET status = 'ended', ended_reason = %(reason)s, started_at = %(started)s,
    ended_at = %(ended)s, transcription = %(transcription)s::jsonb, recording_url = %(recording)s,
    summary = %(summary)s, analysis = %(analysis)s::jsonb, cost = %(cost)s,
    cost_breakdown = %(breakdown)s::jsonb, call_duration = %(seconds)s,
    vapi_data = %(record)s::jsonb, updated_at = greatest(updated_at, %(at)s),
    version = version + 1
WHERE vapi_call_id = %(vapi_id)s
RETURNING tenant_id, id, lead_id
"""
USAGE = """
INSERT INTO ai_usage (id, tenant_id, call_id, kind, item_type, provider, model, prompt_tokens,
    completion_tokens, characters, seconds, cost, occurred_at)
VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
LEAD_CONTACTED = """
UPDATE leads SET last_contacted_at = greatest(last_contacted_at, %(at)s), last_call_id = %(call)s,
    status = CASE WHEN status = 'new' THEN 'contacted' ELSE status END,
    updated_at = greatest(updated_at, %(at)s), version = version + 1
WHERE tenant_id = %(tenant)s AND id = %(lead)s
"""
USAGE_KINDS = {
    "transport": "transport",
    "transcriber": "stt",
    "model": "llm",
    "voice": "tts",
    "vapi": "platform",
    "analysis": "analysis",
    "voicemail-detection": "analysis",
}

_encode = msgspec.json.encode


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=_encode(payload), status=status, content_type="application/json")


async def hello(_request: web.Request) -> web.Response:
    return _json({"status": "ok"})


async def get_call(request: web.Request) -> web.Response:
    async with request.app[POOL].connection() as conn:
        cursor = await conn.execute(
            CALL_BY_ID, (request.match_info["tenant_id"], request.match_info["call_id"])
        )
        row = await cursor.fetchone()
    if row is None:
        return _json({"status": 404, "title": "Not Found"}, 404)
    summary = dict(zip(SUMMARY_NAMES, row[: len(SUMMARY_NAMES)], strict=True))
    detail = dict(zip(DETAIL_NAMES, row[len(SUMMARY_NAMES) :], strict=True))
    return _json({"object": "call", **summary, **detail})


# A read under row-level security in one round trip: the transaction, the application role
# and the tenant (both transaction-local, so that a pooled connection never carries them
# further), the SELECT and the COMMIT as one multi-statement query, its values quoted as
# literals (the simple query protocol takes no parameters).
# One simple query is one transaction (an implicit block): the settings hold for the SELECT
# and end with it.
ISOLATED_CALL_BY_ID = sql.SQL(
    "SELECT set_config('role', 'voice_agent_app', true),"
    " set_config('app.tenant_id', {tenant_id}, true); " + CALL_BY_ID.replace("%s", "{}")
)


async def get_call_isolated(request: web.Request) -> web.Response:
    tenant_id, call_id = request.match_info["tenant_id"], request.match_info["call_id"]
    query = ISOLATED_CALL_BY_ID.format(
        sql.Literal(tenant_id), sql.Literal(call_id), tenant_id=sql.Literal(tenant_id)
    )
    async with request.app[POOL].connection() as conn:
        cursor = conn.cursor()
        await cursor.execute(query, prepare=False)
        cursor.nextset()  # past the context
        row = await cursor.fetchone()
    if row is None:
        return _json({"status": 404, "title": "Not Found"}, 404)
    summary = dict(zip(SUMMARY_NAMES, row[: len(SUMMARY_NAMES)], strict=True))
    detail = dict(zip(DETAIL_NAMES, row[len(SUMMARY_NAMES) :], strict=True))
    return _json({"object": "call", **summary, **detail})


def _page(rows: list[tuple[Any, ...]]) -> web.Response:
    items = [dict(zip(SUMMARY_NAMES, row, strict=True)) for row in rows[:PAGE_SIZE]]
    cursor = None
    if len(rows) > PAGE_SIZE:
        last = items[-1]
        cursor = base64.urlsafe_b64encode(
            f"{last['created_at'].isoformat()}|{last['id']}".encode()
        ).decode()
    return _json({"items": items, "next_cursor": cursor})


async def list_calls(request: web.Request) -> web.Response:
    async with request.app[POOL].connection() as conn:
        cursor = await conn.execute(NEWEST_CALLS, (request.match_info["tenant_id"], PAGE_SIZE + 1))
        rows = await cursor.fetchall()
    return _page(rows)


async def lead_calls(request: web.Request) -> web.Response:
    async with request.app[POOL].connection() as conn:
        cursor = await conn.execute(
            NEWEST_LEAD_CALLS,
            (request.match_info["tenant_id"], request.match_info["lead_id"], PAGE_SIZE + 1),
        )
        rows = await cursor.fetchall()
    return _page(rows)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if isinstance(value, int | float) else None
    except InvalidOperation:
        return None


def _usage_rows(
    costs: list[dict[str, Any]], tenant: Any, call: Any, at: datetime
) -> list[tuple[Any, ...]]:
    rows = []
    for item in costs:
        item_type = str(item.get("type") or "unknown")
        nested = item.get({"transcriber": "transcriber", "voice": "voice"}.get(item_type, "model"))
        nested = nested if isinstance(nested, dict) else {}
        minutes = item.get("minutes")
        rows.append(
            (
                tenant,
                call,
                USAGE_KINDS.get(item_type, "other"),
                item_type,
                nested.get("provider") or item.get("provider"),
                nested.get("model") or nested.get("voiceId"),
                item.get("promptTokens"),
                item.get("completionTokens"),
                item.get("characters"),
                round(minutes * 60) if isinstance(minutes, int | float) else None,
                _money(item.get("cost")) or Decimal(0),
                at,
            )
        )
    return rows


async def webhook(request: web.Request) -> web.Response:
    body = await request.read()
    try:
        message = msgspec.json.decode(body)["message"]
        kind = str(message["type"])
    except (msgspec.DecodeError, KeyError, TypeError):
        return _json({"status": 400, "title": "Bad Request"}, 400)
    call = message.get("call") or {}
    vapi_id = call.get("id")
    now = datetime.now(UTC)
    stamp = message.get("timestamp")
    at = datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int | float) else now
    if kind == "status-update":
        key = f"{kind}:{vapi_id}:{message.get('status')}:{message.get('endedReason') or ''}"
    elif kind == "end-of-call-report":
        key = f"{kind}:{vapi_id}"
    else:
        key = f"{kind}:{vapi_id}:{stamp}"
    async with request.app[POOL].connection() as conn, conn.transaction():
        stored = await conn.execute(
            STORE_MESSAGE,
            {"key": key, "type": kind, "vapi_id": vapi_id, "payload": body.decode(), "now": now},
        )
        if await stored.fetchone() is None:
            return _json({"received": True, "duplicate": True})
        if kind == "status-update":
            await conn.execute(
                STATUS_UPDATE, {"status": message.get("status"), "at": at, "vapi_id": vapi_id}
            )
        elif kind == "end-of-call-report":
            await _report(conn, message, call, vapi_id, at)
        else:
            await conn.execute(CONVERSATION_UPDATE, {"at": at, "vapi_id": vapi_id})
    return _json({"received": True})


async def _report(
    conn: Any, message: dict[str, Any], call: dict[str, Any], vapi_id: Any, at: datetime
) -> None:
    artifact = message.get("artifact") or {}
    analysis = message.get("analysis") or {}
    started, ended = _instant(message.get("startedAt")), _instant(message.get("endedAt"))
    recording = ((artifact.get("recording") or {}).get("mono") or {}).get("combinedUrl")
    updated = await conn.execute(
        REPORT,
        {
            "reason": message.get("endedReason"),
            "started": started,
            "ended": ended,
            "transcription": _encode(
                {"text": artifact.get("transcript") or "", "messages": artifact.get("messages")}
            ).decode(),
            "recording": recording,
            "summary": analysis.get("summary"),
            "analysis": _encode(analysis).decode(),
            "cost": _money(message.get("cost")),
            "breakdown": _encode(call.get("costBreakdown")).decode(),
            "seconds": round((ended - started).total_seconds()) if started and ended else None,
            "record": _encode(call).decode(),
            "at": at,
            "vapi_id": vapi_id,
        },
    )
    row = await updated.fetchone()
    if row is None:
        return
    tenant, call_id, lead = row
    costs = message.get("costs") or []
    async with conn.cursor() as cursor:
        await cursor.executemany(USAGE, _usage_rows(costs, tenant, call_id, ended or at))
    if lead is not None:
        await conn.execute(
            LEAD_CONTACTED, {"at": ended or at, "call": call_id, "tenant": tenant, "lead": lead}
        )


def create_app(database_url: str, pool_size: int) -> web.Application:
    app = web.Application()

    async def pool(app: web.Application) -> AsyncIterator[None]:
        # As many connections as the product may hold: the pool size, and as many again
        # under load (psycopg_pool keeps them for ten idle minutes).
        connections = AsyncConnectionPool(
            database_url,
            min_size=pool_size,
            max_size=pool_size * 2,
            kwargs={"autocommit": True},
            open=False,
        )
        await connections.open(wait=True, timeout=30)
        app[POOL] = connections
        yield
        await connections.close()

    app.cleanup_ctx.append(pool)
    app.router.add_get("/hello", hello)
    app.router.add_get("/tenants/{tenant_id}/calls/{call_id}", get_call)
    app.router.add_get("/isolated/tenants/{tenant_id}/calls/{call_id}", get_call_isolated)
    app.router.add_get("/tenants/{tenant_id}/calls", list_calls)
    app.router.add_get("/tenants/{tenant_id}/leads/{lead_id}/calls", lead_calls)
    app.router.add_post("/webhook", webhook)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pool-size", type=int, default=10)
    args = parser.parse_args()
    web.run_app(
        create_app(args.database_url, args.pool_size),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
