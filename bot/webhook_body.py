"""Reading a webhook's body, the same way on both channels: a size cap, JSON that must be an object, and a
nesting limit, each refused with one WARNING line (never the body itself) instead of a traceback."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# 1 MiB: a real Telegram update or Meta notification is a few kilobytes (a batch of Meta messages a few
# dozen); anything bigger is refused with 413 before it is read, signed or not.
MAX_BODY_BYTES = 1 << 20
# Real payloads nest about 8 levels deep; 32 leaves room for fields not yet known.
MAX_JSON_DEPTH = 32


class Refused(Exception):
    """A request refused before processing: its status and a fixed description (no payload values)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self, channel: str) -> web.Response:
        log.warning("%s webhook: %s; answered %d, nothing processed", channel, self.reason, self.status)
        return web.Response(status=self.status, text=self.reason)


def too_large(request: web.Request) -> Refused | None:
    """A declared body over the cap, known from the headers alone (checked before any secret)."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return Refused(413, f"body over {MAX_BODY_BYTES} bytes")
    return None


async def read_body(request: web.Request) -> bytes:
    """The raw body, at most MAX_BODY_BYTES (a chunked body is cut off at the cap)."""
    refused = too_large(request)
    if refused is not None:
        raise refused
    try:
        return await request.read()  # aiohttp enforces client_max_size (the same cap) on chunked bodies
    except web.HTTPRequestEntityTooLarge as error:
        raise Refused(413, f"body over {MAX_BODY_BYTES} bytes") from error


def nested_too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether containers nest deeper than `limit` (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; Refused(400) for anything else."""
    try:
        value = json.loads(raw)
    except RecursionError as error:
        raise Refused(400, "JSON nested too deeply") from error
    except ValueError as error:  # JSONDecodeError, undecodable bytes, integers over the digit limit
        raise Refused(400, "body is not valid JSON") from error
    if not isinstance(value, dict):
        raise Refused(400, "JSON body is not an object")
    if nested_too_deep(value):
        raise Refused(400, "JSON nested too deeply")
    return value
