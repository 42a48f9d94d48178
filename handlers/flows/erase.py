"""Hapus data saya: erase what the bot holds about this chat, after confirmation.

Tickets (questions to kelurahan staff) lose their texts and the link to this chat; open ones close.
Kept on purpose: the anonymous ticket rows (kelurahan, times, rating) for the program report; counters of
failed verification attempts (they expire by themselves; erasing them would let anyone bypass the
lock-out) and pseudonymous audit entries.
"""

from __future__ import annotations

import re

from handlers.context import Turn
from handlers.entities import has_letters, names_erasing
from handlers.flow import Router
from handlers.model import Button, Reply
from handlers.understanding import Said
from sigap_core.tickets import erase_of as erase_tickets
from sigap_core.tickets import open_ticket_of

AWAITING_ERASE = "confirm_erase"
MAX_ASKED_WORDS = 7  # "skrg apus ya" before its reason; longer, erasing is only mentioned
MAX_PLAIN_YES_WORDS = 4  # "iya deh boleh aja"; longer, a yes must name erasing to erase

router = Router("erase")

# Why the user wants it gone: "… biar temen sy gak liat", "… supaya pemilik hp ga tau", "so my wife can't see".
_SO_NOBODY_SEES = re.compile(
    r"\b(biar|supaya|agar|spy|so that|so)\b.{0,30}\b(ga|gak|nggak|ngga|enggak|tidak|tdk|jangan|jgn|can.t|cannot"
    r"|won.t|doesn.t|don.t)\b.{0,8}\b(liat|lihat|ngeliat|ngelihat|melihat|tau|tahu|baca|membaca|buka|see|read|know)\w*"
)
# What makes the words before the reason no request: a negation, a condition, a question word.
_NOT_ASKED = re.compile(
    r"\b(jangan|jgn|ga|gak|nggak|ngga|tidak|tdk|don.t|not|never|kalau|kalo|klo|jika|if|apa|apakah|gimana|gmn"
    r"|bagaimana|kenapa|bisa|bisakah|can|will|would|what|how|why)\b"
)


# "kalo ga dihapus gmn?", "what if i don't delete it?": what happens without erasing.
_IF_NOT_ERASED = re.compile(
    r"\b(kalau|kalo|klo|kl|jika|if)\b.{0,12}\b(ga|gak|nggak|ngga|tidak|tdk|not|don.?t|nggak)\b.{0,6}"
    r"\b(dihapus|hapus|diapus|apus|delete|deleted|erase|erased)\b"
)
# The data the bot does not hold, asked about ("data bpjs sy ikut ilang?", "kepesertaan sy hilang ga?"); the
# programme's own words are _PROGRAMME below.
_OUTSIDE_DATA = re.compile(r"\b(jmo|desil|dukcapil|ktp|kk)\w*\b")
_WHAT = re.compile(r"\b(apa|apaan|apa aja|apa saja|what|which)\b")


# A question about what erasing does: what goes, what is lost, whether the programme is touched.
_LOSS = re.compile(
    r"\b(ilang|hilang|kehapus|terhapus|dihapus|kehilangan|ikut|pengaruh\w*|berpengaruh|mempengaruhi|memengaruhi"
    r"|dampak\w*|efek\w*|batal|dicabut|keluar|lose|lost|affect\w*|removed|deleted|gone)\b"
)
_PROGRAMME = re.compile(r"\b(sigap|bpjs|kepesertaan|peserta|dtsen|kartu|kpj|jaminan|coverage|membership)\w*\b")


def about_erasing(said: Said) -> bool:
    """ "emg apa aja yg kehapus? sigap nya ilang gk", "kl dihapus, bpjs sy ikut ilang?": about the erase itself."""
    return bool(names_erasing(said.text) or _LOSS.search(said.lowered))


def asked_with_reason(said: Said) -> bool:
    """ "udah, skrg apus ya biar temen sy gak liat": erasing asked for, with the reason after it (the reason's
    own "gak" is no refusal). Confirmed before anything is erased, like every erase."""
    found = _SO_NOBODY_SEES.search(said.lowered)
    if found is None or said.is_question:
        return False
    head = said.lowered[: found.start()]
    return names_erasing(head) and not _NOT_ASKED.search(head) and len(head.split()) <= MAX_ASKED_WORDS


def _buttons(turn: Turn) -> tuple[Button, ...]:
    _ = turn._
    return (Button("erase:yes", _("Ya, hapus")), Button("erase:no", _("Batal")))


async def _open_ticket_number(turn: Turn) -> str | None:
    """The chat's ticket still waiting or answered (it closes unanswered when the data goes)."""
    if not turn.asked_officer:
        return None
    ticket = await open_ticket_of(turn.uow, turn.msg.channel, turn.msg.user_key, turn.now)
    return ticket.number if ticket is not None else None


async def ask(turn: Turn) -> list[Reply]:
    _ = turn._
    turn.set_state(AWAITING_ERASE)
    text = _(
        "Yang akan dihapus: riwayat percakapan, verifikasi NIK yang disimpan, langganan info, pilihan bahasa, "
        "dan isi pertanyaan Anda ke petugas kelurahan. Data DTSEN dan BPJS Anda tidak berubah. Lanjutkan?"
    )
    number = await _open_ticket_number(turn)
    if number is not None:
        text += "\n" + _(
            "Tiket {number} Anda masih terbuka: tiket itu akan ditutup dan tidak akan dijawab petugas."
        ).format(number=number)
    return [Reply(text, _buttons(turn))]


async def confirm(turn: Turn) -> list[Reply]:
    _ = turn._
    if turn.state != AWAITING_ERASE:
        return await ask(turn)  # an old "Ya, hapus" button pressed later: ask again rather than erase silently
    number = await _open_ticket_number(turn)
    asked = await erase_tickets(turn.uow, turn.msg.channel, turn.msg.user_key, turn.now)  # texts; counts stay
    await turn.erase()
    if number is not None:
        return [
            Reply(
                _(
                    "Data Anda di bot ini sudah dihapus, termasuk isi pertanyaan Anda ke petugas kelurahan. "
                    "Tiket {number} ditutup dan tidak akan dijawab. Kirim pesan apa saja jika ingin mulai lagi."
                ).format(number=number)
            )
        ]
    if asked:
        return [
            Reply(
                _(
                    "Data Anda di bot ini sudah dihapus, termasuk isi pertanyaan Anda ke petugas kelurahan. "
                    "Kirim pesan apa saja jika ingin mulai lagi."
                )
            )
        ]
    return [Reply(_("Data Anda di bot ini sudah dihapus. Kirim pesan apa saja jika ingin mulai lagi."))]


async def cancel(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Dibatalkan. Tidak ada yang dihapus."))]


# Part of what is erased named to be kept ("hapus tp langganannya jgn", "kecuali langganan", "riwayat aja").
_PART = r"(langganan\w*|verifikasi\w*|bahasa\w*|tiket\w*|pertanyaan\w*|riwayat\w*|chat\w*|subscription|language)"
_KEEPS_PART = re.compile(
    r"\b(tapi|tp|tpi|kecuali|selain|except|but)\b.{0,25}\b" + _PART + r"\b"
    r"|\b" + _PART + r"\b.{0,15}\b(jangan|jgn|tetap|tetep|biarin|keep)\b"
    r"|\b(hapus|apus|delete)\w* (verifikasi|langganan)\w* (aja|saja|doang|only)\b"
)


def _all_or_nothing(turn: Turn) -> Reply:
    _ = turn._
    text = _(
        "“Hapus data saya” menghapus semuanya sekaligus: riwayat percakapan, verifikasi NIK, langganan info, "
        "pilihan bahasa, dan isi pertanyaan ke petugas. Sebagian saja belum bisa: untuk berhenti langganan saja, "
        "kirim BERHENTI; untuk tetap berlangganan, tekan Batal. Hapus semuanya?"
    )
    return Reply(text, _buttons(turn))


def _in_words(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Menghapus data tidak bisa dibatalkan. Untuk menghapus, ketik “ya hapus” atau tekan tombolnya; "
            "untuk batal, ketik “batal”."
        ),
        _buttons(turn),
    )


def _reminder(turn: Turn) -> Reply:
    _ = turn._
    return Reply(_("Data belum dihapus. Hapus sekarang? Ketik “ya” atau “batal”."), _buttons(turn))


@router.step(AWAITING_ERASE, reminder=_reminder, cancel=cancel, own_escapes=("erase",))
async def erase_step(turn: Turn, said: Said) -> list[Reply] | None:
    # A yes erases only when it is the whole answer or names erasing: "eh sy mau cek status dulu" holds a
    # "mau", but asks for something else.
    # Erasing cannot be undone: a yes counts when it is the whole short answer or names erasing itself
    # ("go back to the menu" holds a yes-word, "sy mau cek status dulu" a "mau").
    if _KEEPS_PART.search(said.lowered):
        return [_all_or_nothing(turn)]  # "hapus tp langganannya jgn": never erased whole, never unsubscribed
    if said.bare_answer is True and not has_letters(said.text):
        # "👍", "👌", "✅": erasing cannot be undone, so an emoji alone (sent by a slip or as "got it") never
        # erases; the confirmation asks for the word or the button.
        return [_in_words(turn)]
    few = len(said.text.split()) <= MAX_PLAIN_YES_WORDS
    yes = said.bare_answer is True and (few or names_erasing(said.text))
    if yes or said.escape == "erase":
        return await confirm(turn)
    if said.bare_answer is False:
        return await cancel(turn)
    if said.waiting:
        return [_reminder(turn)]  # "bentar": nothing erased yet, the question stays
    if said.is_question and (said.faq is None or about_erasing(said)):
        # "data DTSEN saya ikut terhapus?", "nanti sy msh bisa cek lg kan?": the confirmation says what is
        # erased, and that the bot can be used again afterwards (a question about what erasing does is
        # answered here even when the knowledge base also reads a topic in it: "sigap nya ilang gk").
        _ = turn._
        if _IF_NOT_ERASED.search(said.lowered):
            # "emang knp kalo ga dihapus?": nothing happens; what the bot keeps ends by itself
            kept = Reply(
                _(
                    "Tidak apa-apa jika tidak dihapus: riwayat percakapan dan verifikasi yang disimpan berakhir "
                    "sendiri setelah paling lama {days} hari. Menghapus sekarang hanya mempercepatnya."
                ).format(days=turn.domain.policy.verification.verified_link_days)
            )
            return [kept, *await ask(turn)]
        if _OUTSIDE_DATA.search(said.lowered) or _PROGRAMME.search(said.lowered):
            # "nanti data bpjs sy ikut ilang ga?", "sigap nya ilang gk": no, and the confirmation again
            kept = Reply(
                _(
                    "Tidak. Kepesertaan SIGAP dan BPJS Ketenagakerjaan Anda tetap, begitu juga data DTSEN: yang "
                    "dihapus hanya yang disimpan bot ini."
                )
            )
            return [kept, *await ask(turn)]
        if _WHAT.search(said.lowered):
            return await ask(turn)  # "yg dihapus apa aja?": the confirmation itself says what
        after = Reply(
            _(
                "Menghapus data tidak menutup layanan: Anda tetap bisa memakai bot ini lagi kapan saja; untuk cek, "
                "cukup ketik NIK dan 4 digit KK lagi."
            )
        )
        return [after, *await ask(turn)]
    if said.faq is not None or said.intent not in ("out_of_scope",):
        return None
    _ = turn._
    return [Reply(_("Maaf, belum jelas. Ketik “ya” untuk menghapus, atau “batal” (contoh: batal)."), _buttons(turn))]


@router.button("erase")
async def erase_button(turn: Turn, argument: str) -> list[Reply]:
    if argument == "yes":
        return await confirm(turn)
    if argument == "no":
        return await cancel(turn)
    return await ask(turn)
