"""Cek kelayakan: consent → NIK → last 4 KK digits (or own phone) → the answer. Also the verification that
"Status kepesertaan" needs.

Enumeration defences: nothing personal before verification; an unknown NIK and wrong KK digits get the
same reply; failed attempts are limited per chat, per NIK and globally (sigap_core.verification_limits);
verified checks are limited per day.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_time

from handlers.context import Turn
from handlers.model import Button, Reply
from handlers.render import decision_text, nik_error_text, not_verified_text
from sigap_core.crypto import normalise_phone
from sigap_core.eligibility import Decision, Status, decide
from sigap_core.nik import NikError, find_nik, longest_digit_run, parse_nik
from sigap_core.services import gather_facts
from sigap_core.verification_limits import Refused, VerificationLimits

WIB = ZoneInfo("Asia/Jakarta")
AWAITING_CONSENT = "awaiting_consent"
AWAITING_NIK = "awaiting_nik"
AWAITING_KK4 = "awaiting_kk4"


def consent_prompt(turn: Turn, purpose: str) -> list[Reply]:
    _ = turn._
    turn.set_state(AWAITING_CONSENT, purpose=purpose)
    text = _(
        "Sebelum cek, mohon baca ini (UU 27/2022 Pelindungan Data Pribadi):\n"
        "• Yang diproses: NIK dan 4 digit terakhir nomor KK Anda.\n"
        "• Untuk apa: mencocokkan dengan data DTSEN dan BPJS Ketenagakerjaan untuk program SIGAP Pemkot Bekasi.\n"
        "• Bot tidak menyimpan NIK atau nomor KK Anda; hanya kode acak (hash) untuk mencocokkan.\n"
        "• Riwayat percakapan disimpan paling lama {days} hari, dan bisa Anda hapus kapan saja lewat menu "
        "“Hapus data saya”.\n"
        "Setuju?"
    ).format(days=turn.domain.policy.verification.verified_link_days)
    return [Reply(text, (Button("consent:yes", _("Setuju")), Button("consent:no", _("Tidak setuju"))))]


def start(turn: Turn, purpose: str = "check", typed: str | None = None) -> list[Reply]:
    """Begin a check. `typed`: a message that may already hold the NIK."""
    if not turn.has_consent:
        # The NIK in `typed` is not kept: it may only be processed after consent.
        return consent_prompt(turn, purpose)
    turn.set_state(AWAITING_NIK, purpose=purpose)
    if typed is not None and (find_nik(typed) or len(longest_digit_run(typed)) >= 8):
        return on_nik(turn, typed)
    _ = turn._
    return [Reply(_("Ketik NIK Anda (16 digit angka di KTP)."), (turn.menu_button(),))]


def on_consent(turn: Turn, agreed: bool) -> list[Reply]:
    _ = turn._
    purpose = turn.data.get("purpose", "check")
    if not agreed:
        turn.clear_state()
        return [
            turn.main_menu(
                _(
                    "Baik, NIK Anda tidak akan diproses. Anda tetap bisa membaca cara perbarui data dan "
                    "informasi lain tanpa NIK."
                )
            )
        ]
    turn.give_consent()
    turn.set_state(AWAITING_NIK, purpose=purpose)
    return [Reply(_("Terima kasih. Sekarang ketik NIK Anda (16 digit angka di KTP)."), (turn.menu_button(),))]


def on_nik(turn: Turn, text: str) -> list[Reply]:
    _ = turn._
    candidate = find_nik(text) or longest_digit_run(text) or text
    try:
        nik = parse_nik(candidate)
    except NikError as error:
        return [Reply(nik_error_text(_, error), (turn.menu_button(),))]
    purpose = turn.data.get("purpose", "check")
    turn.set_state(AWAITING_KK4, purpose=purpose, nik=turn.domain.hasher.nik(nik.value).hex())
    ask = _("NIK diterima. Sekarang ketik 4 digit terakhir nomor KK (Kartu Keluarga) Anda.")
    if turn.can_share_contact:
        ask += "\n" + _("Atau tekan “Bagikan nomor HP” jika nomor HP Anda terdaftar di DTSEN.")
    return [
        Reply(ask, (turn.menu_button(),), request_contact=turn.can_share_contact, contact_label=_("Bagikan nomor HP"))
    ]


async def _limits(turn: Turn, nik_hmac: bytes) -> list[Reply] | None:
    """A reply when this chat, or this NIK, must wait (sigap_core.verification_limits decides); None when
    the check may go ahead."""
    _ = turn._
    refusal = await _verification_limits(turn).may_attempt(turn.subject, nik_hmac, turn.now)
    if refusal is None:
        return None
    turn.clear_state()
    when = format_time((refusal.until or turn.now).astimezone(WIB), format="HH:mm", locale=_.lang)
    if refusal.reason is Refused.CHAT_LOCKED:
        text = _(
            "Terlalu banyak percobaan yang tidak cocok. Demi keamanan data, coba lagi setelah pukul {time} WIB."
        ).format(time=when)
    elif refusal.reason is Refused.NIK_LOCKED:
        text = _(
            "Demi keamanan, NIK ini sementara tidak bisa dicek lewat chat karena terlalu banyak percobaan "
            "yang tidak cocok. Coba lagi setelah pukul {time} WIB, atau datang ke kantor kelurahan dengan "
            "KTP dan KK."
        ).format(time=when)
    else:
        text = _(
            "Batas cek hari ini sudah tercapai ({limit} kali, termasuk untuk anggota keluarga). "
            "Silakan coba lagi besok."
        ).format(limit=refusal.limit)
    return [Reply(text, (turn.menu_button(),))]


def _verification_limits(turn: Turn) -> VerificationLimits:
    return VerificationLimits(turn.uow.rates, turn.domain.policy.verification)


async def on_kk4(turn: Turn, text: str) -> list[Reply]:
    _ = turn._
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 16:
        digits = digits[-4:]  # the whole KK number typed: only its last 4 digits are used
    if len(digits) != 4 or not turn.domain.policy.verification.accepts_kk4:
        return [
            Reply(
                _("Ketik 4 digit terakhir nomor KK Anda, contoh: 0123."),
                (turn.menu_button(),),
                request_contact=turn.can_share_contact,
                contact_label=_("Bagikan nomor HP"),
            )
        ]
    return await _verify(turn, kk4=digits, phone_hmac=None, method="kk4")


async def on_contact(turn: Turn) -> list[Reply]:
    _ = turn._
    if turn.state != AWAITING_KK4:
        return [turn.main_menu(_("Nomor HP tidak disimpan. Untuk cek, pilih “Cek kelayakan” dulu."))]
    if not turn.msg.contact_is_own:
        return [
            Reply(
                _(
                    "Yang bisa dipakai hanya nomor HP Anda sendiri. Tekan “Bagikan nomor HP”, "
                    "atau ketik 4 digit terakhir KK."
                ),
                (turn.menu_button(),),
                request_contact=turn.can_share_contact,
                contact_label=_("Bagikan nomor HP"),
            )
        ]
    phone = normalise_phone(turn.msg.contact_phone)
    phone_hmac = turn.domain.hasher.phone(phone) if phone else b"\0" * 32
    return await _verify(turn, kk4=None, phone_hmac=phone_hmac, method="phone")


async def _verify(turn: Turn, kk4: str | None, phone_hmac: bytes | None, method: str) -> list[Reply]:
    _ = turn._
    nik_hex = turn.data.get("nik")
    if not nik_hex:
        return start(turn, turn.data.get("purpose", "check"))
    nik_hmac = bytes.fromhex(nik_hex)
    limited = await _limits(turn, nik_hmac)
    if limited:
        return limited
    purpose = turn.data.get("purpose", "check")
    facts = await gather_facts(turn.uow, turn.domain, nik_hmac, kk4, phone_hmac)
    decision = decide(facts, turn.domain.policy, turn.domain.wilayah, turn.today)
    actor = turn.domain.hasher.token("actor", turn.chat).hex()[:24]
    if facts.kk_matches is not True or decision.status in (Status.NOT_FOUND, Status.KK_MISMATCH):
        await _verification_limits(turn).failed(turn.subject, nik_hmac, turn.now)
        await turn.uow.audit.add(actor, "verify_failed", nik_hmac, method)
        turn.set_state(AWAITING_NIK, purpose=purpose)
        # One reply for both cases: it must not tell an unknown NIK from wrong KK digits.
        return [
            Reply(
                not_verified_text(_) + "\n\n" + _("Mau coba lagi? Ketik NIK Anda."),
                (Button("update", _("Cara perbarui data")), turn.menu_button()),
            )
        ]
    await _verification_limits(turn).verified(turn.subject, turn.now)
    await turn.uow.audit.add(actor, "verified", nik_hmac, decision.status.value)
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    keep = bool(link and link.keep and link.nik_hmac == nik_hmac)
    await turn.uow.links.set(
        turn.msg.channel,
        turn.msg.user_key,
        nik_hmac,
        method,
        keep,
        turn.domain.policy.verification.verified_link_days,
    )
    turn.clear_state()
    replies = verified_replies(turn, decision, purpose)
    if not keep:
        replies.append(
            Reply(
                _("Simpan verifikasi ini {days} hari agar bisa cek status tanpa mengetik NIK lagi?").format(
                    days=turn.domain.policy.verification.verified_link_days
                ),
                (Button("keep:yes", _("Ya, simpan")), Button("keep:no", _("Tidak perlu"))),
            )
        )
    return replies


def verified_replies(turn: Turn, decision: Decision, purpose: str) -> list[Reply]:
    from handlers.flows import coverage

    _ = turn._
    if purpose == "coverage" and decision.status is Status.ENROLLED:
        return coverage.coverage_replies(turn, decision)
    text = decision_text(_, decision, turn.domain)
    buttons: tuple[Button, ...]
    match decision.status:
        case Status.ELIGIBLE_PRIORITY | Status.ELIGIBLE | Status.SELECTED | Status.WAITING_LIST:
            buttons = (
                Button("subscribe", _("Langganan info")),
                Button("update", _("Cara perbarui data")),
                turn.menu_button(),
            )
        case Status.DESIL_ABOVE_LIMIT | Status.NOT_INFORMAL_WORKER | Status.NOT_RESIDENT:
            buttons = (Button("update", _("Cara perbarui data")), turn.menu_button())
        case Status.ENROLLED:
            buttons = (
                Button("accident", _("Jika kecelakaan")),
                Button("jkm", _("Klaim JKM")),
                turn.menu_button(),
            )
        case _:
            buttons = (turn.menu_button(),)
    return [Reply(text, buttons)]


async def on_keep(turn: Turn, keep: bool) -> list[Reply]:
    _ = turn._
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    if link is None:
        return [turn.main_menu(_("Verifikasi sudah tidak berlaku. Silakan cek lagi bila perlu."))]
    if keep:
        await turn.uow.links.set(
            turn.msg.channel,
            turn.msg.user_key,
            link.nik_hmac,
            link.method,
            True,
            turn.domain.policy.verification.verified_link_days,
        )
        return [
            turn.main_menu(
                _("Tersimpan {days} hari. Anda bisa menghapusnya kapan saja lewat “Hapus data saya”.").format(
                    days=turn.domain.policy.verification.verified_link_days
                )
            )
        ]
    await turn.uow.links.delete(turn.msg.channel, turn.msg.user_key)
    return [turn.main_menu(_("Baik, verifikasi tidak disimpan."))]
