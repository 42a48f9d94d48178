"""The staff and admin dashboard under /dasbor (aiohttp + Jinja2, server-rendered, no script).

`register(web_app, app)` mounts it on the service's aiohttp app.
"""

from __future__ import annotations

from bot.dashboard.app import register

__all__ = ["register"]
