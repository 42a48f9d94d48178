"""The conversation engine: one InMessage in, a list of Reply out, dialog state kept in the database.

Order of precedence for a message: safety checks (size, type) → words that always work (BERHENTI/STOP,
MULAI, MENU, /start…) → a pressed button → what the current dialog step waits for → free text by intent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from handlers.context import Turn
from handlers.flows import coverage, eligibility, erase, fallback, help, staff, subscription, update_guide, welcome
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import MAX_INCOMING_TEXT, InMessage, Kind, Reply
from handlers.nlu import understand
from sigap_core.i18n import Translator, normalise_language
from sigap_core.services import Domain
from sigap_core.store.repositories import Store, aware

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=1)
STOP_WORDS = {"berhenti", "stop", "unsubscribe", "/berhenti", "/stop", "berhenti langganan"}
START_WORDS = {"mulai", "/mulai", "start langganan"}
MENU_WORDS = {"/start", "/menu", "menu", "mulai dari awal"}
HELP_WORDS = {"/bantuan", "/help", "bantuan", "help"}


class Conversations:
    def __init__(self, store: Store, domain: Domain, today: Callable[[], date] = date.today) -> None:
        self.store = store
        self.domain = domain
        self.today = today

    async def handle(self, msg: InMessage) -> list[Reply]:
        async with self.store.uow() as uow:
            # Once only, in the same transaction as the dialog change: a repeated delivery changes nothing.
            if msg.external_id and not await uow.dedup.first_time(msg.channel, msg.external_id):
                log.info("%s delivery already processed; skipped", msg.channel)
                return []
            conversation, created = await uow.conversations.get_or_create(
                msg.channel, msg.user_key, normalise_language(msg.language_hint)
            )
            now = datetime.now(UTC)
            msg = as_choice(msg, conversation.choices)
            turn = Turn(msg, conversation, uow, self.domain, self.today(), now, Translator(conversation.lang))
            expires = aware(conversation.expires_at)
            if turn.state and expires is not None and expires < now:
                turn.clear_state()
            replies = await self._dispatch(turn, created)
            if not turn.erased:
                choices = [[choice_id, label] for r in replies for choice_id, label in r.choices()] or None
                if conversation.choices != choices:
                    conversation.choices = choices
                # Timestamps (retention, the WhatsApp 24-hour window) need minute precision, not a write per
                # message: a turn that changed nothing else writes nothing.
                last = aware(conversation.updated_at)
                if created or uow.session.is_modified(conversation) or last is None or now - last > TOUCH_EVERY:
                    conversation.updated_at = now
                    conversation.last_inbound_at = now
            log.debug("handled %s message on %s: %d replies", msg.kind.value, msg.channel, len(replies))
            return replies

    async def _dispatch(self, turn: Turn, created: bool) -> list[Reply]:
        """First contact: a greeting gets the welcome and the menu; anything else gets a short welcome and
        then its answer."""
        msg = turn.msg
        if created:
            greeting = msg.kind is Kind.TEXT and (
                " ".join(msg.text.lower().split()) in MENU_WORDS or understand(msg.text).intent == "menu"
            )
            if greeting or (msg.kind is Kind.TEXT and not msg.text.strip()):
                return welcome.welcome(turn)
            if msg.kind is Kind.TEXT and msg.text.strip().lower().startswith("/petugas"):
                return await self._answer(turn)  # staff signing in need no citizen welcome
            return [welcome.intro(turn), *await self._answer(turn)]
        return await self._answer(turn)

    async def _answer(self, turn: Turn) -> list[Reply]:
        msg = turn.msg
        if msg.kind is Kind.TEXT and len(msg.text) > MAX_INCOMING_TEXT:
            return fallback.too_long(turn)
        if msg.kind is Kind.CONTACT:
            return await eligibility.on_contact(turn)
        if msg.kind is Kind.BUTTON:
            return await self._button(turn, msg.payload)
        if msg.kind is not Kind.TEXT:
            return fallback.non_text(turn)
        text = msg.text.strip()
        if not text:
            return fallback.out_of_scope(turn)
        command = " ".join(text.lower().split())
        if command in STOP_WORDS:
            return await subscription.stop(turn)
        if command in START_WORDS:
            return await subscription.resume(turn)
        if command == "/petugas" or command.startswith("/petugas "):
            return await staff.command(turn, text)
        if command == "/dasbor":
            return await staff.dashboard_link(turn)
        if command in MENU_WORDS:
            return welcome.welcome(turn) if command == "/start" else welcome.menu(turn)
        if command in HELP_WORDS:
            return help.show(turn)
        step = await self._dialog_step(turn, text)
        if step is not None:
            return step
        return await self._intent(turn, text)

    async def _dialog_step(self, turn: Turn, text: str) -> list[Reply] | None:
        """Input the current step waits for; None lets the message be understood as free text."""
        state = turn.state
        if state in staff.STATES:
            return await staff.on_text(turn, text)
        if state == eligibility.AWAITING_NIK:
            if _has_digits(text):
                return eligibility.on_nik(turn, text)
            intent = understand(text).intent
            if intent in ("menu", "out_of_scope"):
                return eligibility.on_nik(turn, text)  # precise feedback on what is not a NIK
            return None
        if state == eligibility.AWAITING_KK4:
            if _has_digits(text) or understand(text).intent == "out_of_scope":
                return await eligibility.on_kk4(turn, text)  # digits, or a clear hint what to type
            return None
        if state == eligibility.AWAITING_CONSENT:
            answer = text.lower()
            if re.fullmatch(r"(ya|iya|y|setuju|ok|oke|boleh|yes|agree)\W*", answer):
                return eligibility.on_consent(turn, True)
            if re.fullmatch(r"(tidak|tdk|ga|gak|nggak|no|tidak setuju)\W*", answer):
                return eligibility.on_consent(turn, False)
            return None
        if state == kelurahan_flow.AWAITING_KELURAHAN:
            place = kelurahan_flow.from_text(turn, text)
            if place is not None:
                return await self._continue_with_kelurahan(turn, place.code)
            if understand(text).intent in ("out_of_scope", "update_data", "subscribe"):
                return kelurahan_flow.not_understood(turn)
            return None
        if state == erase.AWAITING_ERASE:
            answer = text.lower()
            if re.fullmatch(r"(ya|iya|y|hapus|ya,? hapus|yes)\W*", answer):
                return await erase.confirm(turn)
            return erase.cancel(turn)
        return None

    async def _continue_with_kelurahan(self, turn: Turn, code: str) -> list[Reply]:
        place = turn.domain.wilayah.get(code)
        if place is None:
            return kelurahan_flow.not_understood(turn)
        if turn.data.get("purpose") == "subscribe":
            return await subscription.subscribe(turn, place)
        return await update_guide.guide(turn, place)

    async def _intent(self, turn: Turn, text: str) -> list[Reply]:
        understood = understand(text)
        intent = understood.intent
        match intent:
            case "check_eligibility":
                return eligibility.start(turn, "check", text)
            case "coverage_status":
                return await coverage.show(turn)
            case "claim_help":
                lowered = text.lower()
                if re.search(r"meninggal|wafat|kematian|jkm|ahli waris|beasiswa|santunan", lowered):
                    return coverage.jkm_claim(turn)
                return coverage.accident(turn)
            case "update_data":
                return await update_guide.start(turn, text)
            case "subscribe":
                return await subscription.start(turn, text)
            case "unsubscribe":
                return await subscription.stop(turn)
            case "human_help":
                return help.show(turn)
            case "change_language":
                wants_indonesian = "indonesia" in text.lower() and "inggris" not in text.lower()
                return welcome.change_language(turn, "id" if wants_indonesian else "en")
            case "menu":
                if re.search(r"terima kasih|makasih|thank|thx|\btq\b|mksh", text.lower()):
                    return welcome.thanks(turn)
                return welcome.menu(turn)
        return fallback.out_of_scope(turn)

    async def _button(self, turn: Turn, payload: str) -> list[Reply]:
        """Buttons are global actions: one pressed long after it was sent still does something sensible."""
        action, _sep, argument = payload.partition(":")
        match action:
            case "menu":
                return welcome.menu(turn)
            case "check":
                return eligibility.start(turn, "check")
            case "coverage":
                return await coverage.show(turn)
            case "update":
                return await update_guide.start(turn)
            case "subscribe":
                return await subscription.start(turn)
            case "stop":
                return await subscription.stop(turn)
            case "help":
                return help.show(turn)
            case "erase":
                if argument == "yes":
                    return await erase.confirm(turn)
                if argument == "no":
                    return erase.cancel(turn)
                return erase.ask(turn)
            case "lang":
                return welcome.change_language(turn, normalise_language(argument))
            case "consent":
                if turn.state != eligibility.AWAITING_CONSENT:
                    turn.set_state(eligibility.AWAITING_CONSENT, purpose="check")
                return eligibility.on_consent(turn, argument == "yes")
            case "keep":
                return await eligibility.on_keep(turn, argument == "yes")
            case "accident":
                return coverage.accident(turn)
            case "jkm":
                return coverage.jkm_claim(turn)
            case "keclist":
                return kelurahan_flow.ask(turn, turn.data.get("purpose", "update"), page=2 if argument == "2" else 1)
            case "kec":
                return kelurahan_flow.pick_kelurahan(turn, argument)
            case "staff":
                return await staff.on_button(turn, argument)
            case "kel":
                if turn.state != kelurahan_flow.AWAITING_KELURAHAN:
                    turn.set_state(kelurahan_flow.AWAITING_KELURAHAN, purpose="update")
                return await self._continue_with_kelurahan(turn, argument)
        return [turn.main_menu(turn._("Tombol itu sudah tidak berlaku. Silakan pilih lagi dari menu."))]


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


def _has_digits(text: str) -> bool:
    return any(ch.isdigit() for ch in text)
