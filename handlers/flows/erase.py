"""Hapus data saya: erase what the bot holds about this chat, after confirmation.

Kept on purpose: counters of failed verification attempts (they expire by themselves; erasing them would
let anyone bypass the lock-out) and pseudonymous audit entries.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.model import Button, Reply

AWAITING_ERASE = "confirm_erase"


def ask(turn: Turn) -> list[Reply]:
    _ = turn._
    turn.set_state(AWAITING_ERASE)
    text = _(
        "Yang akan dihapus: riwayat percakapan, verifikasi NIK yang tersimpan, langganan info, dan pilihan "
        "bahasa. Data DTSEN dan BPJS Anda tidak berubah. Lanjutkan?"
    )
    return [Reply(text, (Button("erase:yes", _("Ya, hapus")), Button("erase:no", _("Batal"))))]


async def confirm(turn: Turn) -> list[Reply]:
    _ = turn._
    if turn.state != AWAITING_ERASE:
        return ask(turn)  # an old "Ya, hapus" button pressed later: ask again rather than erase silently
    channel, user = turn.msg.channel, turn.msg.user_key
    await turn.uow.links.delete(channel, user)
    await turn.uow.subscriptions.delete(channel, user)
    await turn.uow.session.delete(turn.conversation)
    turn.erased = True
    return [Reply(_("Data Anda di bot ini sudah dihapus. Kirim pesan apa saja jika ingin mulai lagi."))]


def cancel(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Dibatalkan. Tidak ada yang dihapus."))]
