"""The staff dashboard's use cases: one-time login links from the chat, browser sessions, and the program
figures its pages chart. No web library here; bot/dashboard/ is the web edge.

A link token and a session token are random (32 bytes, URL-safe); only their HMACs are stored, so a copy
of the database cannot sign anyone in. Scope is the chat's (sigap_core.broadcasts.Actor).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sigap_core.broadcasts import Actor, actor_for
from sigap_core.coverage import Participation, Skema
from sigap_core.eligibility import Facts, RegistryPerson, Status, decide, is_resident
from sigap_core.services import Domain
from sigap_core.store import models
from sigap_core.store.dashboard import GroupRow, LoginRefused
from sigap_core.store.repositories import Store, UnitOfWork
from sigap_core.wilayah import Kelurahan

log = logging.getLogger(__name__)

LOGIN_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
LOGIN_PATH = "/dasbor/masuk/"
# Bad-token login attempts: per client address, and for the whole service (a spread-out guessing run).
FAILURES_PER_ADDRESS = 10
FAILURES_ADDRESS_WINDOW = timedelta(minutes=15)
FAILURES_GLOBAL = 300
FAILURES_GLOBAL_WINDOW = timedelta(hours=1)
RATE_SCOPE = "dasbor_login"

__all__ = ["LoginRefused"]


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: the signed-in staff member, their scope, language and CSRF token."""

    session_id: int
    staff_id: int
    actor: Actor
    lang: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.actor.is_admin


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def create_login_link(uow: UnitOfWork, domain: Domain, staff: models.Staff, lang: str, now: datetime) -> str:
    """A link valid for 10 minutes and one use, on SIGAP_PUBLIC_URL."""
    token = new_token()
    await uow.dashboard.add_login(domain.hasher.token("dasbor-login", token), staff.id, lang, now, LOGIN_LIFETIME)
    return domain.public_url.rstrip("/") + LOGIN_PATH + token


async def login_blocked(uow: UnitOfWork, domain: Domain, address: str, now: datetime) -> bool:
    """True when this address, or the service as a whole, had too many bad-token attempts lately."""
    subject = _address_subject(domain, address)
    if await uow.rates.count(RATE_SCOPE, subject, now - FAILURES_ADDRESS_WINDOW) >= FAILURES_PER_ADDRESS:
        return True
    return await uow.rates.count(RATE_SCOPE, "*", now - FAILURES_GLOBAL_WINDOW) >= FAILURES_GLOBAL


async def record_login_failure(uow: UnitOfWork, domain: Domain, address: str, now: datetime) -> None:
    await uow.rates.add(RATE_SCOPE, _address_subject(domain, address), now)
    await uow.rates.add(RATE_SCOPE, "*", now)


def _address_subject(domain: Domain, address: str) -> str:
    return domain.hasher.token("dasbor-address", address).hex()[:40]  # no client address kept in clear


async def redeem_login(uow: UnitOfWork, domain: Domain, token: str, now: datetime) -> tuple[str, models.Staff]:
    """Use a link: a new session token (for the cookie) and its staff member. Raises LoginRefused."""
    login = await uow.dashboard.claim_login(domain.hasher.token("dasbor-login", token), now)
    staff = await uow.dashboard.active_staff(login.staff_id)
    if staff is None:
        raise LoginRefused("unknown")
    session_token = new_token()
    await uow.dashboard.add_session(
        domain.hasher.token("dasbor-session", session_token), staff.id, login.lang, now, SESSION_LIFETIME
    )
    return session_token, staff


async def viewer_for(uow: UnitOfWork, domain: Domain, session_token: str, now: datetime) -> Viewer | None:
    found = await uow.dashboard.session_of(domain.hasher.token("dasbor-session", session_token), now)
    if found is None:
        return None
    session, staff = found
    return Viewer(session.id, staff.id, actor_for(staff), session.lang, csrf_token(domain, session_token))


def csrf_token(domain: Domain, session_token: str) -> str:
    """Bound to the session (derived, so nothing more is stored); forms carry it in a hidden field."""
    return domain.hasher.token("dasbor-csrf", session_token).hex()


def csrf_valid(viewer: Viewer, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(viewer.csrf.encode(), (submitted or "").encode())


# Figures ----------------------------------------------------------------------------------------


@dataclass
class AreaFigures:
    """Registry and program figures of one area (kelurahan, kecamatan or the city)."""

    code: str
    name: str
    in_registry: int = 0
    eligible_priority: int = 0
    eligible: int = 0
    enrolled: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    subscribers: Counter[str] = field(default_factory=Counter)  # by channel

    def add(self, other: AreaFigures) -> None:
        self.in_registry += other.in_registry
        self.eligible_priority += other.eligible_priority
        self.eligible += other.eligible
        self.enrolled += other.enrolled
        self.statuses.update(other.statuses)
        self.subscribers.update(other.subscribers)


@dataclass
class Summary:
    """What Ringkasan shows for one scope: the rows of its charts, their total, and the money."""

    title: str
    rows: list[AreaFigures]
    total: AreaFigures
    quota: int | None  # the city's quota: shown to admins (it is not split by kelurahan)
    yearly_contribution: int

    @property
    def budget_used(self) -> int:
        return self.total.enrolled * self.yearly_contribution

    @property
    def budget_quota(self) -> int | None:
        return self.quota * self.yearly_contribution if self.quota is not None else None


class FiguresCache:
    """Registry figures per kelurahan, computed once per registry snapshot and day.

    Grouping a million-row registry takes seconds; the figures change only when an import swaps a snapshot
    in (its run id is the key, read on every request, so an import by another process is seen at once) or
    the date moves (coverage ends). Subscribers are counted live: they change all day and are cheap.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._figures: dict[str, AreaFigures] = {}
        self._lock = asyncio.Lock()

    async def kelurahan_figures(self, uow: UnitOfWork, domain: Domain, today: date) -> dict[str, AreaFigures]:
        key = (await uow.dashboard.snapshot_key(), today)
        if key == self._key:
            return self._figures
        async with self._lock:
            if key != self._key:
                started = time.perf_counter()
                self._figures = await registry_figures(uow, domain, today)
                self._key = key
                log.info("dashboard figures: %d kelurahan in %.1f s", len(self._figures), time.perf_counter() - started)
        return self._figures

    async def keep_warm(self, store: Store, domain: Domain, today: Callable[[], date], every: float = 60.0) -> None:
        """Fill the cache at start and after every import or change of date, so that a viewer rarely waits
        for the grouping; runs until cancelled."""
        while True:
            try:
                async with store.reader() as uow:
                    await self.kelurahan_figures(uow, domain, today())
            except Exception:
                log.exception("dashboard figures could not be computed; retrying")
            await asyncio.sleep(every)


async def registry_figures(uow: UnitOfWork, domain: Domain, today: date) -> dict[str, AreaFigures]:
    """Per kelurahan code (codes outside the city included): the same pure `decide` as a single check,
    run once per group of identical facts, so the figures never disagree with the chat. The tally runs on a
    worker thread too: tens of thousands of groups would otherwise hold the event loop for a second."""
    groups = await uow.dashboard.registry_groups(today)
    return await asyncio.to_thread(tally_groups, groups, domain, today)


def tally_groups(groups: list[GroupRow], domain: Domain, today: date) -> dict[str, AreaFigures]:
    far_future = date(9999, 12, 31)
    figures: dict[str, AreaFigures] = {}
    # A decision depends on the kelurahan only through residence, so one per (resident, desil, pekerjaan,
    # coverage) serves all 56 kelurahan.
    decided: dict[tuple[bool, int, str, bool, bool], Status] = {}
    for kode, desil, pekerjaan, sigap, other, count in groups:
        key = (is_resident(kode, domain.wilayah), desil, pekerjaan, sigap, other)
        status = decided.get(key)
        if status is None:
            participations = []
            if sigap:
                participations.append(Participation("", Skema.SIGAP, (), today, far_future, True))
            if other:
                participations.append(Participation("", Skema.LAINNYA, (), today, far_future, True))
            facts = Facts(RegistryPerson("", kode, desil, pekerjaan), participations)
            status = decided[key] = decide(facts, domain.policy, domain.wilayah, today).status
        area = figures.get(kode)
        if area is None:
            place = domain.wilayah.get(kode)
            area = figures[kode] = AreaFigures(kode, place.name if place else kode)
        area.in_registry += count
        area.statuses[status.value] += count
        if status is Status.ELIGIBLE_PRIORITY:
            area.eligible_priority += count
        elif status is Status.ELIGIBLE:
            area.eligible += count
        elif status is Status.ENROLLED:
            area.enrolled += count
    return figures


def _copy(area: AreaFigures) -> AreaFigures:
    copy = AreaFigures(area.code, area.name)
    copy.add(area)
    return copy


async def summary(
    uow: UnitOfWork, domain: Domain, cache: FiguresCache, actor: Actor, scope: str | None, today: date
) -> Summary | None:
    """Figures for `scope`: None = the viewer's own (the city for admins, their kelurahan for staff), a
    kecamatan code (admins: its kelurahan), or a kelurahan code. None when out of the viewer's scope or
    unknown — the caller answers 404 for both, so nothing leaks."""
    wilayah = domain.wilayah
    if scope is None:
        scope = "" if actor.is_admin else actor.kode_kelurahan
    if scope is None:
        return None
    kelurahan_figures = await cache.kelurahan_figures(uow, domain, today)
    places: list[Kelurahan]
    if scope == "":
        if not actor.is_admin:
            return None
        title = "Kota Bekasi"
        places = list(wilayah.kelurahan)
    elif (kecamatan := next((k for k in wilayah.kecamatan if k.code == scope), None)) is not None:
        if not actor.is_admin:
            return None
        title = kecamatan.name
        places = wilayah.kelurahan_of(kecamatan)
    else:
        place = wilayah.get(scope)
        if place is None or not actor.may_act_on(place.code):
            return None
        title = place.name
        places = [place]
    subscribers = await uow.dashboard.subscribers(places[0].code if len(places) == 1 else None)
    by_kelurahan: dict[str, AreaFigures] = {}
    for place in places:
        area = _copy(kelurahan_figures[place.code]) if place.code in kelurahan_figures else None
        by_kelurahan[place.code] = area or AreaFigures(place.code, place.name)
    for kode, channel, n in subscribers:
        if kode in by_kelurahan:
            by_kelurahan[kode].subscribers[channel] += n
    if scope == "":
        rows = []
        for kecamatan in wilayah.kecamatan:
            area = AreaFigures(kecamatan.code, kecamatan.name)
            for place in wilayah.kelurahan_of(kecamatan):
                area.add(by_kelurahan[place.code])
            rows.append(area)
    else:
        rows = [by_kelurahan[place.code] for place in places]
    total = AreaFigures(scope, title)
    for row in rows:
        total.add(row)
    return Summary(
        title,
        rows,
        total,
        domain.policy.quota if actor.is_admin and scope == "" else None,
        domain.policy.yearly_contribution,
    )
