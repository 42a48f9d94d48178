"""Ringkasan: program figures of the viewer's scope, each a bar chart by kecamatan or kelurahan with the
numbers beside the bars.

Adding a figure is one entry in METRICS (selection rounds add "Terpilih" and "Daftar tunggu" there once
their statuses exist); the status chart lists every eligibility status found, new ones included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.dashboard.app import CACHE_KEY, PREFIX, not_found, render, sigap, viewer
from bot.dashboard.charts import BarChart, bar_chart
from sigap_core.dashboard import AreaFigures, Summary, summary
from sigap_core.i18n import N_, Translator
from sigap_core.policy import Policy


@dataclass(frozen=True)
class Metric:
    key: str
    title: str  # a gettext message id; `{priority}` and `{eligible}` are the policy's desil limits
    label: str  # shorter, for a bar's label
    value: Callable[[AreaFigures], int]
    tone: str


METRICS: tuple[Metric, ...] = (
    Metric("in_registry", N_("Jumlah orang di registri DTSEN"), N_("Di registri"), lambda a: a.in_registry, "tone-0"),
    Metric(
        "eligible_priority",
        N_("Layak prioritas (desil 1–{priority})"),
        N_("Prioritas (desil 1–{priority})"),
        lambda a: a.eligible_priority,
        "tone-1",
    ),
    Metric(
        "eligible",
        N_("Layak (desil {next}–{eligible})"),
        N_("Layak (desil {next}–{eligible})"),
        lambda a: a.eligible,
        "tone-2",
    ),
    Metric("enrolled", N_("Terdaftar SIGAP"), N_("Terdaftar SIGAP"), lambda a: a.enrolled, "tone-3"),
    Metric(
        "subscribers_telegram",
        N_("Pelanggan pengumuman di Telegram"),
        N_("Pelanggan Telegram"),
        lambda a: a.subscribers["telegram"],
        "tone-4",
    ),
    Metric(
        "subscribers_whatsapp",
        N_("Pelanggan pengumuman di WhatsApp"),
        N_("Pelanggan WhatsApp"),
        lambda a: a.subscribers["whatsapp"],
        "tone-5",
    ),
)

# Eligibility statuses as the dashboard names them (the chat's own wording lives with the chat flows).
STATUS_TITLES = {
    "eligible_priority": N_("Layak prioritas"),
    "eligible": N_("Layak"),
    "enrolled": N_("Terdaftar SIGAP"),
    "selected": N_("Terpilih, belum terdaftar"),
    "waiting_list": N_("Daftar tunggu"),
    "already_covered": N_("Sudah punya BPJS TK lain"),
    "desil_above_limit": N_("Desil di atas batas"),
    "not_informal_worker": N_("Bukan pekerja informal"),
    "not_resident": N_("Bukan warga Kota Bekasi"),
}


def metric_title(_: Translator, metric: Metric, policy: Policy, short: bool = False) -> str:
    return _(metric.label if short else metric.title).format(
        priority=policy.priority_desil_max,
        next=policy.priority_desil_max + 1,
        eligible=policy.eligible_desil_max,
    )


def charts_for(_: Translator, found: Summary, policy: Policy, link: Callable[[str], str | None]) -> list[BarChart]:
    if len(found.rows) == 1:
        # One kelurahan (a staff member's own): one chart with a bar per figure reads better than six
        # charts of one bar each.
        area = found.rows[0]
        tones = {metric.key: metric.tone for metric in METRICS}
        charts = [
            bar_chart(
                "area",
                _("Angka {area}").format(area=area.name),
                [(metric.key, metric_title(_, metric, policy, short=True), metric.value(area)) for metric in METRICS],
                _.number,
                tone=tones.__getitem__,
            )
        ]
    else:
        charts = [
            bar_chart(
                metric.key,
                metric_title(_, metric, policy),
                [(row.code, row.name, metric.value(row)) for row in found.rows],
                _.number,
                href=link,
                tone=metric.tone,
            )
            for metric in METRICS
        ]
    statuses = sorted(found.total.statuses.items(), key=lambda item: -item[1])
    charts.append(
        bar_chart(
            "statuses",
            _("Status kelayakan di {area}").format(area=found.title),
            [(status, _(STATUS_TITLES.get(status, status)), n) for status, n in statuses],
            _.number,
            tone=lambda status: "tone-1" if status.startswith("eligible") else "tone-6",
        )
    )
    return charts


async def overview(request: web.Request) -> web.StreamResponse:
    return await _page(request, None)


async def area(request: web.Request) -> web.StreamResponse:
    return await _page(request, request.match_info["code"])


async def _page(request: web.Request, scope: str | None) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    async with app.store.reader() as uow:
        found = await summary(uow, app.domain, request.config_dict[CACHE_KEY], who.actor, scope, app.today())
    if found is None:
        return not_found(request)
    drill = who.is_admin and len(found.rows) > 1

    def link(code: str) -> str | None:
        return f"{PREFIX}/wilayah/{code}" if drill else None

    budget_share = found.budget_used / found.budget_quota if found.budget_quota else None
    return render(
        request,
        "ringkasan.html",
        {
            "summary": found,
            "charts": charts_for(_, found, app.policy, link),
            "budget_used": _.money(found.budget_used),
            "budget_quota": _.money(found.budget_quota) if found.budget_quota is not None else None,
            "quota_percent": round(100 * found.total.enrolled / found.quota, 1) if found.quota else None,
            "budget_percent": min(100.0, round(100 * budget_share, 1)) if budget_share is not None else None,
            "yearly": _.money(found.yearly_contribution),
            "up": f"{PREFIX}/" if scope else None,
        },
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", overview)
    router.add_get("/wilayah/{code}", area)
