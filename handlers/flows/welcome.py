"""First contact, the menu and the language choice."""

from __future__ import annotations

from handlers.context import Turn
from handlers.model import Reply


def welcome(turn: Turn) -> list[Reply]:
    return [turn.main_menu(intro_text(turn))]


def intro(turn: Turn) -> Reply:
    return Reply(intro_text(turn))


def intro_text(turn: Turn) -> str:
    _ = turn._
    return _(
        "Halo! Saya SIGAP bot dari Pemkot Bekasi. 👋\n"
        "Program SIGAP membayar iuran BPJS Ketenagakerjaan (jaminan kecelakaan kerja dan kematian) untuk "
        "pekerja informal warga Kota Bekasi, seperti ojol, buruh harian, dan pedagang.\n"
        "Saya bisa bantu cek kelayakan, cara memperbarui data DTSEN, dan status kepesertaan Anda."
    )


def menu(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu()]


def thanks(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Sama-sama! Ada lagi yang bisa dibantu?"))]


def change_language(turn: Turn, lang: str) -> list[Reply]:
    turn.set_language(lang)
    turn.clear_state()
    return [turn.main_menu(turn._("Bahasa diganti ke Bahasa Indonesia."))]
