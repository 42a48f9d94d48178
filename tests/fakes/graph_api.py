"""A fake WhatsApp Cloud (Graph) API on 127.0.0.1: records every sent message and can fail on demand."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeGraph:
    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    first_arrival: dict[str, float] = field(default_factory=dict)  # user → wall-clock time of the first message
    delay: float = 0.0  # seconds each send takes, for tests that need sends in flight
    base_url: str = ""
    _counter: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{version}/{phone_id}/messages", self._messages)
        app.router.add_get("/_arrivals", self._arrivals)
        app.router.add_get("/_counts", self._counts)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/v25.0"
        return self.base_url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def fail(self, code: int, title: str, status: int = 400, times: int = 1) -> None:
        body = {"error": {"message": title, "type": "OAuthException", "code": code, "title": title, "fbtrace_id": "x"}}
        self.failures.extend([{"status": status, "body": body}] * times)

    def to(self, user_key: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m.get("to") == user_key or m.get("recipient") == user_key]

    def texts(self, user_key: str) -> list[str]:
        found = []
        for message in self.to(user_key):
            if message["type"] == "text":
                found.append(message["text"]["body"])
            elif message["type"] == "interactive":
                found.append(message["interactive"]["body"]["text"])
            elif message["type"] == "template":
                found.append(message["template"]["components"][0]["parameters"][0]["text"])
        return found

    async def wait(self, user_key: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.to(user_key)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages to {user_key}, got {self.texts(user_key)}")
            await asyncio.sleep(0.02)
        return self.to(user_key)

    async def _arrivals(self, _request: web.Request) -> web.Response:
        return web.json_response(self.first_arrival)

    async def _counts(self, _request: web.Request) -> web.Response:
        """Messages sent per recipient (to see that a webhook delivered twice was answered once)."""
        counts: dict[str, int] = {}
        for message in self.sent:
            recipient = str(message.get("to") or message.get("recipient"))
            counts[recipient] = counts.get(recipient, 0) + 1
        return web.json_response(counts)

    async def _messages(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if request.headers.get("Authorization") != "Bearer wa-token":
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth access token"}}, status=401)
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            failure = self.failures.pop(0)
            return web.json_response(failure["body"], status=failure["status"])
        self.sent.append(body)
        self._counter += 1
        recipient = body.get("to") or body.get("recipient")
        self.first_arrival.setdefault(str(recipient), time.time())
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                # The v24.0+ shape: `message_status` on the message; no `wa_id` for a business-scoped send.
                "contacts": [{"input": recipient, **({"wa_id": recipient} if "to" in body else {})}],
                "messages": [{"id": f"wamid.TEST{self._counter:06d}", "message_status": "accepted"}],
            }
        )


async def _serve_forever(port_file: str) -> None:
    graph = FakeGraph()
    base = await graph.start()
    with open(port_file, "w") as handle:
        handle.write(base)
    await asyncio.Event().wait()


if __name__ == "__main__":  # a fake Graph API in its own process (benchmarks)
    import sys

    asyncio.run(_serve_forever(sys.argv[1]))
