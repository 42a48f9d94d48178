"""Signing in with the one-time link, signing out ("Keluar"), and the page language.

Opening the link (GET) only shows a "Masuk" button; the POST uses the token. Chat apps fetch links to
build previews, and a GET that used the token would spend it before the staff member tapped it.
"""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.app import COOKIE, PREFIX, message_page, now, render, secure_cookies, see_other, sigap, viewer
from sigap_core.dashboard import (
    SESSION_LIFETIME,
    LoginRefused,
    login_blocked,
    record_login_failure,
    redeem_login,
)
from sigap_core.i18n import LANGUAGES, Translator


async def login_page(request: web.Request) -> web.StreamResponse:
    return render(request, "login.html", {"token": request.match_info["token"]})


async def login(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    _ = Translator("id")
    address = request.remote or "?"
    moment = now()
    async with app.store.uow() as uow:
        if await login_blocked(uow, app.domain, address, moment):
            return message_page(
                request,
                429,
                _("Terlalu banyak percobaan"),
                _("Terlalu banyak tautan yang salah. Tunggu 15 menit, lalu minta tautan baru dengan /dasbor."),
            )
        try:
            session_token, _staff = await redeem_login(uow, app.domain, request.match_info["token"], moment)
        except LoginRefused as refused:
            await record_login_failure(uow, app.domain, address, moment)
            texts = {
                "used": _("Tautan ini sudah dipakai. Setiap tautan hanya berlaku sekali."),
                "expired": _("Tautan ini sudah kedaluwarsa (berlaku 10 menit)."),
            }
            text = texts.get(refused.code, _("Tautan ini tidak berlaku."))
            return message_page(
                request, 403, _("Tautan tidak berlaku"), text + " " + _("Kirim /dasbor ke bot untuk tautan baru.")
            )
    response = see_other(PREFIX + "/")
    response.set_cookie(
        COOKIE,
        session_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=PREFIX,
        httponly=True,
        secure=secure_cookies(app),
        samesite="Strict",
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    async with app.store.uow() as uow:
        await uow.dashboard.end_session(who.session_id, now())
    _ = Translator(who.lang)
    response = message_page(
        request, 200, _("Anda sudah keluar"), _("Sampai jumpa. Kirim /dasbor ke bot untuk masuk lagi.")
    )
    response.del_cookie(COOKIE, path=PREFIX)
    return response


async def language(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    form = await request.post()
    lang = str(form.get("lang", ""))
    back = str(form.get("back", PREFIX + "/"))
    if lang in LANGUAGES:
        async with app.store.uow() as uow:
            await uow.dashboard.set_language(viewer(request).session_id, lang)
    return see_other(back if back.startswith(PREFIX + "/") else PREFIX + "/")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/masuk/{token}", login_page)
    router.add_post("/masuk/{token}", login)
    router.add_post("/keluar", logout)
    router.add_post("/bahasa", language)
