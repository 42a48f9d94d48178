"""Graph API versions and the dates Meta retires them: after its expiry date every WhatsApp send on that
version fails, so `sigap run` warns ahead of time.

Source: Meta's "Graph API versions" table, https://developers.facebook.com/docs/graph-api/changelog/versions/
(read 1 December 2026; v26.0, released 29 July 2026, had no expiry date yet). Meta publishes a version's
expiry date when the version two releases later comes out; add a row then.
"""

from __future__ import annotations

import logging
import re
from datetime import date

log = logging.getLogger(__name__)

# The version the default SIGAP_WHATSAPP_GRAPH_BASE (sigap_core/config.py) uses.
RECOMMENDED = "v25.0"
WARN_DAYS = 60

EXPIRES: dict[str, date] = {
    "v16.0": date(2025, 5, 14),
    "v17.0": date(2025, 9, 12),
    "v18.0": date(2026, 1, 26),
    "v19.0": date(2026, 5, 21),
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
}

_VERSION = re.compile(r"/(v\d+\.\d+)(?:/|$)")


def graph_version(graph_base: str) -> str | None:
    """The `vNN.N` segment of a Graph base URL, or None when the URL carries no version."""
    found = _VERSION.search(graph_base.rstrip("/"))
    return found.group(1) if found else None


def expiry_warning(graph_base: str, today: date) -> str | None:
    """The operator's warning when the configured version expires within WARN_DAYS or has expired."""
    version = graph_version(graph_base)
    if version is None:
        return (
            "SIGAP_WHATSAPP_GRAPH_BASE has no API version (…/vNN.N): Meta then applies the app's oldest "
            "version, which may expire without notice"
        )
    expires = EXPIRES.get(version)
    if expires is None:
        return None
    days = (expires - today).days
    if days < 0:
        return (
            f"Graph API {version} expired on {expires.isoformat()}: WhatsApp sends fail; "
            f"move SIGAP_WHATSAPP_GRAPH_BASE to {RECOMMENDED} or newer"
        )
    if days <= WARN_DAYS:
        return (
            f"Graph API {version} expires on {expires.isoformat()} (in {days} days): after that WhatsApp "
            f"sends fail; move SIGAP_WHATSAPP_GRAPH_BASE to {RECOMMENDED} or newer"
        )
    return None


def warn_if_expiring(graph_base: str, today: date) -> None:
    message = expiry_warning(graph_base, today)
    if message is not None:
        log.warning("%s", message)
    elif graph_version(graph_base) not in EXPIRES:
        log.info("Graph API %s: no expiry date known yet", graph_version(graph_base))
