"""A fake Telegram Bot API server on 127.0.0.1: records every call, serves getUpdates from a queue, and can
be told to fail a method (429 with retry_after, 403 blocked)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "SIGAP", "username": "sigap_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])

    @property
    def markup(self) -> dict[str, Any]:
        raw = self.params.get("reply_markup")
        return json.loads(raw) if isinstance(raw, str) else (raw or {})

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = self.markup.get("inline_keyboard", [])
        return [(b["text"], b["callback_data"]) for row in rows for b in row]


@dataclass
class FakeTelegram:
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _next_update: int = 1
    _message_id: int = 1
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)  # an update to serve, or the server stops
    _closing: bool = False
    base_url: str = ""
    _runner: web.AppRunner | None = None
    # When set, sendMessage beyond this many per second gets 429 with retry_after, like the real server.
    rate_limit: float | None = None
    throttled: int = 0
    _recent: list[float] = field(default_factory=list)
    _redeliveries: list[dict[str, Any]] = field(default_factory=list)

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_sent", self._sent_endpoint)
        app.router.add_get("/_calls", self._calls_endpoint)
        app.router.add_get("/_stats", self._stats_endpoint)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        # A long poll still waiting would hold the server's clean-up for its whole timeout: end it now.
        self._closing = True
        self._arrived.set()
        if self._runner:
            await self._runner.cleanup()

    # Test-side API -------------------------------------------------------------------------

    def fail(
        self, method: str, error_code: int, description: str, retry_after: int | None = None, times: int = 1
    ) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.failures.setdefault(method, []).extend([body] * times)

    def push(self, update: dict[str, Any]) -> int:
        update = {"update_id": self._next_update, **update}
        self._next_update = max(self._next_update, update["update_id"]) + 1
        self.updates.append(update)
        self._arrived.set()
        return int(update["update_id"])

    def redeliver(self, update: dict[str, Any]) -> None:
        """Serve an update again, whatever the bot's offset: what Telegram does with an update whose
        confirmation got lost (a restart, a network error), and what other processes may see too."""
        self._redeliveries.append(update)
        self._arrived.set()

    def sent(self, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "sendmessage" and (chat_id is None or c.chat_id == chat_id)]

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 30.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.sent(chat_id)) < count:
            if time.monotonic() > deadline:
                texts = [c.params.get("text", "")[:60] for c in self.sent(chat_id)]
                raise AssertionError(f"expected {count} messages to {chat_id}, got {len(texts)}: {texts}")
            await asyncio.sleep(0.02)
        return self.sent(chat_id)

    async def wait_sent_total(self, count: int, min_chat_id: int = 0, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while (sent := len([c for c in self.sent() if c.chat_id >= min_chat_id])) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {sent}")
            await asyncio.sleep(0.1)

    # Server side ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        if method == "sendmessage" and self.rate_limit is not None:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.rate_limit:
                self.throttled += 1
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            self._recent.append(now)
        # A throttled call was refused: only accepted calls are recorded (and counted as sent).
        self.calls.append(Call(method, params))
        failures = self.failures.get(method)
        if failures:
            body = failures.pop(0)
            return web.json_response(body, status=body["error_code"])
        if method == "getupdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if method == "getme":
            return web.json_response({"ok": True, "result": BOT_USER})
        if method in ("sendmessage", "editmessagetext"):
            self._message_id += 1
            message = {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            return web.json_response({"ok": True, "result": message})
        return web.json_response({"ok": True, "result": True})

    async def _sent_endpoint(self, _request: web.Request) -> web.Response:
        return web.json_response([{**c.params, "_at": c.at} for c in self.sent()])

    def stats(self, min_chat_id: int = 0, text: str = "") -> dict[str, Any]:
        """What the platform saw (of messages to chats from `min_chat_id` containing `text`): messages
        accepted, distinct (chat, text) pairs, repeats, 429s overall, the time span."""
        sent = [c for c in self.sent() if c.chat_id >= min_chat_id and text in c.params.get("text", "")]
        pairs = Counter((c.chat_id, c.params.get("text", "")) for c in sent)
        return {
            "sent": len(sent),
            "distinct": len(pairs),
            "duplicates": sum(n - 1 for n in pairs.values()),
            "throttled": self.throttled,
            "first": min((c.at for c in sent), default=0.0),
            "last": max((c.at for c in sent), default=0.0),
        }

    async def _stats_endpoint(self, request: web.Request) -> web.Response:
        query = request.query
        return web.json_response(self.stats(int(query.get("min_chat_id", "0")), query.get("text", "")))

    async def _calls_endpoint(self, _request: web.Request) -> web.Response:
        return web.json_response([{"method": c.method, "params": c.params} for c in self.calls])

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 0.5)
        deadline = time.monotonic() + timeout
        while True:
            self._arrived.clear()  # set again by the next push, redelivery or stop
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if self._redeliveries:
                ready, self._redeliveries = [*self._redeliveries, *ready], []
            left = deadline - time.monotonic()
            if ready or left <= 0 or self._closing:
                return ready
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)


def private_message(chat_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    sender = {"id": chat_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}
    message: dict[str, Any] = {
        "message_id": int(time.time() * 1000) % 10**9,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Warga"},
        "from": sender,
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"message": message}


def callback(chat_id: int, data: str) -> dict[str, Any]:
    sender = {"id": chat_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}
    return {
        "callback_query": {
            "id": f"cb{time.monotonic_ns()}",
            "from": sender,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "…",
            },
        }
    }


async def _serve_forever(port_file: str, rate_limit: float | None = None, port: int = 0) -> None:
    """A fake Bot API in its own process, for tests that kill and restart the bot process; with a rate limit,
    it refuses sendMessage beyond that many per second overall (all bot processes together) with 429."""
    server = FakeTelegram(rate_limit=rate_limit)
    await server.start(port)
    with open(port_file, "w") as handle:
        handle.write(server.base_url)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(_serve_forever(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else None))
