"""Status kepesertaan: the coverage of the verified record kept for this chat, or a check first."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Turn
from handlers.flow import Router
from handlers.flows import eligibility
from handlers.flows.claims import coverage_replies
from handlers.model import Button, Reply
from handlers.render import decision_text
from handlers.understanding import Said
from sigap_core.eligibility import Status
from sigap_core.services import check

router = Router("coverage")


async def show(turn: Turn, said: Said | None = None) -> list[Reply]:
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    if link is None or (said is not None and said.family):  # someone else's: checked, never the kept link
        replies = await eligibility.start(turn, purpose="coverage", said=said)
        checked_before = link is None and turn.outcome and not turn.outcome_other and turn.has_consent
        if checked_before and not (said is not None and said.family) and not (said is not None and said.digits.nik):
            # "jadi sy udh ditanggung blm?" right after a check whose verification was not kept: why the NIK again.
            lead = turn._("Verifikasi tadi tidak disimpan, jadi untuk melihat status kepesertaan saya perlu NIK lagi.")
            replies[0] = replace(replies[0], text=lead + "\n" + replies[0].text)
        return replies
    decision = await check(turn.uow, turn.domain, link.nik_hmac, turn.today)
    turn.remember_outcome(decision.status.value)
    if decision.status is Status.ENROLLED:
        return coverage_replies(turn, decision)
    _ = turn._
    text = _("Anda belum terdaftar sebagai peserta SIGAP.") + "\n\n" + decision_text(_, decision, turn.domain)
    return [Reply(text, (Button("update", _("Cara perbarui data")), turn.menu_button()))]


@router.button("coverage")
async def coverage_button(turn: Turn, argument: str) -> list[Reply]:
    return await show(turn)


@router.intent("coverage_status")
async def coverage_intent(turn: Turn, said: Said) -> list[Reply]:
    return await show(turn, said)
