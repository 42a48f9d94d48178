"""Langganan info: kelurahan announcements. BERHENTI/STOP always works and is confirmed; MULAI resubscribes."""

from __future__ import annotations

import re

from handlers import faq
from handlers.context import Turn
from handlers.flow import Router
from handlers.flows import fallback
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import Button, Reply
from handlers.understanding import Said
from sigap_core.wilayah import Kelurahan

router = Router("subscription")


async def start(turn: Turn, typed: str | None = None) -> list[Reply]:
    place = await kelurahan_flow.resolve(turn, typed)
    if place is None:
        # Said what this is for: a bare "Kelurahan Anda apa?" after a request reads as any other flow.
        lead = turn._("Langganan info: pengumuman dari kelurahan Anda akan dikirim ke chat ini.")
        return [Reply(lead), *kelurahan_flow.ask(turn, "subscribe")]
    return await subscribe(turn, place)


# The knowledge-base entry a follow-up right after subscribing is about ("kapan dikirimnya?"), and the mark
# that a correction of the kelurahan just chosen ("eh salah, ganti ke jatibening") may follow.
SUBSCRIBED_TOPIC = "subscription_what"


@kelurahan_flow.continue_with("subscribe")
async def subscribe(turn: Turn, place: Kelurahan) -> list[Reply]:
    _ = turn._
    turn.clear_state()
    turn.remember_topic(SUBSCRIBED_TOPIC)
    await turn.uow.subscriptions.set(turn.msg.channel, turn.msg.user_key, place.code, "active")
    text = _("Anda berlangganan pengumuman Kelurahan {kelurahan}. Kirim BERHENTI kapan saja untuk berhenti.").format(
        kelurahan=place.name
    )
    return [Reply(text, (Button("stop", _("Berhenti langganan")), turn.menu_button()))]


async def stop(turn: Turn) -> list[Reply]:
    _ = turn._
    turn.clear_state()
    await turn.uow.subscriptions.set(turn.msg.channel, turn.msg.user_key, None, "stopped")
    text = _("Baik, Anda tidak akan menerima pengumuman lagi. Kirim MULAI jika ingin berlangganan lagi.")
    return [Reply(text, (Button("subscribe", _("Langganan lagi")), turn.menu_button()))]


async def resume(turn: Turn) -> list[Reply]:
    subscription = await turn.uow.subscriptions.get(turn.msg.channel, turn.msg.user_key)
    if subscription is not None:
        place = turn.domain.wilayah.get(subscription.kode_kelurahan)
        if place is not None:
            return await subscribe(turn, place)
    return await start(turn)


@router.button("subscribe")
async def subscribe_button(turn: Turn, argument: str) -> list[Reply]:
    return await start(turn)


@router.button("stop")
async def stop_button(turn: Turn, argument: str) -> list[Reply]:
    return await stop(turn)


@router.intent("subscribe")
async def subscribe_intent(turn: Turn, said: Said) -> list[Reply]:
    return await start(turn, said.text)


# "gmn caranya berhenti dapet pengumuman?": a question about stopping is answered (with the button); only a
# request stops at once ("stop kirim info", "ga mau dapet pengumuman lagi").
_HOW = re.compile(r"\b(gimana|gmn|bagaimana|caranya|cara|bisa|bisakah|boleh|how|can i|could i)\b")


# A stop that names the messages ("berhenti dapet pengumuman", "stop info") is clearly about them.
_NAMES_MESSAGES = re.compile(
    r"\b(pengumuman\w*|info\w*|pesan\w*|notif\w*|langganan\w*|berlangganan|broadcast\w*|kabar\w*|chat|bot"
    r"|messages?|announcements?|news|notifications?|subscri\w*)\b"
)
# Outcomes of someone who is (or is about to be) a participant: "berhenti" may mean leaving the programme.
_PARTICIPANT_OUTCOMES = frozenset({"enrolled", "selected"})


def _leaving_or_stopping(turn: Turn, said: Said) -> list[Reply]:
    """ "klo mau berhenti gmn?" after a participant's result: leaving the programme or stopping the
    announcements. Both answered briefly, nothing stopped until the user says which."""
    _ = turn._
    text = _(
        "Berhenti yang mana?\n"
        "• Berhenti jadi peserta SIGAP: caranya belum diumumkan, dan saya tidak mau menebak. Tekan “Tanya "
        "petugas” supaya petugas kelurahan menjawab di chat ini.\n"
        "• Berhenti menerima pengumuman di chat ini: tekan “Berhenti langganan” (atau kirim BERHENTI). "
        "Kepesertaan Anda tidak berubah."
    )
    buttons = (Button("stop", _("Berhenti langganan")), Button("ticket:start", _("Tanya petugas")))
    return [Reply(text, (*buttons, turn.menu_button()))]


def _leaving_programme(turn: Turn) -> list[Reply]:
    """ "sy mau brenti aja dr program ini": leaving the programme (no procedure in the brief), with the way
    to stop the messages named; the subscription is left as it is."""
    _ = turn._
    text = faq.answer_text(faq.entry("leave_programme"), turn.domain, _, turn.outcome)
    buttons = (Button("ticket:start", _("Tanya petugas")), Button("stop", _("Berhenti langganan")))
    return [Reply(text, (*buttons, turn.menu_button()))]


@router.intent("unsubscribe")
async def unsubscribe_intent(turn: Turn, said: Said) -> list[Reply]:
    if not _NAMES_MESSAGES.search(said.lowered):
        if fallback.about_leaving(said.lowered) or fallback.about_leaving(said.normalised):
            return _leaving_programme(turn)
        if turn.outcome in _PARTICIPANT_OUTCOMES and not turn.outcome_other:
            return _leaving_or_stopping(turn, said)
    if said.is_question and _HOW.search(said.lowered):
        _ = turn._
        text = _(
            "Kirim BERHENTI kapan saja, dan pengumuman tidak dikirim lagi ke chat ini. Kirim MULAI jika ingin "
            "berlangganan lagi. Mau berhenti sekarang?"
        )
        return [Reply(text, (Button("stop", _("Berhenti langganan")), turn.menu_button()))]
    return await stop(turn)


# "eh salah, ganti ke jatibening", "bukan margahayu, jatibening", "ganti kelurahan": right after subscribing,
# the kelurahan just chosen corrected.
_CHANGE = re.compile(r"\b(ganti|gnti|ganti2|salah|bukan|pindah|pindahin|ubah|maksud|maksudnya|harusnya|change|wrong)\b")
MAX_CORRECTION_WORDS = 8


async def corrected(turn: Turn, said: Said) -> list[Reply] | None:
    """The subscription moved to the kelurahan named last, or the picker again for "ganti kelurahan"; None when
    the message is no correction of a subscription just made."""
    words = said.lowered.split()
    if turn.state or turn.topic != SUBSCRIBED_TOPIC or len(words) > MAX_CORRECTION_WORDS:
        return None
    named = turn.domain.wilayah.all_named_in_text(said.text)
    change = bool(_CHANGE.search(said.lowered))
    if named and (change or len(words) <= 2):
        return await subscribe(turn, named[-1])
    if change and re.search(r"\bkel(urahan)?\w*\b", said.lowered):
        return kelurahan_flow.ask(turn, "subscribe")
    return None
