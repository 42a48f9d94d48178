"""Everything else: stickers, photos, voice notes, very long text, messages not understood, questions the
knowledge base cannot answer. Never silence, never a dead end."""

from __future__ import annotations

import re

from handlers.context import Turn
from handlers.model import Button, Kind, Reply


def non_text(turn: Turn) -> list[Reply]:
    return [turn.main_menu(non_text_text(turn))]


def non_text_text(turn: Turn) -> str:
    _ = turn._
    kind = turn.msg.kind
    if kind is Kind.AUDIO:
        text = _("Maaf, saya belum bisa mendengar pesan suara. Silakan ketik pesan Anda.")
    elif kind in (Kind.IMAGE, Kind.VIDEO, Kind.DOCUMENT):
        text = _(
            "Maaf, saya tidak bisa membaca foto atau berkas. Jangan kirim foto KTP/KK di sini; cukup ketik "
            "yang diminta."
        )
    elif kind is Kind.STICKER or kind is Kind.REACTION:
        text = _("😊 Terima kasih! Saya hanya bisa membaca pesan teks: ketik pertanyaan Anda, atau pilih dari menu.")
    elif kind is Kind.LOCATION:
        text = _("Terima kasih. Saya tidak memakai lokasi; ketik saja nama kelurahan Anda bila diminta.")
    else:
        text = _("Maaf, jenis pesan itu belum bisa saya baca. Silakan ketik pesan Anda.")
    return text


def too_long(turn: Turn) -> list[Reply]:
    return [turn.main_menu(too_long_text(turn))]


def too_long_text(turn: Turn) -> str:
    return turn._("Pesannya terlalu panjang untuk saya. Coba tulis singkat saja, ya.")


def out_of_scope(turn: Turn) -> list[Reply]:
    _ = turn._
    text = _(
        "Maaf, saya belum mengerti. Saya hanya bisa membantu soal program SIGAP: cek kelayakan BPJS "
        "Ketenagakerjaan gratis, cara perbarui data DTSEN, status kepesertaan, dan klaim.\n"
        "Contoh pertanyaan: “apa itu SIGAP?”, “iurannya berapa?”, “cek kelayakan”."
    )
    return [turn.main_menu(text)]


def ask_away(turn: Turn) -> list[Reply]:
    """ "Mau tanya" on its own: an invitation, not a message to misunderstand."""
    _ = turn._
    text = _(
        "Silakan, tanyakan saja. Contoh: “apa itu SIGAP?”, “siapa yang bisa ikut?”, “iurannya berapa?”, atau "
        "pilih dari menu."
    )
    return [turn.main_menu(text)]


# Leaving the programme ("sy mau berhenti jadi peserta sigap", "cara keluar dari sigap"): the brief gives no
# procedure, so an officer answers; never the general "SIGAP adalah…" nor a check.
_LEAVING = re.compile(
    r"\b(berhenti|keluar|mundur|mengundurkan diri|undur diri|cabut|resign|quit|leave|withdraw)\b"
    r".{0,25}\b(peserta|kepesertaan|sigap|ucj|program|bpjs)\b"
)


def about_leaving(lowered: str) -> bool:
    return bool(_LEAVING.search(lowered)) and "langganan" not in lowered


def unknown_question(turn: Turn) -> list[Reply]:
    """A question about the programme that the knowledge base cannot answer: say so, and where to ask."""
    _ = turn._
    text = _(
        "Maaf, saya belum tahu jawaban untuk pertanyaan itu, dan saya tidak mau menebak. Tekan “Tanya petugas” "
        "untuk meneruskannya ke petugas kelurahan (dijawab di chat ini), atau “Bantuan” untuk kontaknya."
    )
    buttons = (Button("ticket:start", _("Tanya petugas")), Button("help", _("Bantuan")), turn.menu_button())
    return [Reply(text, buttons)]
