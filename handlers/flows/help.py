"""Bantuan: contact points from the policy file and a clear hand-off."""

from __future__ import annotations

from handlers.context import Turn
from handlers.flow import Router
from handlers.flows import tickets
from handlers.model import Button, Reply
from handlers.understanding import Said

router = Router("help")


def show(turn: Turn) -> list[Reply]:
    _ = turn._
    turn.clear_state()
    contacts = turn.domain.policy.contacts
    lines = [_("Bot ini tidak dibaca petugas secara langsung. Untuk bantuan dari orang:")]
    lines.append(_("• Kantor kelurahan Anda: untuk data DTSEN dan pendaftaran usulan."))
    if contacts.program_office_name:
        office = ", ".join(
            p
            for p in (
                contacts.program_office_name,
                contacts.program_office_address,
                contacts.program_office_phone,
            )
            if p
        )
        lines.append(_("• Pengelola program SIGAP: {office}").format(office=office))
    if contacts.helpline_whatsapp:
        lines.append(_("• WhatsApp layanan: {number}").format(number=contacts.helpline_whatsapp))
    bpjs = ", ".join(
        p
        for p in (
            contacts.bpjs_office_name,
            contacts.bpjs_office_address,
            contacts.bpjs_office_hours,
            contacts.bpjs_office_phone,
        )
        if p
    )
    if bpjs:
        lines.append(_("• Kepesertaan dan klaim: {office}").format(office=bpjs))
    lines.append(
        _("Saat datang, bawa KTP-el dan KK. Jangan berikan NIK atau data pribadi kepada orang yang tidak Anda kenal.")
    )
    lines.append(
        _("Atau tekan “Tanya petugas”: pertanyaan Anda saya teruskan ke petugas kelurahan, dijawab di chat ini.")
    )
    buttons = (
        Button("ticket:start", _("Tanya petugas")),
        Button("update", _("Cara perbarui data")),
        turn.menu_button(),
    )
    return [Reply("\n".join(lines), buttons)]


@router.button("help")
async def help_button(turn: Turn, argument: str) -> list[Reply]:
    return show(turn)


@router.intent("human_help")
async def help_intent(turn: Turn, said: Said) -> list[Reply]:
    """ "tanya petugas", "komplain", "mau ngobrol sama orang": a ticket; "nomor kantor", "bantuan": contacts."""
    if said.wants_officer:
        return await tickets.start(turn, said, lead=tickets.human_lead(turn))
    return show(turn)
