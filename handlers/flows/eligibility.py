"""Cek kelayakan: consent → NIK → last 4 KK digits (or own phone) → the answer. Also the verification that
"Status kepesertaan" needs.

Enumeration defences: nothing personal before verification; an unknown NIK and wrong KK digits get the
same reply; failed attempts are limited per chat, per NIK and globally (sigap_core.verification_limits);
verified checks are limited per day.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from babel.dates import format_time

from handlers import faq
from handlers.context import Turn
from handlers.entities import THANKS, letter_in_number, looks_like_digits_answer, yes_or_no
from handlers.flow import Router
from handlers.flows import claims, erase
from handlers.model import Button, Reply
from handlers.render import decision_text, nik_error_text, not_verified_text
from handlers.understanding import Said
from sigap_core.crypto import normalise_phone
from sigap_core.eligibility import Decision, Facts, Status, decide
from sigap_core.nik import NikError, find_nik, longest_digit_run, parse_nik
from sigap_core.services import gather_facts
from sigap_core.verification_limits import Refusal, Refused, VerificationLimits

WIB = ZoneInfo("Asia/Jakarta")
AWAITING_CONSENT = "awaiting_consent"
AWAITING_NIK = "awaiting_nik"
AWAITING_KK4 = "awaiting_kk4"
AWAITING_KEEP = "awaiting_keep"
MAX_KEEP_QUESTION_WORDS = 8  # a question about the keep question itself ("simpan buat apa?")
MAX_KEEP_ANSWER_WORDS = 4  # "boleh simpen aja deh": an answer to "Simpan verifikasi?"; longer is something else
MAX_BARE_NO_WORDS = 3  # "ga", "nggak ah", "no thanks": a no that short answers "Simpan verifikasi?"

router = Router("eligibility")
_DONT_KNOW = re.compile(
    r"\b(ga|gak|nggak|ngga|tidak|tdk|enggak|belum) ?(tau|tahu|hafal|apal|inget|ingat|punya|ada|bawa)\b|\blupa\b"
    r"|\bdon.t (know|remember|have)\b|\bforgot\b"
)
_ABOUT_KK = re.compile(r"\b(kk|kartu keluarga|family card)\b")
_ABOUT_CARDS = re.compile(r"\b(nik|ktp|e-?ktp|kk|kartu|card|id|number|nomor|nomer|digit\w*|angka)\b")
_LATER_WORDS = (  # "ntaran", "besokan"
    r"nanti\w*|entar\w*|ntar\w*|nnti|ntr|nti|besok\w*|bsk|lusa|later|tomorrow|another time|other time|next time"
)
_LATER = re.compile(r"\b(" + _LATER_WORDS + r")\b")
# A refusal in words: with one of these, "nanti" does not soften it ("ga mau, nanti aja" is still a no).
_REFUSAL_WORD = re.compile(
    r"\b(tidak|tdk|ga|gak|gk|nggak|ngga|enggak|kagak|jangan|jgn|ogah|emoh|tolak|menolak|no|not|don.t|belum|blm)\b"
)
# "kk nya lg difotokopi, bentar ya": a short message asking to wait, wherever the word stands.
_HOLD_ON = re.compile(r"\b(bentar|sebentar|bntr|bntar|sbntr|tunggu|wait|hang on|hold on)\b")
MAX_HOLD_ON_WORDS = 8
# "sy tanya istri dulu ya nomor kk nya", "let me ask my wife": the answer is being fetched from someone (a
# relative named this way is where the number is, not whose record it is).
_ASK_FIRST = re.compile(
    r"\b(tanya|tanyain|nanya|nanyain|tny|minta|mintain|liat|lihat|cek|cari|ambil|telpon|telepon|telfon|wa)\w*\b"
    r".{0,25}\b(dulu|dl|bentar|sebentar|sbntr|bntr)\b"
    r"|\b(let me|i.ll|i will|i need to|have to) (ask|check with|call|text|get it from|look)\b"
)


def consent_prompt(turn: Turn, purpose: str, other: bool = False) -> list[Reply]:
    _ = turn._
    turn.set_state(AWAITING_CONSENT, purpose=purpose, other=other, notice_lang=turn.lang)
    text = _(
        "Sebelum cek, mohon baca ini (UU 27/2022 Pelindungan Data Pribadi):\n"
        "• Yang diproses: NIK dan 4 digit terakhir nomor KK Anda.\n"
        "• Untuk apa: mencocokkan dengan data DTSEN dan BPJS Ketenagakerjaan untuk program SIGAP Pemkot Bekasi.\n"
        "• Bot tidak menyimpan NIK atau nomor KK Anda; hanya kode acak (hash) untuk mencocokkan.\n"
        "• Riwayat percakapan disimpan paling lama {days} hari, dan bisa Anda hapus kapan saja lewat menu "
        "“Hapus data saya”.\n"
        "Setuju?"
    ).format(days=turn.domain.policy.verification.verified_link_days)
    if other:  # a relative's check: whose numbers they are, and that person's permission
        text = _(
            "Sebelum cek, mohon baca ini (UU 27/2022 Pelindungan Data Pribadi):\n"
            "• Yang diproses: NIK dan 4 digit terakhir nomor KK orang yang mau dicek. Pastikan orangnya sudah "
            "mengizinkan.\n"
            "• Untuk apa: mencocokkan dengan data DTSEN dan BPJS Ketenagakerjaan untuk program SIGAP Pemkot Bekasi.\n"
            "• Bot tidak menyimpan NIK atau nomor KK itu; hanya kode acak (hash) untuk mencocokkan.\n"
            "• Riwayat percakapan disimpan paling lama {days} hari, dan bisa Anda hapus kapan saja lewat menu "
            "“Hapus data saya”.\n"
            "Setuju?"
        ).format(days=turn.domain.policy.verification.verified_link_days)
    return [consent_buttons(turn, text)]


def consent_buttons(turn: Turn, text: str) -> Reply:
    _ = turn._
    return Reply(
        text, (Button("consent:yes", _("Setuju")), Button("consent:no", _("Tidak setuju")), turn.menu_button())
    )


def ask_nik(turn: Turn) -> Reply:
    _ = turn._
    text = (
        _("Ketik NIK yang mau dicek (16 digit angka di KTP atau KK orang tersebut).")
        if turn.data.get("other")
        else _("Ketik NIK Anda (16 digit angka di KTP).")
    )
    return Reply(text, (turn.cancel_button(), turn.menu_button()))


async def start(turn: Turn, purpose: str = "check", said: Said | None = None, other: bool = False) -> list[Reply]:
    """Begin a check. `said`: a message that may already hold the NIK (and the KK digits); `other`: the check
    is for someone else (the message that offered it spoke of a relative)."""
    other = other or bool(said and said.family)
    if not turn.has_consent:
        # The NIK in `said` is not kept: it may only be processed after consent.
        return consent_prompt(turn, purpose, other)
    turn.set_state(AWAITING_NIK, purpose=purpose, other=other)
    if said is not None and (said.digits.nik or len(said.digits.longest) >= 8):
        return await on_nik(turn, said.text, said.digits.kk4, said.digits.nik)
    return [ask_nik(turn)]


async def start_on_borrowed_phone(turn: Turn) -> list[Reply]:
    """ "sy pake hp temen, mau cek kelayakan": what to mind on someone else's phone, and the check begun (the
    request was the check; the phone is only how it is made). The relative named is the phone's owner, not
    whose record is checked ("pinjem hp anak, mau cek"): the check is the user's own."""
    note = Reply(faq.answer_text(faq.entry("borrowed_phone"), turn.domain, turn._, turn.outcome))
    return [note, *await start(turn, "check")]


# Whose KK a relative's check uses: "kk nya beda ama kk sy", "kk yg dipake punya sy apa punya bapak?".
_KK = r"\b(kk|kartu keluarga)\b"
_OWN_KK_DIFFERS = re.compile(_KK + r".{0,30}\b(beda|berbeda|lain|pisah|terpisah|misah|sendiri)\b")
_WHICH_KK = re.compile(
    _KK + r".{0,30}\b(punya|milik|kk)\s+(saya|sy|aku|gw|gue)\b.{0,25}\b(atau|ato|apa|or)\b"
    r"|" + _KK + r"\s*(nya\s+)?(yg|yang)\s+(mana|dipake|dipakai)\b|" + _KK + r"\s*(nya\s+)?(siapa|sapa)\b"
)


def relative_kk_differs(said: Said) -> bool:
    """A check for a relative whose KK is not the user's: theirs is the one used (not a reissued KK)."""
    return said.family and bool(_OWN_KK_DIFFERS.search(said.lowered))


def asks_which_kk(turn: Turn, said: Said) -> bool:
    """ "kk yg dipake punya sy apa punya bapak?" during a check of someone else (in one's own check, "pecah kk
    dari orang tua, pake kk yg mana?" is about a reissued KK)."""
    return bool(turn.data.get("other")) and bool(_WHICH_KK.search(said.lowered))


def which_kk_reply(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Pakai KK tempat nama orang yang dicek tercantum. Kalau beliau punya KK sendiri (beda dengan KK Anda), "
            "yang dipakai 4 digit terakhir KK beliau, bukan KK Anda; NIK-nya juga NIK beliau."
        )
    )


# The last answer was the declined consent notice (a topic, so a later "setuju" can still be taken up).
CONSENT_DECLINED = "consent_declined"


async def on_consent(turn: Turn, agreed: bool, said: Said | None = None) -> list[Reply]:
    _ = turn._
    purpose = turn.data.get("purpose", "check")
    # "iya, tapi ini buat bapak saya", "setuju, nik ibu sy 3275…": the consent, for someone else's record
    other = bool(turn.data.get("other")) or bool(said is not None and said.family)
    if not agreed:
        turn.clear_state()
        turn.remember_topic(CONSENT_DECLINED)  # a later typed "ya udah deh setuju" takes the consent
        return [
            turn.main_menu(
                _(
                    "Baik, NIK Anda tidak akan diproses. Anda tetap bisa membaca cara perbarui data dan "
                    "informasi lain tanpa NIK."
                )
            )
        ]
    turn.give_consent()
    turn.set_state(AWAITING_NIK, purpose=purpose, other=other)
    if said is not None and said.digits.nik:  # "iya boleh, 3275…": consent and the NIK in one message
        return await on_nik(turn, said.text, said.digits.kk4, said.digits.nik)
    text = (
        _("Terima kasih. Sekarang ketik NIK yang mau dicek (16 digit angka di KTP atau KK orang tersebut).")
        if other
        else _("Terima kasih. Sekarang ketik NIK Anda (16 digit angka di KTP).")
    )
    return [Reply(text, (turn.cancel_button(), turn.menu_button()))]


def ask_kk4(turn: Turn, text: str) -> Reply:
    _ = turn._
    if turn.can_share_contact and not turn.data.get("other"):
        text += "\n" + _("Atau tekan “Bagikan nomor HP” jika nomor HP Anda terdaftar di DTSEN.")
    return Reply(
        text,
        (turn.cancel_button(), turn.menu_button()),
        request_contact=turn.can_share_contact and not turn.data.get("other"),
        contact_label=_("Bagikan nomor HP"),
    )


# An Indonesian mobile number (08…, 628…), 10 to 13 digits: never a NIK (16 digits).
_PHONE_NUMBER = re.compile(r"(08|628)\d{8,11}")


async def on_nik(turn: Turn, text: str, kk4: str | None = None, nik_digits: str | None = None) -> list[Reply]:
    _ = turn._
    candidate = nik_digits or find_nik(text) or longest_digit_run(text) or text
    if _PHONE_NUMBER.fullmatch("".join(ch for ch in candidate if ch.isdigit())):
        # "081398765432" at the NIK prompt: a phone number, said so (not "NIK harus 16 digit")
        text = _("Itu sepertinya nomor HP, bukan NIK. NIK adalah 16 digit angka di KTP-el (juga tertulis di KK).")
        return [Reply(text, (turn.cancel_button(), turn.menu_button()))]
    try:
        nik = parse_nik(candidate)
    except NikError as error:
        return [Reply(nik_error_text(_, error), (turn.cancel_button(), turn.menu_button()))]
    nik_hmac = turn.domain.hasher.nik(nik.value)
    if kk4 is None:
        # A chat (or NIK) that must wait is told so now, not after it has looked for its KK digits.
        limited = await _limits(turn, nik_hmac)
        if limited:
            return limited
    purpose = turn.data.get("purpose", "check")
    other = bool(turn.data.get("other"))
    turn.set_state(
        AWAITING_KK4,
        purpose=purpose,
        other=other,
        nik=nik_hmac.hex(),
        fails=turn.data.get("fails", 0),  # failed tries in this dialog: the reply changes after the first
    )
    if kk4 is not None:  # the KK digits came in the same message
        return await on_kk4(turn, kk4)
    ask = (
        _("NIK diterima. Sekarang ketik 4 digit terakhir nomor KK (Kartu Keluarga) orang tersebut.")
        if other
        else _("NIK diterima. Sekarang ketik 4 digit terakhir nomor KK (Kartu Keluarga) Anda.")
    )
    return [ask_kk4(turn, ask)]


async def _limits(turn: Turn, nik_hmac: bytes) -> list[Reply] | None:
    """A reply when this chat, or this NIK, must wait (sigap_core.verification_limits decides); None when
    the check may go ahead."""
    _ = turn._
    refusal = await _verification_limits(turn).may_attempt(turn.subject, nik_hmac, turn.now)
    if refusal is None:
        return None
    turn.clear_state()
    return [_refusal_reply(turn, refusal)]


def _refusal_reply(turn: Turn, refusal: Refusal) -> Reply:
    """Why this chat or this NIK must wait, until when, and who can help meanwhile."""
    _ = turn._
    when = format_time((refusal.until or turn.now).astimezone(WIB), format="HH:mm", locale=_.lang)
    if refusal.reason is Refused.CHAT_LOCKED:
        text = _(
            "Terlalu banyak percobaan yang tidak cocok. Demi keamanan data, coba lagi setelah pukul {time} WIB. "
            "Sementara itu, petugas kelurahan bisa membantu mengecek (bawa KTP-el dan KK), atau tekan “Tanya "
            "petugas”."
        ).format(time=when)
        return Reply(text, (Button("ticket:start", _("Tanya petugas")), turn.menu_button()))
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
    return Reply(text, (turn.menu_button(),))


def _registry_place(facts: Facts, decision: Decision) -> str | None:
    """Where the registry places a non-resident (a kelurahan code, cut to its regency when kept), so the
    follow-ups can name the regency; nothing for any other outcome."""
    if decision.status is not Status.NOT_RESIDENT or facts.person is None:
        return None
    return facts.person.kode_kelurahan


def _verification_limits(turn: Turn) -> VerificationLimits:
    return VerificationLimits(turn.uow.rates, turn.domain.policy.verification)


async def on_kk4(turn: Turn, text: str) -> list[Reply]:
    _ = turn._
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 16:
        digits = digits[-4:]  # the whole KK number typed: only its last 4 digits are used
    if digits and len(digits) != 4 and turn.domain.policy.verification.accepts_kk4:
        # "01234", "123", a KK number with a digit missing: how many were sent, and what is asked for
        return [
            ask_kk4(
                turn,
                _(
                    "Yang diminta tepat 4 digit, yaitu 4 angka paling akhir nomor KK; yang Anda kirim {length} "
                    "digit. Contoh: 0123."
                ).format(length=len(digits)),
            )
        ]
    if len(digits) != 4 or not turn.domain.policy.verification.accepts_kk4:
        return [ask_kk4(turn, _("Ketik 4 digit terakhir nomor KK, contoh: 0123."))]
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
        return await start(turn, turn.data.get("purpose", "check"))
    nik_hmac = bytes.fromhex(nik_hex)
    limited = await _limits(turn, nik_hmac)
    if limited:
        return limited
    purpose = turn.data.get("purpose", "check")
    other = bool(turn.data.get("other"))
    facts = await gather_facts(turn.uow, turn.domain, nik_hmac, kk4, phone_hmac)
    decision = decide(facts, turn.domain.policy, turn.domain.wilayah, turn.today)
    actor = turn.domain.hasher.token("actor", turn.chat).hex()[:24]
    if facts.kk_matches is not True or decision.status in (Status.NOT_FOUND, Status.KK_MISMATCH):
        await _verification_limits(turn).failed(turn.subject, nik_hmac, turn.now)
        await turn.uow.audit.add(actor, "verify_failed", nik_hmac, method)
        turn.remember_outcome("not_verified", other)
        refusal = await _verification_limits(turn).may_attempt(turn.subject, nik_hmac, turn.now)
        if refusal is not None and refusal.reason is not Refused.DAILY_CHECKS:
            # The failure that reaches the limit says so at once: not "try again", then a refusal of the next try.
            turn.clear_state()
            lock = _refusal_reply(turn, refusal)
            return [Reply(not_verified_text(_, other) + "\n\n" + lock.text, lock.buttons)]
        fails = int(turn.data.get("fails") or 0) + 1
        # The digest (never the NIK) stays for the dialog minutes, so only the KK digits need retyping.
        turn.set_state(AWAITING_NIK, purpose=purpose, other=other, retry=nik_hex, fails=fails)
        # One reply for both cases: it must not tell an unknown NIK from wrong KK digits.
        if fails >= 2:
            # Tried again and again: not the same reply in a loop, but what else to check and a person to ask.
            return [
                Reply(
                    not_verified_text(_, other)
                    + "\n\n"
                    + _(
                        "Sudah {count} kali tidak cocok. Sebelum mencoba lagi:\n"
                        "• Pastikan yang diketik 4 digit terakhir nomor KK (16 digit di bagian atas Kartu "
                        "Keluarga), bukan akhir NIK.\n"
                        "• KK baru diganti? Coba 4 digit KK yang lama.\n"
                        "• Masih tidak cocok? Datang ke kantor kelurahan dengan KTP-el dan KK: petugas bisa "
                        "mengecek dan membantu memperbarui data DTSEN. Atau tekan “Tanya petugas”.\n"
                        "Demi keamanan data, jumlah percobaan dibatasi."
                    ).format(count=fails),
                    (Button("ticket:start", _("Tanya petugas")), turn.cancel_button(), turn.menu_button()),
                )
            ]
        return [
            Reply(
                not_verified_text(_, other)
                + "\n\n"
                + _(
                    "Mau coba lagi? Ketik NIK lagi, atau 4 digit KK saja bila NIK-nya sudah benar. KK baru "
                    "diganti? Coba 4 digit KK yang lama."
                ),
                (Button("update", _("Cara perbarui data")), turn.cancel_button(), turn.menu_button()),
            )
        ]
    await _verification_limits(turn).verified(turn.subject, turn.now)
    await turn.uow.audit.add(actor, "verified", nik_hmac, decision.status.value)
    place = _registry_place(facts, decision)
    if other:  # someone else's record: answered once, never kept in this chat
        turn.remember_outcome(decision.status.value, other=True, place=place)
        turn.clear_state()
        return verified_replies(turn, decision, purpose, other=True)
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
    # The dialog changes only after the link queries: one UPDATE at commit, not an extra autoflush.
    turn.remember_outcome(decision.status.value, place=place)
    turn.clear_state()
    replies = verified_replies(turn, decision, purpose)
    if not keep:
        turn.set_state(AWAITING_KEEP)
        replies.append(
            Reply(
                _("Simpan verifikasi ini {days} hari agar bisa cek status tanpa mengetik NIK lagi?").format(
                    days=turn.domain.policy.verification.verified_link_days
                ),
                (Button("keep:yes", _("Ya, simpan")), Button("keep:no", _("Tidak perlu"))),
            )
        )
    return replies


def verified_replies(turn: Turn, decision: Decision, purpose: str, other: bool = False) -> list[Reply]:
    _ = turn._
    if purpose == "coverage" and decision.status is Status.ENROLLED and not other:
        return claims.coverage_replies(turn, decision)
    text = decision_text(_, decision, turn.domain, other=other)
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


async def on_keep(turn: Turn, keep: bool, borrowed: bool = False) -> list[Reply]:
    _ = turn._
    turn.clear_state()
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
    text = _("Baik, verifikasi tidak disimpan.")
    if borrowed:
        # On someone else's phone the next step is erasing: asked now, so a plain "iya hapus" finishes it.
        lead = Reply(text + "\n" + _("Karena HP ini pinjaman, sebaiknya data Anda di bot ini dihapus sekarang."))
        return [lead, *await erase.ask(turn)]
    return [turn.main_menu(text)]


# What this flow owns --------------------------------------------------------------------------------------


def strong(said: Said) -> bool:
    """The message clearly asks for something else (not one weak keyword): it may leave the step."""
    return said.nlu.scores.get(said.intent, 0) >= 3


# "kok ribet amat sih", "susah bgt", "repot": the check feels like a hassle. Why the two numbers are asked, and
# the step again (not the programme's description a bare "kok …?" would get).
_HASSLE = re.compile(r"\b(ribet|rebet|repot|ngerepotin|ruwet|susah|sulit|pusing|complicated|hassle|annoying)\w*\b")


def _hassle(said: Said) -> bool:
    return bool(_HASSLE.search(said.lowered)) and (said.faq is None or said.faq.entry.follow_up)


def _hassle_reply(turn: Turn) -> Reply:
    lead = turn._("Maaf kalau terasa ribet; hanya dua angka ini yang diperlukan.")
    return Reply(f"{lead}\n{_faq_reply(turn, 'why_nik').text}")


def _faq_reply(turn: Turn, entry_id: str) -> Reply:
    entry = next(e for e in faq.knowledge_base() if e.id == entry_id)
    return Reply(faq.answer_text(entry, turn.domain, turn._, turn.outcome))


def _consent_reminder(turn: Turn) -> Reply:
    _ = turn._
    shown = turn.data.get("notice_lang")
    if shown and shown != turn.lang:
        # The language changed since the notice was shown ("english please"): the notice itself, readable now.
        return consent_prompt(turn, turn.data.get("purpose", "check"), bool(turn.data.get("other")))[0]
    return consent_buttons(turn, _("Untuk lanjut cek: setuju NIK diproses seperti di atas? Ketik “ya” atau “tidak”."))


_CONFUSED = re.compile(
    r"\b(ga|gak|nggak|ngga|tidak|kurang|belum) ?(tau|tahu|ngerti|mengerti|paham|jelas)\b|\bmaksud|\bbingung\b"
    r"|\bartinya\b|\bwhat does (this|that|it) mean\b|\bdon.t understand\b|\bwhat is (this|it) for\b"
    r"|\bwhy do you need\b|\b(buat|untuk) apa( ini| itu)?\s*\??\s*$|\bwhat\b.{0,20}\bfor\s*\??\s*$"
)


# "kenapa harus setuju dulu?": why the consent is asked (what it is for), not a general "kenapa".
_WHY_CONSENT = re.compile(
    r"\b(kenapa|knp|napa|mengapa|ngapain|why|buat apa|untuk apa|utk apa)\b.{0,20}\b(setuju|persetujuan|consent|agree)"
    # "emang harus setuju?", "wajib setuju ya?", "do i have to agree?": whether (and why) the consent is needed
    r"|\b(harus|wajib|kudu|mesti|musti|perlu)\s+(banget\s+|bgt\s+)?(setuju|stuju|persetujuan)\b(?=.*\?|.*\b(ya|kah|ga|gak|nggak)\s*$)"
    r"|\b(do|must) i (have to |need to )?(agree|consent)\b"
)


# "kalo sy ga setuju gmn?": a question about refusing, not a refusal.
_IF_REFUSED = re.compile(
    r"\b(kalau|kalo|klo|kl|jika|misal|gimana|gmn|bagaimana|terus|trus|what if|if i|what happens if)\b.{0,15}"
    r"\b(ga|gak|nggak|ngga|tidak|tdk|don.t|do not|refuse|decline)\s*(setuju|mau|agree|consent)?\b"
)


# "setuju tapi nanti", "boleh, besok aja ya": a yes first, then the step put off. The words before the "later"
# must hold an explicit yes ("ya udah nanti aja" is resignation, not a consent).
_LATER_WORD = re.compile(r"\b(" + _LATER_WORDS + r"|tar)\b")  # after a yes, a bare "tar" is a later too
_EXPLICIT_YES = re.compile(
    r"\b(setuju|stuju|sepakat|agree|agreed|boleh|bole|ok|oke|okay|okey|iya|iyaa|iye|yes|mau|silakan|silahkan"
    r"|izinkan|ijinkan)\b"
)


# A yes with a condition about the data ("boleh tp jgn disebar", "iya asal ga dibocorin", "ok but don't share it").
_ON_CONDITION = re.compile(
    r"\b(tapi|tp|tpi|asal|asalkan|yang penting|yg penting|but|as long as)\b.{0,12}"
    r"\b(jangan|jgn|ga|gak|nggak|tidak|tdk|don.?t|not|never)\b.{0,8}"
    r"\b(sebar|disebar|nyebar|disebarin|bocor|bocorin|dibocorin|dibocorkan|jual|dijual|kasih|dikasih|bagi|dibagi"
    r"|share|shared|leak|leaked|sell|sold|misuse|disalahgunakan)\w*"
)


def _yes_on_condition(said: Said) -> bool:
    found = _ON_CONDITION.search(said.lowered)
    if found is None or "?" in said.text or said.digits.nik:
        return False
    head = said.lowered[: found.start()]
    return bool(_EXPLICIT_YES.search(head)) and yes_or_no(head) is True


# The knowledge-base entries about acting for someone else: with a yes at the consent notice, they say for whom
# the consent is given, not a question to answer instead.
_FOR_SOMEONE = frozenset({"by_proxy", "check_for_family", "family_follow_up"})


def _acting_for_someone(said: Said) -> bool:
    return said.family or (said.faq is not None and said.faq.entry.id in _FOR_SOMEONE)


def _yes_but_later(said: Said) -> bool:
    if "?" in said.text or said.digits.nik:  # "boleh, …" opens like a question; only a "?" makes one
        return False
    later = _LATER_WORD.search(said.lowered)
    if later is None:
        return False
    head = said.lowered[: later.start()]
    return bool(_EXPLICIT_YES.search(head)) and yes_or_no(head) is True


def _consent_for_later(turn: Turn, said: Said) -> list[Reply]:
    _ = turn._
    other = bool(turn.data.get("other")) or said.family
    turn.give_consent()
    turn.set_state(AWAITING_NIK, purpose=turn.data.get("purpose", "check"), other=other)
    text = (
        _(
            "Terima kasih, persetujuan Anda saya catat. Tidak harus sekarang: kalau sudah siap, ketik NIK yang "
            "mau dicek (16 digit) di chat ini, atau nanti ketik “Cek kelayakan”."
        )
        if other
        else _(
            "Terima kasih, persetujuan Anda saya catat. Tidak harus sekarang: kalau sudah siap, ketik NIK Anda "
            "(16 digit di KTP) di chat ini, atau nanti ketik “Cek kelayakan”."
        )
    )
    return [Reply(text, (turn.cancel_button(), turn.menu_button()))]


async def _consent_cancel(turn: Turn) -> list[Reply]:
    """ "ga usah deh", "batal" at the consent notice: cancelled like any step, and remembered as a declined
    notice, so a later "yaudh boleh deh setuju" still takes the consent up."""
    turn.clear_state()
    turn.remember_topic(CONSENT_DECLINED)
    return [turn.main_menu(turn._("Baik, dibatalkan."))]


# The agreement itself named, beside a thank-you ("ok makasih, setuju"); unlike `_EXPLICIT_YES`, no "ok"/"iya".
_AGREEMENT_NAMED = re.compile(r"\b(setuju|stuju|lanjut|lanjutkan|boleh|silakan|silahkan|agree|proses|go ahead)\b")


@router.step(AWAITING_CONSENT, reminder=_consent_reminder, cancel=_consent_cancel)
async def consent_step(turn: Turn, said: Said) -> list[Reply] | None:
    _ = turn._
    if said.is_question and _IF_REFUSED.search(said.lowered) and not said.digits.nik:
        asked = said.faq.entry if said.faq is not None else None
        if asked is not None and not asked.follow_up and asked.id not in ("privacy", "stored_data"):
            # "kalo gak setuju sy masih bisa nanya2 kan? iurannya brp": yes, and the question answered now.
            return [
                Reply(
                    _(
                        "Bisa. Tanpa setuju pun Anda tetap bisa bertanya soal program, cara perbarui data, dan cara "
                        "klaim; hanya cek kelayakan yang perlu NIK."
                    )
                ),
                Reply(faq.answer_text(asked, turn.domain, _, turn.outcome)),
                consent_buttons(turn, _("Kalau nanti mau cek: setuju NIK diproses? Ketik “ya” atau “tidak”.")),
            ]
        return [
            consent_buttons(
                turn,
                _(
                    "Tidak apa-apa jika tidak setuju: NIK Anda tidak diproses, dan Anda tetap bisa membaca "
                    "informasi program, cara perbarui data, dan cara klaim tanpa NIK. Hanya cek kelayakan yang "
                    "perlu NIK; tanpa cek di sini, petugas kelurahan bisa membantu mengecek (bawa KTP-el dan KK). "
                    "Setuju NIK diproses untuk cek? Ketik “ya” atau “tidak”."
                ),
            )
        ]
    why_asked = _WHY_CONSENT.search(said.lowered) and not said.digits.nik  # its "setuju" is no answer
    if why_asked or (_CONFUSED.search(said.lowered) and said.answer is None):
        return [
            consent_buttons(
                turn,
                _(
                    "Maksudnya: untuk mengecek, saya perlu NIK dan 4 digit terakhir KK Anda. Saya hanya "
                    "mencocokkannya dengan data DTSEN dan BPJS Ketenagakerjaan, tidak menyimpan angkanya, dan "
                    "Anda bisa menghapus riwayatnya kapan saja. Persetujuan ini tidak wajib: tanpa setuju, Anda "
                    "tetap bisa bertanya soal program; hanya cek kelayakan yang perlu NIK. Boleh? Ketik “ya” atau "
                    "“tidak”."
                ),
            )
        ]
    if _yes_on_condition(said):
        # "boleh tp jgn disebar ya": a yes; its "jgn" is about passing the data on, which is answered
        reassured = Reply(
            _(
                "Tentu. NIK dan nomor KK Anda tidak disimpan dan tidak dibagikan; hanya dicocokkan dengan data "
                "DTSEN dan BPJS Ketenagakerjaan."
            )
        )
        return [reassured, *await on_consent(turn, True, said)]
    if _yes_but_later(said):
        # "setuju sih tp ntar aja, lg di jalan": the consent is given, the NIK comes later (kept on the chat)
        return _consent_for_later(turn, said)
    waiting = said.waiting  # "tunggu ya" is not a yes
    answer = said.given_answer
    if answer is False and _LATER.search(said.lowered) and not _REFUSAL_WORD.search(said.lowered):
        # "nanti aja deh", "besok aja": not now, which is no refusal; nothing is processed, the notice waits
        return [
            consent_buttons(
                turn,
                _(
                    "Baik, nanti saja. NIK belum diproses. Kapan pun Anda siap, jawab “ya” di sini atau ketik "
                    "“Cek kelayakan” lagi."
                ),
            )
        ]
    if answer is True and not waiting and "?" not in said.text and _acting_for_someone(said):
        # "iya sy setuju mewakili", "boleh, sy wakilin bapak" (an opening "boleh" is no question without a "?"):
        # the consent, given for the person checked
        turn.update_data(other=True)
        return await on_consent(turn, True, said)
    if answer is True and THANKS.search(said.lowered) and not _AGREEMENT_NAMED.search(said.lowered):
        # "oke makasih min": a thank-you that closes, not an agreement to process a NIK; asked plainly
        return [
            consent_buttons(
                turn,
                _("Sama-sama 🙏 Supaya jelas: setuju NIK Anda diproses untuk cek? Ketik “ya” atau “tidak”."),
            )
        ]
    if answer is not None and not said.faq and not waiting:
        return await on_consent(turn, answer, said)
    if (waiting or _LATER.search(said.lowered)) and said.faq is None and not said.is_question:
        return [
            consent_buttons(
                turn,
                _("Baik, silakan. Kalau sudah siap, ketik “ya” jika setuju NIK diproses, atau “tidak”."),
            )
        ]
    if said.digits.nik:
        # Not processed, not kept: consent comes first.
        return [
            consent_buttons(
                turn,
                _(
                    "NIK itu belum saya proses dan tidak disimpan. Setuju dulu, ya: ketik “ya” jika setuju, "
                    "atau “tidak”."
                ),
            )
        ]
    if said.intent == "check_eligibility" and said.faq is None:
        return consent_prompt(turn, turn.data.get("purpose", "check"), bool(turn.data.get("other") or said.family))
    if said.faq is not None or said.intent != "out_of_scope":
        return None
    if said.family:  # "ini buat bapak saya": the check is for someone else
        turn.update_data(other=True)
        return [
            consent_buttons(
                turn,
                _("Baik, untuk cek NIK orang lain (dengan izinnya). Setuju NIK itu diproses seperti di atas?"),
            )
        ]
    return [
        consent_buttons(turn, _("Maaf, belum jelas. Ketik “ya” jika setuju NIK diproses, atau “tidak” (contoh: ya)."))
    ]


def _nik_reminder(turn: Turn) -> Reply:
    _ = turn._
    text = (
        _("Kalau sudah siap, ketik NIK yang mau dicek (16 digit).")
        if turn.data.get("other")
        else _("Kalau sudah siap, ketik NIK Anda (16 digit di KTP).")
    )
    return Reply(text, (turn.cancel_button(), turn.menu_button()))


@router.step(AWAITING_NIK, reminder=_nik_reminder)
async def nik_step(turn: Turn, said: Said) -> list[Reply] | None:
    _ = turn._
    retry = turn.data.get("retry")
    if retry and not said.digits.nik and said.digits.kk4 and len(said.digits.longest) == 4:
        # After a failed check, the KK digits alone try the same NIK again.
        turn.set_state(
            AWAITING_KK4,
            purpose=turn.data.get("purpose", "check"),
            other=turn.data.get("other", False),
            nik=retry,
            fails=turn.data.get("fails", 0),
        )
        return await on_kk4(turn, said.digits.kk4)
    if said.digits.kk_only:
        # "no kk 3275…" while the NIK is asked for: the KK number is the second step, not the NIK.
        return [
            Reply(
                _(
                    "Itu nomor KK. Yang diminta dulu NIK: 16 digit di KTP, atau di Kartu Keluarga pada baris nama "
                    "(bukan nomor KK di bagian atas). Setelah NIK, saya minta 4 digit terakhir nomor KK."
                ),
                (turn.cancel_button(), turn.menu_button()),
            )
        ]
    if not said.digits.nik and letter_in_number(said.text):
        # "32750141O1900001": a letter O typed for a zero (or I / l for a one); not "8 digit", which misleads
        return [
            Reply(
                _(
                    "NIK hanya berisi angka, tapi di NIK itu ada huruf (misalnya huruf O untuk angka 0, atau huruf "
                    "I/l untuk angka 1). Coba ketik lagi 16 angkanya."
                ),
                (turn.cancel_button(), turn.menu_button()),
            )
        ]
    if said.digits.nik or looks_like_digits_answer(said.text):
        if said.family and not turn.data.get("other"):
            turn.update_data(other=True)
        return await on_nik(turn, said.text, said.digits.kk4, said.digits.nik)
    if _hassle(said):
        return [_hassle_reply(turn), _nik_reminder(turn)]
    just_failed = bool(turn.data.get("retry"))  # then "maksudnya?" is about the failed check
    if _CONFUSED.search(said.lowered) and said.faq is not None and said.faq.entry.follow_up and not just_failed:
        # "maksudnya?" at the NIK prompt: what is asked for, and where to find it.
        return [
            Reply(
                _(
                    "Maksudnya: ketik NIK, yaitu 16 digit angka di KTP (baris paling atas), juga tercantum di "
                    "Kartu Keluarga di baris nama. Contoh bentuknya: 3275xxxxxxxxxxxx."
                ),
                (turn.cancel_button(), turn.menu_button()),
            )
        ]
    if (said.waiting or said.postponed) and not said.is_question:
        # "bentar ya kak", "hang on, getting my card", "ntar aje ye": the prompt stays, kindly (not an answer
        # about the card, nor "that is no NIK")
        return [
            Reply(
                _("Baik, silakan. Kalau sudah ada, ketik NIK-nya di sini."), (turn.cancel_button(), turn.menu_button())
            )
        ]
    if asks_which_kk(turn, said):
        return [which_kk_reply(turn), _nik_reminder(turn)]
    if said.faq is not None:
        return None
    if _DONT_KNOW.search(said.lowered):
        # "lupa kk nya yg mana" (after a mismatch, the NIK is asked again): the KK, not the KTP, is missing;
        # "sy cuma tau nik ibu, nik sy sendiri ga tau": what is missing is the user's own NIK.
        about_kk = _ABOUT_KK.search(said.lowered) and not re.search(r"\b(nik|ktp|e-?ktp)\b", said.lowered)
        names_card = about_kk or re.search(r"\b(nik|ktp|e-?ktp)\w*\b", said.lowered)
        if turn.data.get("retry") and not names_card:
            # "nggak tau deh" right after a mismatch: what may be wrong and who can help, not "your KTP is lost"
            return [_faq_reply(turn, "no_match"), _nik_reminder(turn)]
        return [_faq_reply(turn, "kk_missing" if about_kk else "ktp_lost"), _nik_reminder(turn)]
    if said.family and not said.is_question:  # "sy punya 2 anak, bisa ikut?" asks, it names no record
        turn.update_data(other=True)
        return [ask_nik(turn)]
    if said.bare_answer is False:  # "ga jadi", "no" — not "it still says no match, why?"
        turn.clear_state()
        return [turn.main_menu(_("Baik, tidak jadi cek. Tidak ada yang diproses."))]
    leaving = said.intent not in ("out_of_scope", "menu", "check_eligibility") and strong(said)
    if leaving or (said.is_question and said.about_program):
        return None
    if said.is_question and _ABOUT_CARDS.search(said.lowered):
        # "is the NIK the number at the top of the KTP?": where the NIK is, and the prompt again
        return [_faq_reply(turn, "nik_where"), _nik_reminder(turn)]
    return [
        Reply(
            _(
                "Maaf, itu bukan NIK. NIK adalah 16 digit angka di KTP atau KK, contoh: 3275xxxxxxxxxxxx. "
                "Ketik NIK-nya, atau tekan Batal."
            ),
            (turn.cancel_button(), turn.menu_button()),
        )
    ]


def _come_back_later(turn: Turn) -> Reply:
    """The KK is not at hand: nothing is lost, the NIK waits the dialog's minutes (policy), then a new start."""
    _ = turn._
    return ask_kk4(
        turn,
        _(
            "Tidak harus sekarang. NIK tadi saya tunggu {minutes} menit: kalau nomor KK sudah ada, kembali ke chat "
            "ini dan ketik 4 digit terakhirnya untuk melanjutkan. Lewat dari itu, mulai lagi dengan “Cek "
            "kelayakan”."
        ).format(minutes=turn.domain.policy.dialog_minutes),
    )


# Answers about the KK itself, given at the KK prompt with the prompt (not as a general answer with more
# answers appended: "kk nya udh ganti baru, nomornya lain" asks only about the KK).
_KK_HELP = frozenset({"kk_reissued", "kk_what", "kk_two"})


def _kk4_reminder(turn: Turn) -> Reply:
    _ = turn._
    return ask_kk4(
        turn,
        _(
            "NIK tadi saya tunggu {minutes} menit. Kalau sudah ada, ketik 4 digit terakhir nomor KK (contoh: 0123)."
        ).format(minutes=turn.domain.policy.dialog_minutes),
    )


# The 4 digits sent first, closed by a stop or a comma, then something else ("0123. klo lolos dpt kartu?").
_DIGITS_FIRST = re.compile(r"^\s*\d{4}\s*[.,;!\n]\s*\S")
# What a 16-digit number at the KK prompt is said to be: a NIK (typed again, corrected) or the KK itself.
_NAMES_NIK = re.compile(r"\bnik\w*\b")
_NAMES_KK = re.compile(r"\b(kk\w*|kartu keluarga|no\.? ?kk)\b")


@router.step(AWAITING_KK4, reminder=_kk4_reminder)
async def kk4_step(turn: Turn, said: Said) -> list[Reply] | None:
    _ = turn._
    digits = said.digits
    if digits.nik and digits.kk4:
        return await on_nik(turn, said.text, digits.kk4, digits.nik)  # a NIK and its KK digits again
    if digits.nik and _NAMES_NIK.search(said.lowered) and not _NAMES_KK.search(said.lowered):
        # "eh salah, nik yg bener 3275…": a corrected NIK replaces the first (a bare 16 digits is the whole KK)
        return await on_nik(turn, said.text, None, digits.nik)
    fours = [run for run in digits.runs if len(run) == 4]
    if not digits.nik and fours and _DIGITS_FIRST.match(said.text):
        # "0123. klo lolos dpt kartu ga?": the answer first, then a question of its own (answered after)
        found = said.faq
        also = [_faq_reply(turn, found.entry.id)] if found is not None and not found.entry.follow_up else []
        replies = await on_kk4(turn, fours[0])
        if also and turn.state == AWAITING_KEEP:
            return [*replies[:-1], *also, replies[-1]]  # the keep question stays the last thing asked
        return [*replies, *also]
    if not digits.nik and fours and said.is_question and not looks_like_digits_answer(said.text):
        # "0001 itu 4 digit terakhir kan?": asking, not answering (often the NIK's end): say what is asked
        # for, and let them send the digits alone rather than spend an attempt on a guess.
        return [
            ask_kk4(
                turn,
                _(
                    "Yang diminta 4 digit terakhir nomor KK, yaitu nomor 16 digit di bagian atas Kartu "
                    "Keluarga (bukan NIK). Jika angka itu memang 4 digit terakhir nomor KK, ketik 4 angka itu "
                    "saja, contoh: 0123."
                ),
            )
        ]
    if digits.nik and not digits.kk4 and turn.domain.hasher.nik(digits.nik).hex() == turn.data.get("nik"):
        # The same NIK typed again (the two numbers look alike): its last digits are not spent on an attempt.
        return [
            ask_kk4(
                turn,
                _(
                    "Itu NIK yang tadi, sudah saya terima. Sekarang yang diminta 4 digit terakhir nomor KK: nomor 16 "
                    "digit di bagian atas Kartu Keluarga (bukan NIK). Contoh: 0123."
                ),
            )
        ]
    if digits.kk4 or digits.nik or looks_like_digits_answer(said.text):
        if said.family and not turn.data.get("other"):
            turn.update_data(other=True)  # "0123, itu kk ibu saya": the record checked is the mother's
        return await on_kk4(turn, digits.kk4 or digits.nik or said.text)
    if asks_which_kk(turn, said):
        return [which_kk_reply(turn), _kk4_reminder(turn)]
    if _hassle(said):
        return [_hassle_reply(turn), _kk4_reminder(turn)]
    if _CONFUSED.search(said.lowered) and said.faq is not None and said.faq.entry.follow_up:
        return [_faq_reply(turn, "kk_what"), _kk4_reminder(turn)]  # what the 4 digits are, and where
    if _HOLD_ON.search(said.lowered) and not said.is_question and len(said.text.split()) <= MAX_HOLD_ON_WORDS:
        # "kk nya lg difotokopi, bentar ya": about to answer; the NIK waits (no advice on a lost KK)
        return [_come_back_later(turn)]
    if said.faq is not None and said.faq.entry.id == "kk_two":
        # "kk nya yang mana? ada 2": which card is meant, not a card missing
        return [_faq_reply(turn, "kk_two"), _kk4_reminder(turn)]
    kk_unknown = _ABOUT_KK.search(said.lowered) and _DONT_KNOW.search(said.lowered) and not said.is_question
    if kk_unknown or (said.faq is not None and said.faq.entry.id == "kk_missing"):
        # "kk nya ketinggalan di rumah", "dipegang istri": where to find the number, and that it can wait
        return [_faq_reply(turn, "kk_missing"), _come_back_later(turn)]
    if said.faq is not None and said.faq.entry.id in _KK_HELP:
        return [_faq_reply(turn, said.faq.entry.id), _kk4_reminder(turn)]
    if said.faq is not None:
        return None
    if _ASK_FIRST.search(said.lowered) and not said.is_question:
        # "sy tanya istri dulu ya nomor kk nya": fetching the number, it can wait
        return [_come_back_later(turn)]
    if said.family and not turn.data.get("other") and not said.is_question:
        # "itu NIK bapak saya": the KK digits are his too ("kk tuh apaan? kakak?" asks, it names no one)
        turn.update_data(other=True)
        return [ask_kk4(turn, _("Baik, NIK orang tersebut. Sekarang ketik 4 digit terakhir nomor KK-nya."))]
    if (_LATER.search(said.lowered) or said.waiting) and not said.is_question:
        return [
            Reply(
                _(
                    "Baik. NIK tadi saya tunggu {minutes} menit: ketik 4 digit terakhir KK kapan saja dalam waktu "
                    "itu. Setelah itu, mulai lagi dengan “Cek kelayakan”."
                ).format(minutes=turn.domain.policy.dialog_minutes),
                (turn.cancel_button(), turn.menu_button()),
            )
        ]
    if (said.is_question or _CONFUSED.search(said.lowered)) and not _DONT_KNOW.search(said.lowered):
        # "kk itu kartu keluarga kan?", "gak ngerti 4 digit terakhir": what the KK number is, with an example
        return [_faq_reply(turn, "kk_what"), _kk4_reminder(turn)]
    if _DONT_KNOW.search(said.lowered) or _ABOUT_KK.search(said.lowered):
        return [_faq_reply(turn, "kk_missing"), _come_back_later(turn)]
    # Another flow may take over, but not a new check: this one is half done ("cek kelayakan" again).
    leaving = said.intent not in ("out_of_scope", "menu", "check_eligibility") and strong(said)
    if leaving or (said.is_question and said.about_program):
        return None
    if said.intent == "check_eligibility" and strong(said):
        # "cek kelayakan" again: the check under way, not "belum jelas"
        text = _("Cek tadi masih berjalan: NIK sudah diterima. Tinggal ketik 4 digit terakhir nomor KK.")
        return [ask_kk4(turn, text)]
    return [
        ask_kk4(
            turn,
            _(
                "Maaf, belum jelas. Yang diminta 4 digit terakhir nomor KK (16 digit di bagian atas Kartu "
                "Keluarga), contoh: 0123. KK tidak ada? Tekan Batal, lalu cek lagi nanti."
            ),
        )
    ]


def _keep_reminder(turn: Turn) -> Reply:
    return Reply("")  # never shown: the step is let go when something else is asked


_KEEP_WORDS = re.compile(
    # the yes words with the fillers between them ("boleh deh simpen aja", "yaudah simpen")
    r"^((iya?|ya|boleh|bole|ok|oke|mau|yes|please|tolong|sip|deh|dong|lah|yaudah|yaudh|ywdh|udah|gpp) )*"
    r"(simpan|simpen|simpenin|simpankan|disimpan|disimpen|save|keep)( (aja|saja|ya|deh|dong|it|sj|aj|please))*$"
)


def names_keeping(lowered: str) -> bool:
    """The message speaks of keeping the verification at all ("simpan aja", "ga usah disimpen")."""
    return bool(re.search(r"\b(simpan\w*|simpen\w*|disimpan\w*|disimpen\w*|keep|save)\b", lowered))


_NO_NEED = re.compile(r"^(ga|gak|nggak|ngga|tidak|tdk|g) ?(usah|perlu)( (aja|deh|disimpan|dulu))*$")


async def _keep_cancel(turn: Turn) -> list[Reply]:
    """ "ga usah" / "batal" at "Simpan verifikasi?" is a no: the verification is not kept (and says so)."""
    return await on_keep(turn, False)


_ABOUT_KEEPING = re.compile(
    r"\b(simpan|simpen|disimpan|disimpen|tersimpan|nyimpen|verifikasi|save|saved|keep|kept)\w*\b"
)


def _keep_explained(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Maksudnya: kalau disimpan, selama {days} hari Anda bisa membuka “Status kepesertaan” tanpa mengetik "
            "NIK dan KK lagi. Yang disimpan hanya kode acak (hash), bukan NIK atau nomor KK, dan bisa dihapus "
            "kapan saja lewat “Hapus data saya”. Simpan?"
        ).format(days=turn.domain.policy.verification.verified_link_days),
        (Button("keep:yes", _("Ya, simpan")), Button("keep:no", _("Tidak perlu"))),
    )


# "jangan disimpen ya", "ga usah disimpan, makasih", "don't keep it": a no that names the keeping, at any length.
_DONT_KEEP = re.compile(
    r"\b(jangan|jgn|ga|gak|nggak|ngga|enggak|tidak|tdk|gausah|gausa|gaperlu|don.t|do not|no need to)\s*"
    r"(usah\s*|perlu\s*|dulu\s*)?(di)?(simpan|simpen|simpenin|save|keep)\w*"
)
_KEEP_IT = re.compile(r"\b(di)?(simpan|simpen|simpenin|save|keep)\w*\b")


# "eh itu tadi nik ibu saya", "itu punya bapak, bukan punya saya": the record just checked was someone else's.
_WAS_OTHER = re.compile(
    r"\b(itu|tadi|td|barusan|yg tadi|yang tadi|yang barusan|that|it was|that was)\b.{0,20}"
    r"\b(nik|punya|milik|data|ktp)\b"
    r"|\bbukan (punya|nik|data|milik) (saya|sy|aku|gw|gue)\b|\bnot (mine|my own|my nik)\b"
)


def was_someone_else(said: Said) -> bool:
    return bool(said.family and not said.digits.nik and _WAS_OTHER.search(said.lowered))


async def checked_someone_else(turn: Turn) -> list[Reply]:
    """The last check turns out to be of someone else's NIK: its verification leaves this chat, and follow-ups
    speak of "NIK yang dicek" (nothing of it may pass as the user's own)."""
    _ = turn._
    if await turn.uow.links.get(turn.msg.channel, turn.msg.user_key) is not None:
        await turn.uow.links.delete(turn.msg.channel, turn.msg.user_key)
    outcome = turn.outcome
    turn.clear_state()
    if outcome:
        turn.remember_outcome(outcome, other=True)
    return [
        turn.main_menu(
            _(
                "Baik, jadi hasil tadi untuk NIK orang lain, bukan data Anda. Verifikasinya tidak disimpan di chat "
                "ini, dan pertanyaan lanjutan saya jawab untuk NIK yang dicek itu. Untuk cek NIK Anda sendiri, "
                "pilih “Cek kelayakan”."
            )
        )
    ]


@router.step(AWAITING_KEEP, reminder=_keep_reminder, cancel=_keep_cancel)
async def keep_step(turn: Turn, said: Said) -> list[Reply] | None:
    if was_someone_else(said):
        return await checked_someone_else(turn)
    if said.family and not said.is_question and not said.digits.nik and not names_keeping(said.lowered):
        # "ok skrg punya nenek sy": the optional question let go; the next check is for that person.
        turn.clear_state()
        return None
    few = len(said.text.split()) <= MAX_KEEP_ANSWER_WORDS
    short = few and not said.is_question
    words = " ".join(re.sub(r"[^\w ]+", " ", said.lowered).split())
    # "boleh simpen aja" starts like a question ("boleh …?") but answers this one.
    if few and "?" not in said.text and (_KEEP_WORDS.match(words) or _NO_NEED.match(words)):
        return await on_keep(turn, bool(_KEEP_WORDS.match(words)))
    if "?" not in said.text and said.answer is False and len(words.split()) <= MAX_BARE_NO_WORDS:
        # a bare "ga", "nggak ah", "no thanks": the answer to "Simpan verifikasi?" (not a question ending in
        # "ga", nor a request for a number because of "no")
        return await on_keep(turn, False)
    if not said.digits.nik and said.digits.kk4 and looks_like_digits_answer(said.text):
        # The KK digits typed again: the check is done already; the optional question asked once more.
        _ = turn._
        return [
            Reply(
                _(
                    "Cek sudah selesai, hasilnya ada di atas. Simpan verifikasi ini {days} hari agar bisa cek "
                    "status tanpa mengetik NIK lagi?"
                ).format(days=turn.domain.policy.verification.verified_link_days),
                (Button("keep:yes", _("Ya, simpan")), Button("keep:no", _("Tidak perlu"))),
            )
        ]
    if said.is_question and _ABOUT_KEEPING.search(said.lowered) and len(said.text.split()) <= MAX_KEEP_QUESTION_WORDS:
        return [_keep_explained(turn)]  # "simpan buat apa?", "disimpan itu gimana?": the step stays
    borrowed = said.faq is not None and said.faq.entry.id == "borrowed_phone"
    if not said.is_question and (_DONT_KEEP.search(words) or borrowed):
        # "jangan disimpen ya, ini hp pinjeman": not kept, and how to leave nothing on someone else's phone.
        return await on_keep(turn, False, borrowed=borrowed)
    if not said.is_question and said.answer is not False and _KEEP_IT.search(words) and len(words.split()) <= 8:
        return await on_keep(turn, True)  # "iya simpan aja biar gampang"
    if said.answer is not None and short and said.faq is None and said.intent in ("menu", "out_of_scope"):
        return await on_keep(turn, said.answer)
    turn.clear_state()  # the question was optional: anything else lets it go
    return None


@router.button("check")
async def check_button(turn: Turn, argument: str) -> list[Reply]:
    return await start(turn, "check", other=argument == "other")  # "check:other": offered about a relative


@router.button("consent")
async def consent_button(turn: Turn, argument: str) -> list[Reply]:
    if turn.state != AWAITING_CONSENT:
        turn.set_state(AWAITING_CONSENT, purpose="check")
    return await on_consent(turn, argument == "yes")


@router.button("keep")
async def keep_button(turn: Turn, argument: str) -> list[Reply]:
    return await on_keep(turn, argument == "yes")


@router.intent("check_eligibility")
async def check_intent(turn: Turn, said: Said) -> list[Reply]:
    return await start(turn, "check", said)
