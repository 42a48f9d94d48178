"""The dashboard's aiohttp sub-application: templates, security headers, the session cookie and CSRF.

Mounted under /dasbor on the service's app (`register`). Every page needs a live session, except the
login link itself; every POST needs the session's CSRF token. Responses carry a CSP that allows no script
at all (the dashboard has none), forbid framing, and send no referrer (the login link is in the URL).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.bootstrap import App
from sigap_core.dashboard import FiguresCache, Viewer, csrf_valid, viewer_for
from sigap_core.i18n import Translator, normalise_language

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PREFIX = "/dasbor"
COOKIE = "sigap_dasbor"
APP_KEY = web.AppKey("sigap_app", App)
CACHE_KEY = web.AppKey("sigap_figures", FiguresCache)
VIEWER = web.RequestKey("sigap_viewer", Viewer)
PUBLIC_PATHS = ("/masuk/", "/static/")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def sigap(request: web.Request) -> App:
    return request.config_dict[APP_KEY]


def viewer(request: web.Request) -> Viewer:
    found: Viewer = request[VIEWER]
    return found


def now() -> datetime:
    return datetime.now(UTC)


def secure_cookies(app: App) -> bool:
    return app.domain.public_url.startswith("https://")


def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """A page in the viewer's language (Indonesian when nobody is signed in)."""
    who: Viewer | None = request.get(VIEWER)
    _ = Translator(who.lang if who else normalise_language(request.query.get("lang")))
    stylesheet = request.app.router["static"].url_for(filename="dasbor.css")
    base = {"_": _, "viewer": who, "prefix": PREFIX, "lang": _.lang, "path": request.path, "stylesheet": stylesheet}
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    return response


def see_other(location: str) -> web.Response:
    """Redirect after a form (303: the browser follows with GET)."""
    return web.Response(status=303, headers={"Location": location})


def message_page(request: web.Request, status: int, title: str, text: str) -> web.Response:
    return render(request, "message.html", {"title": title, "text": text}, status=status)


def not_found(request: web.Request) -> web.Response:
    _ = Translator(viewer(request).lang if VIEWER in request else "id")
    return message_page(request, 404, _("Tidak ditemukan"), _("Halaman itu tidak ada, atau di luar wilayah Anda."))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = not_found(request)
    except web.HTTPMethodNotAllowed:
        response = web.Response(status=405, text="405")
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def require_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the signed-in viewer; refuse pages without a live session and forms without the CSRF token."""
    relative = request.path[len(PREFIX) :]
    if relative.startswith(PUBLIC_PATHS):
        return await handler(request)
    token = request.cookies.get(COOKIE, "")
    app = sigap(request)
    found = None
    if token:
        async with app.store.reader() as uow:
            found = await viewer_for(uow, app.domain, token, now())
    if found is None:
        _ = Translator("id")
        response = message_page(
            request,
            401,
            _("Silakan masuk"),
            _("Sesi Anda sudah berakhir atau belum dimulai. Kirim /dasbor ke bot SIGAP untuk tautan masuk baru."),
        )
        if token:
            response.del_cookie(COOKIE, path=PREFIX)
        return response
    request[VIEWER] = found
    if request.method == "POST":
        form = await request.post()
        submitted = form.get("csrf")
        if not csrf_valid(found, submitted if isinstance(submitted, str) else None):
            _ = Translator(found.lang)
            return message_page(
                request,
                403,
                _("Formulir ditolak"),
                _("Formulir ini tidak sah atau sudah kedaluwarsa. Muat ulang halamannya lalu coba lagi."),
            )
    return await handler(request)


def build(app: App) -> web.Application:
    from bot.dashboard import views_broadcasts, views_data, views_login, views_summary, views_tickets

    dashboard = web.Application(middlewares=[security_headers, require_session])
    dashboard[APP_KEY] = app
    dashboard[CACHE_KEY] = FiguresCache()
    aiohttp_jinja2.setup(
        dashboard,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    for module in (views_login, views_summary, views_broadcasts, views_tickets, views_data):
        module.add_routes(dashboard.router)
    dashboard.router.add_static("/static", HERE / "static", name="static")
    dashboard.cleanup_ctx.append(_warm_figures)
    return dashboard


async def _warm_figures(dashboard: web.Application) -> AsyncIterator[None]:
    app = dashboard[APP_KEY]
    task = asyncio.create_task(dashboard[CACHE_KEY].keep_warm(app.store, app.domain, app.today))
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


class HideLoginTokens(logging.Filter):
    """The access log (INFO, `sigap -v run`) would otherwise keep usable one-time links."""

    TOKEN = re.compile(r"(/dasbor/masuk/)[A-Za-z0-9_\-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/dasbor/masuk/" in record.msg:
            record.msg = self.TOKEN.sub(r"\1…", record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(self.TOKEN.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def register(web_app: web.Application, app: App) -> None:
    """Mount the dashboard under /dasbor on the service's app (the one call bot/web.py makes)."""
    access = logging.getLogger("aiohttp.access")
    if not any(isinstance(f, HideLoginTokens) for f in access.filters):
        access.addFilter(HideLoginTokens())

    async def to_index(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(PREFIX + "/")

    web_app.router.add_get(PREFIX, to_index)
    web_app.add_subapp(PREFIX, build(app))
