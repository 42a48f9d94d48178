"""The Cloud API client: one POST per message to `{graph_base}/{phone_number_id}/messages`, errors mapped to
throttling, the 24-hour window, or a plain failure."""

from __future__ import annotations

from typing import Any

import aiohttp

THROTTLING_CODES = frozenset({4, 80007, 130429, 131048, 131056})
OUTSIDE_WINDOW_CODE = 131047


class GraphError(Exception):
    def __init__(self, code: int, title: str, status: int) -> None:
        super().__init__(f"{code}: {title}")
        self.code = code
        self.title = title
        self.status = status


class Throttled(GraphError):
    """Rate or spam limits: back off and try again later."""


class OutsideWindow(GraphError):
    """131047: more than 24 hours since the user wrote; only a template may be sent."""


def recipient_fields(user_key: str) -> dict[str, str]:
    return {"to": user_key} if user_key.isdigit() else {"recipient": user_key}


class WhatsAppClient:
    def __init__(self, graph_base: str, phone_number_id: str, token: str) -> None:
        self.url = f"{graph_base.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    async def send(self, user_key: str, message: dict[str, Any]) -> str:
        """Send one message; the platform's message id. Raises Throttled, OutsideWindow or GraphError."""
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            **recipient_fields(user_key),
            **message,
        }
        http = await self._http()
        async with http.post(self.url, json=body, headers=self._headers) as response:
            data = await response.json(content_type=None)
            if response.status >= 400 or "error" in data:
                error = data.get("error", {}) if isinstance(data, dict) else {}
                code = int(error.get("code", 0) or 0)
                title = str(error.get("title") or error.get("message") or "error")[:200]
                if code in THROTTLING_CODES or response.status == 429:
                    raise Throttled(code, title, response.status)
                if code == OUTSIDE_WINDOW_CODE:
                    raise OutsideWindow(code, title, response.status)
                raise GraphError(code, title, response.status)
            return str(data["messages"][0]["id"])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
