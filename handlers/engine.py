"""The conversation engine: one InMessage in, a list of Reply out, dialog state kept in the database.

Every text message is understood in full first (intent, entities, the knowledge base: handlers.understanding),
then, in this order: a staff member's reply-to on a ticket notice → safety (size, type) → commands
(BERHENTI/MULAI, /petugas, /tiket) → the ways out that always work (menu, batal, hapus data, bantuan,
petugas) → the pending step, if the message fits it → with nothing pending and a ticket open, free text that
is not a clear new request, added to the ticket → otherwise the message's own question or intent, answered,
with the pending step reminded in one line. On WhatsApp, an officer's answer that went only as the template
is shown first.

The engine knows no state and no button by name: each flow module declares its own (handlers.flow.Router),
and they are all included in ROUTES below.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from handlers import ellipsis, faq
from handlers.change_of_mind import change_of_mind
from handlers.context import Turn
from handlers.entities import affirmative, escape_spelt, normalise_digits
from handlers.flow import Routes
from handlers.flows import (
    claims,
    coverage,
    eligibility,
    erase,
    fallback,
    help,
    kelurahan,
    staff,
    subscription,
    ticket_staff,
    tickets,
    update_guide,
    welcome,
)
from handlers.model import MAX_INCOMING_TEXT, Button, InMessage, Kind, Reply
from handlers.understanding import Said, read
from sigap_core.i18n import Translator, normalise_language
from sigap_core.services import Domain
from sigap_core.store.repositories import Store
from sigap_core.wilayah import Kelurahan

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=1)
STOP_WORDS = {"berhenti", "stop", "unsubscribe", "/berhenti", "/stop", "berhenti langganan"}
# SUBSCRIBE is MULAI in English (the English replies name both: "Send SUBSCRIBE (or MULAI)").
START_WORDS = {"mulai", "/mulai", "start langganan", "subscribe", "/subscribe", "resubscribe", "subscribe again"}
# Words a free-text step (an announcement being typed) still reads as a way out.
BARE_ESCAPES = {
    **dict.fromkeys(
        (
            "batal",
            "cancel",
            "/batal",
            "batalkan",
            "batalin",
            "gajadi",
            "ga jadi",
            "gak jadi",
            "nggak jadi",
            "tidak jadi",
        ),
        "cancel",
    ),
    "menu": "menu",
    "/menu": "menu",
    **dict.fromkeys(("bantuan", "/bantuan", "help", "/help"), "help"),
}
# The ways out a free-text step still reads in a short message of their own (besides BARE_ESCAPES).
FREE_TEXT_ESCAPES = ("erase", "help")
# Answers that leave the pending step where it was (so it is reminded), as opposed to starting a new flow.
INFO_INTENTS = {"claim_help", "change_language"}
# What a bare "iya" after an answer may take up: the offers that only show information or start a check.
# A typed consent ("setuju", "oke deh boleh") after the consent notice was declined.
CONSENT_WORDS = re.compile(r"\b(setuju|stuju|sutuju|agree|boleh|bole|iya|ya|oke|ok|mau|lanjut)\b")
# Knowledge-base entries too general for a message about a death: the JKM answer is wanted instead.
GENERIC_FOR_DEATH = frozenset({"benefits"})
# Knowledge-base answers about what a check needs (no KTP, no KK, a new KK, a borrowed phone): answered even
# when the message also asks for a relative's check ("mau cekin bapak, ktp nya ilang").
VERIFY_HELP = frozenset({"ktp_lost", "kk_missing", "kk_reissued", "kk_what", "borrowed_phone", "check_for_family"})
# Flows a general follow-up ("terus gimana …") gives way to when the message names one of them clearly.
NAMED_FLOWS = frozenset({"update_data", "subscribe", "unsubscribe"})
# Requests about one's own record: what a follow-up question asked with no answer before it names.
SELF_REQUESTS = frozenset({"check_eligibility", "coverage_status"})
TAKEN_UP_BY_YES = ("check", "update", "coverage", "subscribe", "help", "accident", "jkm", "jkkdeath")

ASK_AWAY = re.compile(
    r"^(mau|mw|boleh|bisa|numpang|izin|ijin|permisi|sy mau|sy mw|saya mau|aku mau|pengen|pgn|mo) ?"
    r"(tanya|nanya|bertanya|tny)"
    r"|^(i have a question|can i ask)"
)

# "sy tanya2 aja", "mau nanya2 dulu", "cuma mau nanya": questions first, no check now (a kind invitation).
JUST_ASKING = re.compile(
    r"\b(tanya|nanya|bertanya|tny)(2| tanya| nanya)? ?(aja|saja|aj|dulu|dl)\b|\b(cuma|cuman|hanya) (mau |mw )?"
    r"(tanya|nanya)\b|\bjust (asking|want to ask|a question)\b"
)

NO_WORDS = re.compile(r"[^\W_]")  # a letter or a digit: its absence means emoji or punctuation only

BARE_NO = re.compile(
    r"(ga|gak|nggak|ngga|enggak|tidak|tdk|no|nope|jangan|belum)( (usah|mau|perlu|jadi))?"
    r"( (deh|dulu|kak|min|pak|bu|ah|kok|makasih|terima kasih|thanks))*"
)

ROUTES = Routes()
# The longest message read at all: what a step may accept (a question for an officer), beyond MAX_INCOMING_TEXT.
LONGEST_READ = tickets.MAX_QUESTION
for _router in (
    welcome.router,
    eligibility.router,
    coverage.router,
    claims.router,
    kelurahan.router,
    update_guide.router,
    subscription.router,
    help.router,
    erase.router,
    staff.router,
    tickets.router,
    ticket_staff.router,
):
    ROUTES.include(_router)


class Conversations:
    def __init__(
        self,
        store: Store,
        domain: Domain,
        today: Callable[[], date] = date.today,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.domain = domain
        self.today = today
        self.clock = clock or (lambda: datetime.now(UTC))  # tests set the day the sample data speaks of

    async def handle(self, msg: InMessage) -> list[Reply]:
        async with self.store.uow() as uow:
            # Once only, in the same transaction as the dialog change: a repeated delivery changes nothing.
            if msg.external_id and not await uow.dedup.first_time(msg.channel, msg.external_id):
                log.info("%s delivery already processed; skipped", msg.channel)
                return []
            conversation, created = await uow.conversations.get_or_create(
                msg.channel, msg.user_key, normalise_language(msg.language_hint)
            )
            now = self.clock()
            if msg.kind is Kind.TEXT:
                msg = replace(msg, text=normalise_digits(msg.text))
            msg = as_choice(msg, conversation.choices)
            turn = Turn(msg, conversation, uow, self.domain, self.today(), now, Translator(conversation.lang))
            if turn.expired:
                turn.clear_state()
            said = read(msg.text.strip()) if msg.kind is Kind.TEXT and len(msg.text) <= LONGEST_READ else None
            written = said.language if said is not None and not said.text.startswith("/") else None
            if written and not turn.language_chosen and written != turn.lang:
                turn.follow_written_language(written)  # written clearly in the other language
            replies = await self._dispatch(turn, said, created)
            if not turn.erased:
                choices = [[choice_id, label] for r in replies for choice_id, label in r.choices()] or None
                turn.finish(choices, created, TOUCH_EVERY)
            log.debug("handled %s message on %s: %d replies", msg.kind.value, msg.channel, len(replies))
            return replies

    async def _dispatch(self, turn: Turn, said: Said | None, created: bool) -> list[Reply]:
        """An officer's answer that went only as the WhatsApp template comes first (a short "ok" or a press
        gets just that). First contact: a greeting gets the welcome and the menu; anything else gets a short
        welcome and then its answer."""
        msg = turn.msg
        # Looked up even for a chat that starts afresh: its old dialog may have been pruned, not its answers.
        unread = await tickets.unread_answers(turn)
        if unread and (said is None or len(said.text.split()) <= 3 or msg.kind is not Kind.TEXT):
            return [*unread[:-1], Reply(unread[-1].text, unread[-1].buttons or (turn.menu_button(),))]
        return [*unread, *await self._first_or_answer(turn, said, created)]

    async def _first_or_answer(self, turn: Turn, said: Said | None, created: bool) -> list[Reply]:
        msg = turn.msg
        if created and msg.kind is Kind.TEXT:
            text = msg.text.strip()
            if text.lower().startswith("/petugas"):
                # Staff signing in need no citizen welcome; checked first, since a one-time code can read
                # like a greeting to the classifier (a code with "HAI" in it was welcomed, not redeemed).
                return await self._answer(turn, said)
            # "good morning, my mother passed away last week": a story after the greeting is answered too
            greeting_only = (
                said is not None
                and said.intent == "menu"
                and said.faq is None
                and not said.death
                and not claims.about_accident(said.lowered)
            )
            if not text or (said is not None and (said.escape == "menu" or greeting_only)):
                return welcome.welcome(turn)  # "Hi, can I join?" is answered, not only greeted
        if created:
            return [welcome.intro(turn), *await self._answer(turn, said)]
        return await self._answer(turn, said)

    async def _answer(self, turn: Turn, said: Said | None) -> list[Reply]:
        msg = turn.msg
        if msg.reply_to and msg.kind is not Kind.BUTTON:
            # A staff member's reply on a ticket notice is the answer to that ticket.
            answered = await ticket_staff.on_reply_to(turn, said)
            if answered is not None:
                return answered
        if msg.kind is Kind.TEXT and len(msg.text) > MAX_INCOMING_TEXT:
            step = ROUTES.steps.get(turn.state)
            if step is None:
                # With a ticket open, a long message is for the officer (up to the ticket's limit).
                return await tickets.long_message(turn, said) or fallback.too_long(turn)
            if len(msg.text) > step.max_text:
                if step.too_long is not None:
                    return [step.too_long(turn)]
                return [Reply(fallback.too_long_text(turn)), step.reminder(turn)]  # the step stays, reminded
        if msg.kind is Kind.CONTACT:
            step = ROUTES.steps.get(turn.state)
            if step is not None and turn.state not in (eligibility.AWAITING_KK4, eligibility.AWAITING_KEEP):
                # A shared contact in the middle of another step (NIK, consent, erase): nothing is stored, and
                # the step stays, reminded, with its way out.
                return [Reply(turn._("Nomor HP tidak disimpan.")), step.reminder(turn)]
            return await eligibility.on_contact(turn)
        if msg.kind is Kind.BUTTON:
            return await self._button(turn, msg.payload)
        if msg.kind is not Kind.TEXT or said is None:
            step = ROUTES.steps.get(turn.state)
            if step is not None and step.state != eligibility.AWAITING_KEEP:
                # A sticker or a voice note in the middle of a step: a kind word, and the step reminded.
                return [Reply(fallback.non_text_text(turn)), step.reminder(turn)]
            if step is None:
                for_officer = await tickets.non_text(turn)  # a voice note while a ticket is open
                if for_officer is not None:
                    return for_officer
            return fallback.non_text(turn)
        if not said.text:
            step = ROUTES.steps.get(turn.state)
            return [step.reminder(turn)] if step is not None and step.free_text else fallback.out_of_scope(turn)
        return await self._text(turn, said)

    async def _text(self, turn: Turn, said: Said) -> list[Reply]:
        command = " ".join(said.lowered.split())
        if command in STOP_WORDS:
            return await subscription.stop(turn)
        if command in START_WORDS:
            return await subscription.resume(turn)
        if command == "/petugas" or command.startswith("/petugas "):
            return await staff.command(turn, said.text)
        if command == "/dasbor":
            return await staff.dashboard_link(turn)
        if command == "/tiket" or command.startswith("/tiket "):
            return await ticket_staff.command(turn, said.text)
        step = ROUTES.steps.get(turn.state)
        if step is not None:
            changed = await self._changed_mind(turn, said)
            if changed is not None:
                return changed
        if said.bare_answer is not None and len(said.text.split()) <= 4:
            # "iya tutup", "jangan dulu" at a confirmation offered as buttons (the last reply, so it comes before
            # any step still pending behind it): that button, before any command the words also read as
            # ("tutup" is the close command, which would only ask again).
            pressed = _confirm_choice(turn, said.bare_answer)
            if pressed is not None:
                return await self._button(turn, pressed)
        if step is None:
            typed = await staff.typed_action(turn, said) or await ticket_staff.typed(turn, said)
            if typed is not None:
                return typed
        free_text = step is not None and step.free_text
        # a bare way out, also as chats misspell it ("menuu", "btal"): one word is no announcement or question
        escape = (BARE_ESCAPES.get(command) or BARE_ESCAPES.get(escape_spelt(command))) if free_text else said.escape
        if escape is None and step is not None and step.free_text and said.escape in FREE_TEXT_ESCAPES:
            # "hapus data saya", "bantuan" while a question is typed: a command that short is not the text.
            escape = said.escape if len(command.split()) <= 4 else None
        if escape is None and step is not None and step.free_text and said.escape == "cancel":
            # "gajadi deh" while an announcement is being typed: short enough not to be the announcement.
            escape = "cancel" if len(command.split()) <= 3 else None
        if escape == "cancel" and step is None and _way_back(turn) is None:
            # "gajadi deh, stop aja langganannya" with nothing pending: nothing to cancel, the rest is the request.
            rest = change_of_mind(said.text)
            wanted = read(rest) if rest and len(rest.split()) <= 8 else None
            if wanted is not None and wanted.escape is None and _clear_request(wanted):
                return await self._text(turn, wanted)
        if escape is not None and not (step is not None and escape in step.own_escapes):
            return await self._escape(turn, escape)
        reacted = said.answer is None and not NO_WORDS.search(said.text)
        if step is not None and not step.free_text and reacted and step.state != eligibility.AWAITING_KEEP:
            # "😅" or "??" at a prompt: not a wrong answer, the prompt again (but "👍" at a confirmation is a yes).
            return [step.reminder(turn)]
        if step is not None and not step.free_text and ASK_AWAY.search(said.lowered) and _only_asks_away(said):
            # "sy mau nanya dulu soal iurannya" at a prompt: an invitation to ask, the step reminded.
            return [Reply(fallback.ask_away(turn)[0].text), step.reminder(turn)]
        if step is not None:
            greeted = welcome.pleasantry(turn, said) if not step.free_text else None
            reminder = step.reminder(turn) if greeted is not None else None
            if greeted is not None and reminder is not None and reminder.text:
                # "halo min", "mksh kak" at a prompt: returned, and the prompt again (not "that is no NIK"); a
                # step with no reminder of its own is let go instead (the keep question)
                return [replace(reminder, text=f"{greeted} {reminder.text}")]
            filled = await step.fill(turn, said)
            if filled is not None:
                return filled
            first = said.faq is not None and said.faq.entry.step_first and turn.state == step.state
            if first and said.faq is not None and not faq.has_status(said.faq.entry, turn.outcome):
                return [step.reminder(turn)]  # "trus?" with a step pending: the next step is that step
        else:
            # A ticket is open: free text that is not a clear new request is for the officer.
            added = await tickets.follow_up(turn, said)
            if added is not None:
                return added
        replies, keeps_step = await self._free(turn, said)
        if step is not None and keeps_step and turn.state == step.state:
            replies.append(step.reminder(turn))  # answered the other question; the pending step stays
        return replies

    async def _changed_mind(self, turn: Turn, said: Said) -> list[Reply] | None:
        """ "eh ga jadi deh" at a step: cancelled; "gajadi, sy mau cek kelayakan aja": cancelled, and the
        rest served. None when the rest is not a clear request ("ga jadi dikirim, Pak, karena…" is an answer)."""
        rest = change_of_mind(said.text)
        if rest is None or (not rest and len(said.text.split()) > 4):
            return None
        wanted = read(rest) if rest else None
        step = ROUTES.steps.get(turn.state)
        most = 5 if step is not None and step.free_text else 8  # free text (an announcement): only a short rest
        if wanted is not None and (len(rest.split()) > most or not _clear_request(wanted)):
            return None
        cancelled = await self._cancel(turn)
        if wanted is None:
            return cancelled
        return [*(Reply(reply.text) for reply in cancelled), *await self._text(turn, wanted)]

    async def _escape(self, turn: Turn, escape: str) -> list[Reply]:
        match escape:
            case "erase":
                return await erase.ask(turn)
            case "cancel":
                return await self._cancel(turn)
            case "help":
                for_staff = await staff.help_of_staff(turn)  # staff: how the staff tools work (drafts are kept)
                if for_staff is None:
                    return help.show(turn)
                step = ROUTES.steps.get(turn.state)
                return [*for_staff, step.reminder(turn)] if step is not None else for_staff
            case "human":
                return await tickets.start(turn, lead=tickets.human_lead(turn))
        # A staff member's "menu" or /start with nothing pending: their own menu (tickets, announcements, and
        # the way to the citizen menu). Leaving a step, "menu" is the citizen menu, as for everyone.
        return (None if turn.state else await staff.menu_of_staff(turn)) or welcome.menu(turn)

    async def _cancel(self, turn: Turn) -> list[Reply]:
        step = ROUTES.steps.get(turn.state)
        if step is not None and step.cancel is not None:
            return await step.cancel(turn)
        was_busy = step is not None
        if not was_busy:
            back = _way_back(turn)
            if back is not None:
                return await self._button(turn, back)  # "batal" at a confirmation offered as buttons
        turn.clear_state()
        _ = turn._
        return [turn.main_menu(_("Baik, dibatalkan.") if was_busy else _("Tidak ada yang sedang berjalan."))]

    async def _free(self, turn: Turn, said: Said) -> tuple[list[Reply], bool]:
        """A message answered for what it is. The flag: the answer leaves any pending step in place."""
        if said.digits.nik:
            return await eligibility.check_intent(turn, said), False
        if not turn.state and re.fullmatch(r"\d{4}", said.text.strip()):
            # The KK digits with no NIK waiting (the dialog expired or was locked): how to check, not "belum mengerti".
            _ = turn._
            text = _(
                "4 angka itu belum bisa saya pakai: tidak ada NIK yang sedang menunggu. Untuk cek, tekan “Cek "
                "kelayakan”, lalu ketik NIK dan 4 digit terakhir KK (boleh sekaligus, contoh: 3275… 0123)."
            )
            return [Reply(text, (Button("check", _("Cek kelayakan")), turn.menu_button()))], False
        leaned = False  # read with the last answer's subject: its clauses are not questions of their own
        if said.carried is None and (followed := ellipsis.with_topic(said, turn.topic)) is not None:
            said, leaned = followed, True  # "setahun?" after the cost, "dapetnya brp?" after the JKK death answer
        if turn.outcome and not turn.outcome_other and eligibility.was_someone_else(said):
            # "oh iya itu punya ibu sy" after the result: that check was of someone else's record.
            return await eligibility.checked_someone_else(turn), False
        if erase.asked_with_reason(said):
            return await erase.ask(turn), False  # "skrg apus ya biar temen sy gak liat": asked, then confirmed
        if said.death_at_work:
            return claims.jkk_death(turn, condolence=said.death_reported, said=said), True
        generic = said.faq is None or said.faq.entry.id in GENERIC_FOR_DEATH
        if said.death and generic and not _about_programme_only(said):
            # "ayah sy meninggal kemarin, dia peserta sigap, ngurusnya kmn?": the JKM claim, not a check;
            # "… meninggal, sakit biasa, dapet apa?": the JKM answer, not the general list of benefits.
            return (
                claims.jkm_claim(turn, condolence=said.death_reported, illness_at_work=said.illness_at_work, said=said),
                True,
            )
        if said.accident_off_work:
            # "ditabrak pas jalan-jalan, bukan lagi kerja. bisa klaim?": not JKK, said so (not the JKK steps).
            return claims.accident_off_work(turn), True
        if said.wants_officer:
            # "komplain soal bansos", "can I ask an officer?": a question for a person, before any FAQ answer.
            return await tickets.start(turn, said, lead=tickets.human_lead(turn)), False
        moved = await subscription.corrected(turn, said)
        if moved is not None:
            return moved, False  # "eh salah, ganti ke jatibening" right after subscribing
        reply = await self._short_answer(turn, said)
        if reply is not None:
            return reply, True
        if fallback.about_leaving(said.lowered) and said.faq is None:
            return fallback.unknown_question(turn), True  # no procedure in the brief: an officer answers
        found = said.faq
        claim_score = said.nlu.scores.get("claim_help", 0)
        # "my wife had an accident at the market, is she covered?": an accident with a claim cue is the claim,
        # even when "covered" scores as much for the coverage status.
        accident_first = (said.intent == "claim_help" and claim_score >= 5) or (
            (claim_score >= 3 or said.about_program) and said.is_question and claims.about_accident(said.lowered)
        )
        general = found is not None and found.entry.follow_up  # "where do I go", "terus gimana"
        # "sy pengen klaim tp bpjs sy blm aktif": the claim, with a word on coverage (not a status check).
        doubtful_claim = (
            claim_score >= 3 and claims.names_claim(said.lowered) and claims.mentions_inactive(said.lowered)
        )
        if doubtful_claim or (
            accident_first
            and (
                (claims.about_accident(said.lowered) and (found is None or "accident" not in found.entry.buttons))
                or (general and claims.names_claim(said.lowered))
            )
        ):
            # "suami sy kecelakaan hrs kmn dulu", "where do I go to make a claim?": the claim steps, before a
            # general "where to start".
            steps = await claims.claim_intent(turn, said)
            # "… itu iurannya brp trus klo sy kecelakaan dpt apa?": the message's other questions too
            return [*steps, *_other_questions(turn, said, set(CLAIM_ANSWERED))], True
        check_score = said.nlu.scores.get(said.intent, 0) if said.intent == "check_eligibility" else 0
        # "mau cek punya emak sy, dia udah tua": a request to check a relative, not a question about age.
        relative = check_score >= 3 and said.family and not said.is_question
        strong_check = check_score >= 5 or relative
        # "mau ngecekin mertua sy, udh sepuh": the request is the check; the rest only describes the person
        # (an answer about age would leave it undone). What stands in the way of the check is still answered.
        described = relative and found is not None and found.entry.id not in VERIFY_HELP
        if relative and eligibility.relative_kk_differs(said):
            # "mau cekin bapak sy, tp kk nya beda ama kk sy": the relative's own KK is used; the check begins.
            return [eligibility.which_kk_reply(turn), *await eligibility.start(turn, "check", said)], False
        pending = turn.state in (eligibility.AWAITING_NIK, eligibility.AWAITING_KK4)
        # "hp nya punya tetangga, mau cek": on a borrowed phone, a plain request to check is enough (the phone
        # explains the wording, it does not weaken the request); "aman ga sy cek disini?" only asks.
        asked_to_check = strong_check or (check_score >= 3 and not said.is_question)
        if found is not None and found.entry.id == "borrowed_phone" and asked_to_check and not pending:
            # "sy pake hp temen, mau cek kelayakan": the request is the check; the phone is how it is made.
            return await eligibility.start_on_borrowed_phone(turn), False
        if found is not None and _about_own_period(turn, found.entry, said) and await _own_cover_known(turn, said):
            # "sampe kapan aktifnya" right after an enrolled result: the participant's own dates, then the renewal.
            renewal = Reply(faq.answer_text(faq.entry("renewal"), turn.domain, turn._, turn.outcome))
            return [*await coverage.show(turn), renewal], True
        # "trs gmn cara benerin datanya" after the desil answer: the "what next" is named (the update guide),
        # so the flow asked for is served rather than the last answer again.
        named_flow = (
            found is not None
            and found.entry.follow_up
            and said.intent in NAMED_FLOWS
            and said.nlu.scores.get(said.intent, 0) >= 5
        )
        # "am i eligible?", "am i registered?" as a chat's first question: a follow-up with nothing before it to
        # follow up is the request it names (the check, the coverage status), as "sy bisa ikut ga?" is.
        unanchored = found is not None and found.entry.follow_up and not turn.outcome and not turn.topic
        named_flow = named_flow or (
            unanchored and said.intent in SELF_REQUESTS and said.nlu.scores.get(said.intent, 0) >= 5
        )
        if (
            found is not None
            and said.intent != "unsubscribe"
            and not (strong_check and found.score <= (4 if check_score >= 8 else 3))  # "can I check if I qualify"
            and not described
            and not named_flow
        ):
            also = [Reply(faq.answer_text(found.also, turn.domain, turn._, turn.outcome))] if found.also else []
            first = faq_reply(turn, found.entry, other=said.family)
            if not also and not leaned:
                also = _other_questions(turn, said, {found.entry.id})
            return [first, *also], True  # "… kapan? harus bayar ga?": both answered
        if said.family and said.intent == "menu" and said.escape is None and not said.is_question:
            # "ok skrg punya nenek sy" after a result: a check for that person, not the menu for the "ok".
            return await eligibility.start(turn, "check", said), False
        if JUST_ASKING.search(said.lowered) and not said.digits.nik and not said.is_question:
            # "nanti aja cek nya, mau nanya2 dulu": the check is put off; questions are welcome without a NIK.
            return fallback.ask_away(turn), True
        handler = ROUTES.intents.get(said.intent)
        weak = said.nlu.scores.get(said.intent, 0) <= 1
        if said.is_question and said.about_program and (handler is None or weak or _about_programme_only(said)):
            return fallback.unknown_question(turn), True
        if handler is not None:
            return await handler(turn, said), said.intent in INFO_INTENTS
        if said.family and said.intent in ("out_of_scope", "menu") and not said.is_question:
            # "ini buat emak sy, dia jualan gorengan": a check for that person, not "belum mengerti".
            return await eligibility.start(turn, "check", said), False
        if ASK_AWAY.search(said.lowered):
            return fallback.ask_away(turn), True
        # A staff member's unplaced message (an answer typed with no ticket open): how to send it.
        return await ticket_staff.not_understood(turn) or fallback.out_of_scope(turn), True

    async def _short_answer(self, turn: Turn, said: Said) -> list[Reply] | None:
        """A bare "iya"/"boleh" with no step pending takes up the first thing the last answer offered;
        a bare "nggak" is acknowledged. Never "belum mengerti" for a yes or a no."""
        declined = not turn.state and turn.topic == eligibility.CONSENT_DECLINED and said.faq is None
        if declined and said.answer is True and CONSENT_WORDS.search(said.lowered) and len(said.text.split()) <= 8:
            # "eh ya udah deh setuju" after pressing "Tidak setuju": the consent, now given.
            return await eligibility.on_consent(turn, True, said)
        if turn.state or said.answer is None or said.faq is not None or said.intent not in ("menu", "out_of_scope"):
            return None
        if len(said.text.split()) > 4:
            return None
        choices = [choice for choice, _label in (turn.choices or [])]
        confirm = next((i for i, choice in enumerate(choices) if choice.endswith(CONFIRM_SUFFIX)), None)
        if said.answer is True:
            if confirm is not None:
                return await self._button(turn, choices[confirm])  # a typed "iya" at a confirmation
            if not affirmative(said.text):
                return None  # "ok", "sip": an acknowledgement, answered as such
            offered = [choice for choice in choices if choice.partition(":")[0] in TAKEN_UP_BY_YES]
            if offered:
                return await self._button(turn, offered[0])
            # "ya" after an answer that offered nothing: acknowledged, never "belum mengerti"
            return [turn.main_menu(turn._("Baik. Ada lagi yang bisa saya bantu?"))]
        if not BARE_NO.fullmatch(" ".join(re.sub(r"[^\w ]+", " ", said.lowered).split())):
            return None  # "harga bbm naik ga": a question ending in "ga", not a no
        back = _way_back(turn)
        if back is not None:
            return await self._button(turn, back)  # a typed "nggak" at a confirmation
        return [turn.main_menu(turn._("Baik. Ada lagi yang bisa saya bantu?"))]

    async def _button(self, turn: Turn, payload: str) -> list[Reply]:
        """Buttons are global actions: one pressed long after it was sent still does something sensible."""
        action, _sep, argument = payload.partition(":")
        if action == "cancel":
            return await self._cancel(turn)
        handler = ROUTES.buttons.get(action)
        if handler is not None:
            return await handler(turn, argument)
        return [turn.main_menu(turn._("Tombol itu sudah tidak berlaku. Silakan pilih lagi dari menu."))]


# A confirmation offered as buttons only ("Ya, tutup" / "Batal"): its yes payload ends in ":ya", and the
# button after it is the way back; typed "iya", "nggak" and "batal" press them.
CONFIRM_SUFFIX = ":ya"


def _confirm_choice(turn: Turn, yes: bool) -> str | None:
    """The yes button of a confirmation on the screen (or the way back, for a no), or None."""
    choices = [choice for choice, _label in (turn.choices or [])]
    confirm = next((i for i, choice in enumerate(choices) if choice.endswith(CONFIRM_SUFFIX)), None)
    if confirm is None:
        return None
    return choices[confirm] if yes else _way_back(turn)


def _way_back(turn: Turn) -> str | None:
    choices = [choice for choice, _label in (turn.choices or [])]
    for i, choice in enumerate(choices[:-1]):
        if choice.endswith(CONFIRM_SUFFIX):
            return choices[i + 1]
    return None


_ASKED_ABOUT = re.compile(
    r"^.*?\b(tanya|nanya|bertanya|tny|ask)\b( (dulu|dl|dong|ya|sih|deh|aja|nih|something|a question))*"
    r"( (soal|tentang|ttg|mengenai|masalah|perihal|about))?"
)


# The user's own cover named: "berlakunya smp kapan punya sy", "kartu sy aktif sampai kapan".
_OWN_COVER = re.compile(
    r"\b(aktif\w*|berlaku\w*|masa aktif\w*|kepesertaan\w*)\b"
    r"|\b(punya|bpjs|kartu|kpj)(ku| ku| saya| sy| aku| gw| gue)\b|\b(my|mine)\b"
)


# Until when something runs: "kartu sy berlaku sampe kapan", "kapan abis?", "valid until when?".
_UNTIL_WHEN = re.compile(
    r"\b(sampai|sampe|ampe|smp|sampek|hingga) kapan\b|\bkapan (habis|abis|berakhir|selesai|expired?|kadaluarsa)\b"
    r"|\b(berlaku|kadaluarsa|kedaluwarsa|expire\w*|valid until|valid till|until when)\b"
)


def _about_own_period(turn: Turn, entry: faq.Entry, said: Said) -> bool:
    """ "sampe kapan?", "brp lama?", "kartunya berlaku sampe kapan": the renewal, the how-long question or
    until when something runs, unless the last answer makes it another one ("berapa lama?" after the claim
    steps is the claim time)."""
    if entry.id == "how_long":
        return faq.resolve(entry, turn.topic) is entry
    # (not "klaimnya kadaluarsa kapan?": a claim's deadline is its own answer)
    until_when = bool(_UNTIL_WHEN.search(said.lowered)) and not claims.names_claim(said.lowered)
    return entry.id == "renewal" or until_when


# A bare follow-up ("sampe kapan?", "brp lama ya?"): after a participant's own result it asks about that cover.
BARE_FOLLOW_UP_WORDS = 4


async def _own_cover_known(turn: Turn, said: Said) -> bool:
    """The message asks about the user's own cover ("aktifnya sampe kapan", or a bare "sampe kapan?" after
    the result), and this chat's verified record (kept, or just checked) is a participant's: its dates can be
    shown (looked up again from the registry, never kept in the chat)."""
    if said.family or turn.outcome != "enrolled" or turn.outcome_other:
        return False
    named = (said.intent == "coverage_status" and said.nlu.scores.get(said.intent, 0) >= 5) or _OWN_COVER.search(
        said.lowered
    )
    if not named and len(said.lowered.split()) > BARE_FOLLOW_UP_WORDS:
        return False
    return await turn.uow.links.get(turn.msg.channel, turn.msg.user_key) is not None


def _only_asks_away(said: Said) -> bool:
    """ "mau nanya dulu", "sy mau tanya soal iurannya": asking to ask, the question itself not yet said (or
    said in words no answer matches). A NIK, a known question or a way out is served as such."""
    if said.digits.nik or said.faq is not None or said.escape is not None or said.wants_officer:
        return False
    rest = _ASKED_ABOUT.sub("", said.lowered, count=1).strip(" ,.!?")
    if "?" in said.text:
        # "sy mau nanya dulu boleh?": a "?" that only asks leave to ask; "mau tanya, iurannya brp?" asks itself
        return all(word in _MAY_I for word in rest.split())
    return not rest or (len(rest.split()) <= 3 and read(rest).faq is None)


# The words of asking leave to ask ("boleh?", "bisa ga?", "boleh kan kak?").
_MAY_I = frozenset(
    re.findall(
        r"\S+",
        "boleh bole blh bisa bs ga gak nggak ngga tidak kah kan ya yah dong sih nih kak min pak bu mas mbak bang "
        "sebentar bentar please pls can i may",
    )
)


def _clear_request(said: Said) -> bool:
    """What follows a change of mind is something the bot serves: a way out, a question for an officer, a
    known request or a knowledge-base question."""
    if len(said.text.split()) > 8:
        return False
    if said.escape is not None or said.wants_officer or said.digits.nik or said.faq is not None:
        return True
    return said.intent != "out_of_scope" and said.nlu.scores.get(said.intent, 0) >= 3


_SELF_OR_CHECK = re.compile(
    r"\b(saya|sy|aku|gw|gue|ku|kami|i|me|my|cek|check|layak|kelayakan|eligible|qualify|termasuk|dapat|dapet|ikut"
    r"|daftar|penerima|terpilih|ibu|bapak|suami|istri|anak|orang tua|status|aktif|active|kepesertaan|he|she|they"
    r"|his|her|their)\b"
)


# Where one question in a message ends and the next begins: "berapa iurannya, siapa yang bayar, dan kalau…".
_CLAUSE_BREAK = re.compile(r"[?;!]+|,\s*|\.\s+|\b(?:terus|trs|trus|lalu|lantas|dan|sama|juga|and|also)\b")
MAX_EXTRA_ANSWERS = 2
# A clause that asks without a question mark: "trs klo kcelakaan dpt ap aj", "berapa iurannya".
_ASKING = re.compile(
    r"^(kalau|kalo|klo|kl|jika|bila|misal\w*|terus|trus|trs|lalu|if|and if|what if|how|what|when|where|who|why)\b"
    r"|\b(apa|ap|apa saja|apa aja|berapa|brp|gimana|gmn|bagaimana|kapan|dimana|di mana|kemana|siapa|kenapa)\b"
)


# A clause that only sets a condition ("klo sy udh terdaftar", "kalau suami meninggal"): no question of its own.
_CONDITION = re.compile(r"^(kalau|kalo|klo|kl|klw|jika|bila|apabila|seandainya|andai\w*|misal\w*|if)\b")
_QUESTION_WORD = re.compile(
    r"\b(apa|ap|apa saja|apa aja|berapa|brp|gimana|gmn|bagaimana|kapan|kpn|dimana|di mana|dmn|kemana|siapa|kenapa"
    r"|bisa|bs|boleh|ga|gak|nggak|tidak|kah|how|what|when|where|who|why|can|do|does)\s*$|\b(berapa|brp|kapan|kpn"
    r"|gimana|gmn|bagaimana|dimana|dmn|siapa|kenapa|how|what|when|where|who|why)\b"
)


def _with_conditions(clauses: list[str]) -> list[str]:
    """A bare condition is read with the clause it conditions: "klo sy udh terdaftar, kapan mulai aktif" is
    one question about one's own cover, not "kapan mulai" (the programme's launch) asked on its own."""
    joined: list[str] = []
    pending = ""
    for clause in clauses:
        if pending:
            clause = f"{pending} {clause}"
            pending = ""
        if _CONDITION.search(clause) and not _QUESTION_WORD.search(clause) and clause is not clauses[-1]:
            pending = clause
            continue
        joined.append(clause)
    if pending:
        joined.append(pending)
    return joined


def _other_questions(turn: Turn, said: Said, answered: set[str]) -> list[Reply]:
    """The other questions of a message, each read on its own ("brp iurannya? trs klo kecelakaan dpt apa"):
    a knowledge-base answer for each new entry, and the JKM answer for a death question the base lacks."""
    clauses = _with_conditions([c.strip() for c in _CLAUSE_BREAK.split(said.lowered) if c and len(c.split()) >= 2])
    if len(clauses) < 2:
        return []
    replies: list[Reply] = []
    for clause in clauses:
        part = read(clause)
        asks = part.is_question or _ASKING.search(part.lowered) or _ASKING.search(part.normalised)
        if not asks and not part.death:
            continue  # "sy lagi di luar kota, kk di rumah": context for the first answer, not another question
        found = part.faq
        if found is not None and found.entry.second and found.score >= 3 and found.entry.id not in answered:
            answered.add(found.entry.id)
            replies.append(Reply(faq.answer_text(found.entry, turn.domain, turn._, turn.outcome)))
        elif found is None and part.death and not part.death_at_work and "jkm" not in answered:
            answered.add("jkm")
            replies.append(Reply(claims.jkm_claim(turn)[0].text))
        elif found is None and claims.names_claim(part.lowered) and not answered & {"jkm", "claim"}:
            # "jkm itu apa trus klaimnya ke mana?": the claim the rest of the message names, its steps and office
            claim = _claim_named(said)
            if claim is not None:
                answered.add(claim)
                steps = claims.jkm_claim(turn) if claim == "jkm" else claims.accident(turn)
                replies.append(Reply(steps[0].text))
        if len(replies) >= MAX_EXTRA_ANSWERS:
            break
    return replies


# What the claim steps already answer, so a message's other clauses do not repeat it.
CLAIM_ANSWERED = frozenset({"claim", "benefits", "jkk_jkm_meaning", "jkk_steps", "who_reports", "claim_documents"})
_NAMES_JKM = re.compile(r"\b(jkm|jaminan kematian|meninggal\w*|kematian|wafat|death|died)\b")
_NAMES_JKK = re.compile(r"\b(jkk|jaminan kecelakaan kerja|kecelakaan kerja|work accident)\b")


def _claim_named(said: Said) -> str | None:
    """Which claim a message names outside its claim clause: "jkm" (a death), "claim" (a work accident) or None."""
    if _NAMES_JKM.search(said.lowered) or _NAMES_JKM.search(said.normalised):
        return "jkm"
    if _NAMES_JKK.search(said.lowered) or claims.about_accident(said.lowered):
        return "claim"
    return None


def _about_programme_only(said: Said) -> bool:
    """ "apakah SIGAP menanggung kacamata?": a question about the programme that merely names it — not a
    request to check anyone's eligibility."""
    personal = said.intent in ("check_eligibility", "coverage_status")  # "is a heart attack at work covered?"
    return personal and said.digits.nik is None and not _SELF_OR_CHECK.search(said.lowered)


def faq_reply(turn: Turn, entry: faq.Entry, other: bool = False) -> Reply:
    """The entry's answer with its buttons; `other`: the question was about a relative, so its "Cek kelayakan"
    starts a check of someone else's NIK ("bokap gw ojol, dapet ga?" → "ya")."""
    _ = turn._
    if entry.id == "is_it_so" and (confirmed := _confirmed(turn)) is not None:
        return confirmed
    if faq.resolve(entry, turn.topic).id == "kabupaten_bekasi" and (in_city := _place_in_city(turn)) is not None:
        return in_city
    lead = ""
    asked = entry
    if entry.id == "what_does_it_mean" and turn.topic:
        # "maksudnya?" right after an answer: that answer explained (a flow's own answer may name its
        # explanation in the entry's `after`), else that answer again, rather than a general one.
        explained = entry.after.get(turn.topic)
        entry = faq.find(explained or faq.family(turn.topic)) or entry
        if not explained and entry.id != asked.id:
            # the topic of a knowledge-base answer: in plainer words, never the same text again
            return _plain_reply(turn, entry)
        lead = _("Maksudnya begini:") + "\n"
    elif entry.follow_up:
        # "berapa lama?" after the claim documents: the claim time
        entry = faq.resolve(entry, turn.topic, turn.outcome)
    else:
        if not claims.about_accident((turn.msg.text or "").lower()):
            # "what about the deadline to claim?" after the JKM answer: the JKM deadline (the entry's `after`)
            entry = faq.resolve(entry, turn.topic)
        turn.remember_topic(entry.id)
    labels = _faq_button_labels(turn)
    buttons = tuple(
        Button("check:other" if action == "check" and other else action, labels[action])
        for action in entry.buttons[:2]
        if action in labels
    )
    text = faq.answer_text(entry, turn.domain, _, turn.outcome, turn.outcome_other, turn.outcome_place)
    if asked.follow_up:
        group = faq.status_key(entry, turn.outcome) or ""
        key = f"{entry.id}:{group}"
        if turn.follow_up_said == key:
            # The same follow-up answer twice in a row ("maksudnya?" … "msh blm ngerti"): the short version
            # and a person to ask, never the same text again.
            lead, text = "", faq.in_short(entry, turn.domain, _, turn.outcome, turn.outcome_other, turn.outcome_place)
            buttons = (Button("ticket:start", labels["ticket:start"]),)
        turn.remember_follow_up(key)
    return Reply(lead + text, (*buttons, turn.menu_button()))


def _faq_button_labels(turn: Turn) -> dict[str, str]:
    """The labels of the global button actions a knowledge-base answer may offer."""
    _ = turn._
    return {
        "check": _("Cek kelayakan"),
        "update": _("Cara perbarui data"),
        "coverage": _("Status kepesertaan"),
        "subscribe": _("Langganan info"),
        "help": _("Bantuan"),
        "accident": _("Jika kecelakaan"),
        "jkm": _("Klaim JKM"),
        "ticket:start": _("Tanya petugas"),
    }


def _plain_reply(turn: Turn, entry: faq.Entry) -> Reply:
    """ "maksudnya?" after a knowledge-base answer: that topic in everyday words; without a plain version,
    its first sentence and a person to ask. Asked again, the short version and a person to ask."""
    _ = turn._
    key, short_key = f"plain:{entry.id}", f"short:{entry.id}"
    labels = _faq_button_labels(turn)
    # the answer's own first button ("Cek kelayakan" where the plain words say to press it), then a person
    own = tuple(Button(a, labels[a]) for a in entry.buttons[:1] if a in labels and a != "ticket:start")
    ask = (*own, Button("ticket:start", labels["ticket:start"]), turn.menu_button())
    if turn.follow_up_said == short_key:
        # still lost after the plain and the short version: a person, not a third wording of the same
        return Reply(
            _(
                "Maaf, penjelasan saya belum membantu. Tekan “Tanya petugas”: petugas kelurahan akan "
                "menjawab pertanyaan Anda di chat ini."
            ),
            ask,
        )
    plain = faq.plainly(entry, turn.domain, _, turn.outcome, turn.outcome_other)
    if turn.follow_up_said == key or plain is None:
        turn.remember_follow_up(short_key)
        return Reply(faq.in_short(entry, turn.domain, _, turn.outcome, turn.outcome_other), ask)
    turn.remember_follow_up(key)
    return Reply(_("Gampangnya:") + "\n" + plain, ask)


def _place_in_city(turn: Turn) -> Reply | None:
    """ "kalo sy di pondok gede?" after the Kabupaten Bekasi answer: a kecamatan or kelurahan of Kota Bekasi is
    named, so the place is in the city and what counts is the address in the records, not "outside"."""
    place = turn.domain.wilayah.named_in_text(turn.msg.text or "")
    if place is None:
        return None
    _ = turn._
    if isinstance(place, Kelurahan):
        where = _("Kelurahan {kelurahan}, Kecamatan {kecamatan}").format(
            kelurahan=place.name, kecamatan=place.kecamatan.name
        )
    else:
        where = _("Kecamatan {kecamatan}").format(kecamatan=place.name)
    text = _(
        "{place} termasuk Kota Bekasi, jadi daerahnya sesuai untuk SIGAP. Yang dipakai adalah alamat Anda di data "
        "kependudukan dan DTSEN: jika KTP Anda sudah Kota Bekasi, cek kelayakan di sini; jika KTP masih daerah lain, "
        "urus pindah datang di Disdukcapil Kota Bekasi dulu, lalu perbarui data DTSEN di kelurahan."
    ).format(place=where)
    return Reply(text, (Button("check", _("Cek kelayakan")), turn.menu_button()))


def _confirmed(turn: Turn) -> Reply | None:
    """ "beneran?" right after an answer or a check: that answer confirmed in short (its first sentence, or the
    outcome's one-line summary) with a person to ask, rather than the whole answer again or a general one."""
    _ = turn._
    last = faq.find(faq.family(turn.topic)) if turn.topic else None
    if last is None:
        last = faq.entry("in_short")
        if not faq.has_status(last, turn.outcome):
            return None  # nothing said before it that it could confirm: the entry's own answer
    short = faq.confirmation(last, turn.domain, _, turn.outcome, turn.outcome_other)
    # "Ya" only when the answer is certain; a doubt about something not known is not answered with a yes.
    lead = (
        _("Sesuai informasi yang saya punya sejauh ini:")
        if faq.says_unknown(short)
        else _("Ya, sesuai informasi yang saya punya:")
    )
    text = lead + "\n" + short
    return Reply(text, (Button("ticket:start", _("Tanya petugas")), turn.menu_button()))


def as_choice(msg: InMessage, choices: list[list[str]] | None) -> InMessage:
    """A typed "2" or a typed button label presses that button (WhatsApp users type them)."""
    if msg.kind is not Kind.TEXT or not choices:
        return msg
    text = msg.text.strip()
    if text.isdigit() and len(text) <= 2 and 1 <= int(text) <= len(choices):
        return replace(msg, kind=Kind.BUTTON, payload=choices[int(text) - 1][0])
    folded = text.casefold()
    for choice_id, label in choices:
        if folded == label.casefold():
            return replace(msg, kind=Kind.BUTTON, payload=choice_id)
    return msg
