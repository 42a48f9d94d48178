"""Finding the user's kelurahan: from what they type, their verified record, or a pick from lists."""

from __future__ import annotations

from handlers.context import Turn
from handlers.model import Menu, Reply, Row
from sigap_core.wilayah import Kelurahan

AWAITING_KELURAHAN = "awaiting_kelurahan"
FIRST_PAGE = 9  # WhatsApp lists hold 10 rows: 9 kecamatan + "more"


async def resolve(turn: Turn, typed: str | None) -> Kelurahan | None:
    """A kelurahan named in the message, else the one the bot already knows for this chat."""
    place = from_text(turn, typed) if typed else None
    return place or await known(turn)


async def known(turn: Turn) -> Kelurahan | None:
    """The kelurahan of the verified record, else of the subscription."""
    wilayah = turn.domain.wilayah
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    if link is not None:
        found = await turn.uow.registry.person(link.nik_hmac)
        if found is not None and wilayah.get(found[0].kode_kelurahan):
            return wilayah.get(found[0].kode_kelurahan)
    subscription = await turn.uow.subscriptions.get(turn.msg.channel, turn.msg.user_key)
    if subscription is not None:
        return wilayah.get(subscription.kode_kelurahan)
    return None


def ask(turn: Turn, purpose: str, page: int = 1) -> list[Reply]:
    _ = turn._
    turn.set_state(AWAITING_KELURAHAN, purpose=purpose)
    kecamatan = turn.domain.wilayah.kecamatan
    if page == 1:
        rows = [Row(f"kec:{k.code}", k.name) for k in kecamatan[:FIRST_PAGE]]
        rows.append(Row("keclist:2", _("Kecamatan lain…")))
    else:
        rows = [Row(f"kec:{k.code}", k.name) for k in kecamatan[FIRST_PAGE:]]
        rows.append(Row("keclist:1", _("Kembali")))
    text = _("Kelurahan Anda apa? Ketik namanya (contoh: Jatibening), atau pilih kecamatan dari daftar.")
    return [Reply(text, menu=Menu(_("Pilih kecamatan"), tuple(rows)))]


def pick_kelurahan(turn: Turn, kecamatan_code: str) -> list[Reply]:
    _ = turn._
    wilayah = turn.domain.wilayah
    kecamatan = next((k for k in wilayah.kecamatan if k.code == kecamatan_code), None)
    if kecamatan is None:
        return ask(turn, turn.data.get("purpose", "update"))
    purpose = turn.data.get("purpose", "update")
    turn.set_state(AWAITING_KELURAHAN, purpose=purpose)
    rows = tuple(Row(f"kel:{k.code}", k.name) for k in wilayah.kelurahan_of(kecamatan))
    return [
        Reply(
            _("Kecamatan {kecamatan}. Pilih kelurahan Anda:").format(kecamatan=kecamatan.name),
            menu=Menu(_("Pilih kelurahan"), rows),
        )
    ]


def from_text(turn: Turn, text: str) -> Kelurahan | None:
    wilayah = turn.domain.wilayah
    return wilayah.find_kelurahan(text) or wilayah.find_in_text(text)


def not_understood(turn: Turn) -> list[Reply]:
    _ = turn._
    replies = ask(turn, turn.data.get("purpose", "update"))
    return [
        Reply(
            _("Maaf, kelurahan itu tidak ada di Kota Bekasi. Coba ketik lagi namanya, atau pilih dari daftar."),
            menu=replies[0].menu,
        )
    ]
