"""Lifecycle notices: selected; enrolled and active; coverage ending within 30 days; renewed.

They go to subscribers whose chat kept a verification (the only chats whose person — and so status — is
known), computed by NIK digest with the same `check` a citizen gets. Each is queued once per person and
event: a row in `lifecycle_notice` is claimed first (unique; a second run, or a second process, finds it
taken). The messages go out through the durable broadcast outbox, so the sender's rate limits, the
opt-out check at sending time, retries and crash recovery apply as for any announcement.

Periods: "enrolled" is once per person; "ending" once per coverage end date; "renewed" when the coverage
now ends later than every period a notice was sent for.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sigap_core.coverage import CoverageState
from sigap_core.eligibility import Decision, Status
from sigap_core.i18n import Translator
from sigap_core.services import Domain, check
from sigap_core.store.repositories import Store

EVENTS = ("selected", "enrolled", "ending", "renewed")
ENDING_DAYS = 30


@dataclass
class NoticeRun:
    queued: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENTS, 0))  # people per event
    chats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENTS, 0))
    broadcasts: list[int] = field(default_factory=list)


def due_events(decision: Decision, sent: list[tuple[str, str]], today: date) -> list[tuple[str, str]]:
    """(event, period) notices this person should get now and has not had. Pure."""
    done = set(sent)
    events: list[tuple[str, str]] = []
    if decision.status is Status.SELECTED and ("selected", "") not in done:
        events.append(("selected", ""))
    coverage = decision.coverage
    if decision.status is not Status.ENROLLED or coverage is None or coverage.state is not CoverageState.ACTIVE:
        return events
    end = coverage.end.isoformat()
    covered_until = [period for event, period in sent if event in ("enrolled", "renewed")]
    if not covered_until:
        events.append(("enrolled", end))
    elif max(covered_until) < end:
        events.append(("renewed", end))
    if (coverage.end - today).days <= ENDING_DAYS and ("ending", end) not in done:
        events.append(("ending", end))
    return events


def notice_text(event: str, decision: Decision, domain: Domain, _: Translator) -> str:
    monthly = _.money(domain.policy.monthly_contribution)
    end = _.date(decision.coverage.end) if decision.coverage else ""
    match event:
        case "selected":
            return _(
                "Kabar baik: Anda TERPILIH sebagai peserta SIGAP. Pemkot Bekasi sedang mendaftarkan Anda ke "
                "BPJS Ketenagakerjaan (JKK + JKM); iurannya {monthly}/bulan dibayar Pemkot. Anda tidak perlu "
                "mendaftar sendiri, dan pendaftaran ini gratis. Kami kabari lagi setelah kepesertaan aktif."
            ).format(monthly=monthly)
        case "enrolled":
            return _(
                "🎉 Kepesertaan SIGAP Anda sudah AKTIF: BPJS Ketenagakerjaan (JKK + JKM) berlaku sampai {end}, "
                "iurannya dibayar Pemkot Bekasi.\n"
                "Kartu peserta (KPJ) ada di aplikasi JMO (Jamsostek Mobile): unduh JMO dan daftar dengan NIK "
                "dan email Anda.\n"
                "Jika mengalami kecelakaan kerja (termasuk di perjalanan kerja): berobat dulu, lalu laporkan ke "
                "BPJS Ketenagakerjaan paling lambat 2×24 jam. Keluarga boleh melaporkan. Ketik “kecelakaan” di "
                "sini untuk langkah lengkapnya."
            ).format(end=end)
        case "ending":
            return _(
                "Kepesertaan SIGAP Anda (BPJS Ketenagakerjaan JKK + JKM) berakhir {end}. Anda tidak perlu "
                "mendaftar sendiri: kami kabari jika kepesertaan diperpanjang. Pastikan data Anda di kelurahan "
                "tetap benar."
            ).format(end=end)
    return _(
        "Kepesertaan SIGAP Anda diperpanjang: BPJS Ketenagakerjaan (JKK + JKM) berlaku sampai {end}, "
        "iurannya tetap dibayar Pemkot Bekasi."
    ).format(end=end)


async def queue_notices(store: Store, domain: Domain, today: date, now: datetime) -> NoticeRun:
    """Find who is due which notice and queue it on the outbox; safe to run again at any time."""
    _ = Translator("id")  # broadcasts go out in Indonesian, like every announcement
    run = NoticeRun()
    async with store.uow() as uow:
        audience = await uow.selection.notice_audience(now)
        chats_of: dict[bytes, list[tuple[str, str]]] = defaultdict(list)
        for channel, user_key, nik_hmac in audience:
            chats_of[nik_hmac].append((channel, user_key))
        # One broadcast per distinct text (the texts carry the end date, not the person).
        batches: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        claimed: dict[tuple[str, str], list[tuple[str, bytes]]] = defaultdict(list)
        for nik_hmac, chats in chats_of.items():
            decision = await check(uow, domain, nik_hmac, today)
            for event, period in due_events(decision, await uow.selection.notice_periods(nik_hmac), today):
                if not await uow.selection.claim_notice(event, period, nik_hmac, now):
                    continue  # another run queued it meanwhile
                key = (event, notice_text(event, decision, domain, _))
                batches[key].extend(chats)
                claimed[key].append((period, nik_hmac))
                run.queued[event] += 1
                run.chats[event] += len(chats)
        for (event, text), chats in batches.items():
            broadcast_id = await uow.selection.enqueue(f"notice_{event}", text, chats, now)
            run.broadcasts.append(broadcast_id)
            by_period: dict[str, list[bytes]] = defaultdict(list)
            for period, nik_hmac in claimed[(event, text)]:
                by_period[period].append(nik_hmac)
            for period, digests in by_period.items():
                await uow.selection.set_notice_broadcast(event, period, digests, broadcast_id)
    return run
