"""`sigap run` as a real process for the resilience tests: its environment, its log, its /healthz."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from tests.conftest import TELEGRAM_TOKEN, TEST_SECRET
from tests.e2e.whatsapp_driver import APP_SECRET, sign

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "hook-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(
    tmp_path: Path,
    database_url: str,
    *,
    telegram_base: str | None = None,
    webhook: bool = False,
    graph_base: str | None = None,
    **extra: str,
) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("SIGAP_")
    }  # nothing from the caller's own settings
    env.update(
        SIGAP_SECRET_KEY=TEST_SECRET,
        SIGAP_DATABASE_URL=database_url,
        SIGAP_VAR_DIR=str(tmp_path / "var"),
        SIGAP_HTTP_PORT=str(free_port()),
        SIGAP_RETRY_MAX_SECONDS="1",
    )
    if telegram_base:
        env.update(SIGAP_TELEGRAM_TOKEN=TELEGRAM_TOKEN, SIGAP_TELEGRAM_API_BASE=telegram_base)
        if webhook:
            env.update(
                SIGAP_TELEGRAM_WEBHOOK_URL="https://bot.example.invalid/webhooks/telegram",
                SIGAP_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            )
    if graph_base:
        env.update(
            SIGAP_WHATSAPP_TOKEN="wa-token",
            SIGAP_WHATSAPP_PHONE_NUMBER_ID="106540352242922",
            SIGAP_WHATSAPP_APP_SECRET=APP_SECRET,
            SIGAP_WHATSAPP_VERIFY_TOKEN="verify-me",
            SIGAP_WHATSAPP_GRAPH_BASE=graph_base,
        )
    env.update(extra)
    return env


@dataclass
class Service:
    """One `sigap run` process; its stderr goes to a file the test can read."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    runs: int = field(default=0)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.env['SIGAP_HTTP_PORT']}"

    def start(self) -> Service:
        self.runs += 1
        handle = self.log_path.open("ab")
        handle.write(f"--- run {self.runs}\n".encode())
        handle.flush()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], env=self.env, cwd=ROOT, stdout=handle, stderr=handle
        )
        handle.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.wait(30)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.wait(10)

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with ClientSession(timeout=ClientTimeout(total=10)) as http, http.get(self.base + "/healthz") as r:
            return r.status, await r.json()

    async def up(self, timeout: float = 60) -> tuple[int, dict[str, Any]]:
        """Wait until the HTTP server answers /healthz."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.alive(), self.log()[-3000:]
            try:
                return await self.health()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    async def post_whatsapp(self, http: ClientSession, payload: dict[str, Any]) -> int:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
        async with http.post(self.base + "/webhooks/whatsapp", data=body, headers=headers) as response:
            return response.status

    async def post_telegram(self, http: ClientSession, update: dict[str, Any]) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with http.post(self.base + "/webhooks/telegram", json=update, headers=headers) as response:
            return response.status


async def eventually(check: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll `check()` (sync or async) until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what}")
        await asyncio.sleep(interval)
