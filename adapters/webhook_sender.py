"""Webhook requests to tenants' receivers over HTTP (aiohttp).

The request goes only to an address that was checked: the connector resolves through a
resolver that refuses non-public answers, so a name that resolves to a private address at
the moment of sending is refused even if it resolved elsewhere when the endpoint was made.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Mapping

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from application.ports.webhooks import ReceiverAnswer
from domain.webhooks import literal_address, public_address

EXCERPT_BYTES = 1024
DEFAULT_TIMEOUT_SECONDS = 10.0


class TargetNotAllowed(OSError):
    """The receiver's address is not public, and the sender allows only public ones."""


class _PublicOnly(AbstractResolver):
    def __init__(self) -> None:
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._resolver.resolve(host, port, family)
        for answer in answers:
            if not public_address(ipaddress.ip_address(answer["host"])):
                raise TargetNotAllowed(
                    f"{host} resolves to {answer['host']}, which is not a public address"
                )
        return answers

    async def close(self) -> None:
        await self._resolver.close()


class HttpWebhookSender:
    def __init__(
        self,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        allow_private_targets: bool = False,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._allow_private = allow_private_targets
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            resolver = None if self._allow_private else _PublicOnly()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver, limit=0, force_close=True),
                timeout=self._timeout,
                auto_decompress=False,
                trust_env=False,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            # The closed connections let go of their sockets in the loop's next callbacks: let
            # them run, or a loop stopping right after leaves the sockets to the collector.
            await asyncio.sleep(0)

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> ReceiverAnswer:
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        literal = literal_address(url)
        if literal is not None and not self._allow_private and not public_address(literal):
            return ReceiverAnswer(elapsed(), error=f"{literal} is not a public address")
        try:
            async with self._client().post(
                url, data=body, headers=dict(headers), allow_redirects=False
            ) as response:
                excerpt = await response.content.read(EXCERPT_BYTES)
                status = response.status
        except TimeoutError:
            return ReceiverAnswer(elapsed(), error="no answer within the time bound")
        except aiohttp.ClientConnectorError as error:
            # A refused target comes back here, as the resolver's error.
            return ReceiverAnswer(elapsed(), error=f"could not connect: {error.os_error}")
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as error:
            return ReceiverAnswer(elapsed(), error=f"{type(error).__name__}: {error}"[:500])
        text = excerpt.decode("utf-8", "replace") or None
        problem = None
        if 300 <= status < 400:
            problem = f"the receiver answered {status}: redirects are not followed"
        elif not 200 <= status < 300:
            problem = f"the receiver answered {status}"
        return ReceiverAnswer(elapsed(), status, text, problem)
