"""Tanya petugas: a citizen's question goes to a kelurahan officer as a ticket, answered in this chat.

The path: which kelurahan (named, the verified record's, the subscription's, or picked) → the question in
one message → consent to share the eligibility status (only when the chat verified earlier) → the ticket
number and the expected answer time. While a ticket is open, free text that is not a clear new request is
added to it (`follow_up`). Every ticket operation goes through sigap_core.tickets, never the ticket store;
answers that went only as the WhatsApp template come from the outbox (`take_unread`).
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.context import Turn
from handlers.entities import THANKS
from handlers.flow import Router
from handlers.flows import claims, welcome
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import Button, Kind, Reply
from handlers.understanding import Said
from sigap_core import tickets as service
from sigap_core.i18n import N_
from sigap_core.services import check
from sigap_core.wilayah import Kelurahan

TICKET_QUESTION = "ticket_question"
TICKET_CONSENT = "ticket_consent"
PURPOSE = "ticket"
MAX_QUESTION = 2000  # what the ticket service accepts (TICKETS.md); longer is refused kindly, never cut
MIN_LETTERS = 8  # "pak" or "tolong" alone is not yet a question (asked once for more, then accepted)

router = Router("tickets")

# Digits that must not reach staff or the database: a NIK or KK (16), a phone number (10-13), in groups.
_LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[\s.\-]?\d){9,}(?!\d)")
_LETTER = re.compile(r"[^\W\d_]")
# The kelurahan named while asking: "tanya petugas kelurahan margahayu", "komplain ke kel. jatibening".
_NAMES_PLACE = re.compile(r"\b(kelurahan|kel|kelurhan|village)\b")

# Topics: chosen by code, stored as the Indonesian label (as staff read it in notices), shown through gettext.
TOPICS = {
    "complaint": N_("Keluhan"),
    "data": N_("Data DTSEN"),
    "eligibility": N_("Kelayakan"),
    "coverage": N_("Kepesertaan"),
    "claim": N_("Klaim"),
    "other": N_("Lainnya"),
}
_COMPLAINT = re.compile(r"\b(komplain|complain\w*|keluh\w*|mengadu|ngadu|pengaduan|lapor\w*|protes)\b")
_TOPIC_OF_INTENT = {
    "update_data": "data",
    "check_eligibility": "eligibility",
    "coverage_status": "coverage",
    "claim_help": "claim",
}
# A short message that clearly asks for something else: served as such, never taken as the question.
_NEW_REQUEST_INTENTS = ("check_eligibility", "subscribe", "coverage_status", "update_data", "claim_help")


def topic_of(said: Said) -> str:
    if _COMPLAINT.search(said.lowered) or _COMPLAINT.search(said.normalised):
        return "complaint"
    if claims.about_accident(said.lowered):
        return "claim"  # "suami saya kecelakaan pas ngojek, ditanggung ga?": a claim, whatever else it names
    return _TOPIC_OF_INTENT.get(said.intent, "other")


def masked(text: str) -> tuple[str, bool]:
    """The text with long numbers (NIK, KK, phone) replaced; whether anything was replaced."""
    hidden = _LONG_NUMBER.sub("[…]", text)
    return hidden, hidden != text


def new_request(said: Said) -> bool:
    """The message asks for something the bot serves itself: a NIK check, a short command ("cek kelayakan",
    "langganan info", "berhenti"), a greeting or thanks, a bare yes/no, a language change."""
    words = len(said.lowered.split())
    score = said.nlu.scores.get(said.intent, 0)
    if said.digits.nik and words <= 6:
        return True
    if said.intent in ("unsubscribe", "change_language") and score >= 4:
        return True
    if words <= 4 and said.intent in _NEW_REQUEST_INTENTS and score >= 3 and said.faq is None:
        return True
    if words <= 4 and said.intent == "menu":
        return True
    return words <= 3 and said.bare_answer is not None


# What the bot serves itself, asked for in a few words while a ticket is open ("sy mau langganan info
# kelurahan", "mau cek kelayakan istri saya"); data and claim matters stay with the officer.
_SERVED_HERE = ("subscribe", "check_eligibility", "coverage_status")
_WANTS = re.compile(r"\b(mau|mw|ingin|pengen|pgn|minta|tolong|i want|i'd like|please)\b")


def served_here(said: Said) -> bool:
    words = len(said.lowered.split())
    score = said.nlu.scores.get(said.intent, 0)
    return (
        words <= 6
        and said.intent in _SERVED_HERE
        and score >= 4
        and not said.is_question
        and bool(_WANTS.search(said.lowered))
    )


# Asking about one's own ticket in other words than "tiket saya": always, and "answered yet?" when asked.
_ASKS_STATUS = re.compile(
    r"\b(status|gimana|gmn|bagaimana|gmana|kabar|cek|lihat|liat)\s+(\w+\s+){0,2}(tiket|ticket|pertanyaan|question)"
    r"|\b(lihat|liat|baca|mana|tampilkan|show|see|read)\s+(lagi\s+)?(jawaban|jawabannya|balasan|balasannya|answer|reply)\b"
    r"|\bstatus of my (question|ticket)\b|\b(has|did|was) my (question|ticket)\b|\bany (answer|reply) yet\b"
    r"|\bany (news|update|updates|word|answer|reply) (on|about|for) my (question|ticket)\b"
    r"|\b(has|have|did|is) (it|they|anyone|someone|the officer) (been )?(answer|answered|repl\w*|respond\w*|read)\b"
    r"|\b(answered|replied) yet\b"
)
_ANSWERED_YET = re.compile(
    r"\b(sudah|udah|udh|dah|sdh|belum|blm|blom)\s+(ada\s+)?(di)?(jawab|bales|balas|respon|baca)\w*"
    r"|\b(sudah|udah|udh|dah|sdh|belum|blm|blom)\s+ada\s+(jawaban|balasan)"
)
_NOT_YET = re.compile(r"\b(belum|blm|blom)\b")
_MORE_TO_SAY = re.compile(
    r"\b(tapi|tetapi|tp|namun|but|masih|lagi|mau tanya|tanya|however"
    # news about the matter itself: "ok pak, kk saya sudah berubah", "siap, tapi belum bisa"
    r"|kk|ktp|nik|alamat|data|dtsen|desil|nomor|nomer|pindah|berubah|ganti|salah|belum|blm|tidak|ga|gak|nggak|kok)\b"
)


def asks_status(said: Said) -> bool:
    """ "gimana tiket sy", "udah dibales blm?", "cek status tiket", "lihat jawaban petugas", "what is the
    status of my question?": the citizen asks about their ticket, never a follow-up for it."""
    lowered = said.lowered
    if len(lowered.split()) > 10:
        return False
    if _ASKS_STATUS.search(lowered):
        return True
    asked = said.is_question or bool(_NOT_YET.search(lowered))
    return asked and len(lowered.split()) <= 6 and bool(_ANSWERED_YET.search(lowered))


_OK_START = re.compile(r"^(ok|oke|okay|okey|oce|siap|sip|baik|baiklah|iya|iy|ya|noted|alright|mantap|alhamdulillah)\b")


# "tiketnya ditutup aja", "pertanyaan sy dibatalin", "close my ticket": the citizen wants their own ticket closed.
_CLOSE_OWN = re.compile(
    r"\b(tiket|tiketnya|ticket|pertanyaan|pertanyaannya|question)\b.{0,30}"
    r"\b(di ?tutup|tutup|close[d]?|di ?batal(kan|in)?|batal(kan|in)?|cancel(led)?|hapus|dihapus|selesai(kan)?)\b"
    r"|\b(tutup|close|batalkan|batalin|cancel|hapus)\b.{0,12}\b(tiket|ticket|pertanyaan|question)"
)


def closes_own(said: Said) -> bool:
    """ "udah gpp, pertanyaannya ditutup aja", "close my ticket": closing, never a follow-up for the officer."""
    return len(said.lowered.split()) <= 10 and bool(_CLOSE_OWN.search(said.lowered))


def acknowledged(said: Said) -> bool:
    """ "oke pak, besok sy ke kelurahan", "siap bu": taking an answer in, nothing more asked."""
    lowered = said.lowered
    if thanks_only(said):
        return True
    short = len(lowered.split()) <= 7 and "?" not in lowered and not said.is_question
    return short and bool(_OK_START.search(lowered)) and not _MORE_TO_SAY.search(lowered)


def thanks_only(said: Said) -> bool:
    """ "oke pak makasih infonya, besok sy ke kelurahan": thanks, with nothing more asked."""
    lowered = said.lowered
    if len(lowered.split()) > 8 or re.search(r"\d", lowered):
        return False  # "terima kasih, KK saya nomornya sudah berubah sejak Januari 2026 …": news for the officer
    return bool(THANKS.search(lowered)) and "?" not in lowered and not _MORE_TO_SAY.search(lowered)


# Starting -----------------------------------------------------------------------------------------------


async def start(turn: Turn, said: Said | None = None, lead: str = "") -> list[Reply]:
    """ "tanya petugas", "komplain", the Tanya petugas button. One open ticket per chat: a second request
    is pointed at the open one."""
    _ = turn._
    open_one = await current_ticket(turn)
    if open_one is not None:
        # Asking again: pointed at the open ticket, without the "the bot is not read by people" lead again.
        turn.clear_state()
        text = _(
            "Anda masih punya tiket {number} yang belum selesai (Kelurahan {kelurahan}). Ketik saja tambahan "
            "pertanyaan Anda di sini; akan masuk ke tiket itu dan dibaca petugas."
        ).format(number=open_one.number, kelurahan=open_one.kelurahan)
        return [Reply(text, (Button("ticket:status", _("Lihat tiket")), turn.menu_button()))]
    topic = topic_of(said) if said is not None else "other"
    named = _named_place(turn, said.text) if said is not None else None
    place = named or await kelurahan_flow.known(turn)
    # "komplain, bansos saya belum cair padahal sudah terdaftar": the question came with the request.
    question = _question_in(said, named) if said is not None else None
    if place is None:
        carry = {"topic": topic, "question": masked(question)[0]} if question else {"topic": topic}
        replies = kelurahan_flow.ask(turn, PURPOSE, 1, **carry)
        intro = (
            _("Pertanyaan Anda sudah saya catat. Supaya sampai ke petugas yang tepat, saya perlu tahu kelurahan Anda.")
            if question
            else _("Pertanyaan Anda akan saya teruskan ke petugas kelurahan. Pertama, saya perlu tahu kelurahan Anda.")
        )
        return [Reply(_lead(lead, intro)), *replies]
    if question:
        hidden_question, hidden = masked(question)
        replies = await _after_question(turn, place.code, topic, hidden_question)
        return [Reply(_lead(lead, _hidden_note(turn))), *replies] if hidden else _led(lead, replies)
    return [await ask_question(turn, place, topic, lead=lead)]


def _led(lead: str, replies: list[Reply]) -> list[Reply]:
    if not lead or not replies:
        return replies
    first = replies[0]
    return [Reply(_lead(lead, first.text), first.buttons, first.menu), *replies[1:]]


# Words of the request itself ("mau komplain ke petugas kelurahan"), not of a question.
_REQUEST_TEXT = (
    "mau mw ingin pengen pgn saya sy aku gw min admin kak pak bu bang mas mbak dong ya yah tolong mohon tanya "
    "tny nanya bertanya komplain complain keluhan mengeluh mengadu ngadu pengaduan aduan lapor protes ke sama "
    "sm dengan dgn petugas orang manusia cs operator pegawai kelurahan kel bicara ngomong ngobrol chat langsung "
    "aja saja bisa bs boleh gimana caranya cara buat bikin i want to talk speak with a an the person human "
    "officer staff someone ask make please can have got would like file complaint question about need"
)
_REQUEST_WORDS = frozenset(_REQUEST_TEXT.split())


def _question_in(said: Said, named: Kelurahan | None) -> str | None:
    """The question when the request carries one: at least four words besides the request's own (and the
    kelurahan's name)."""
    place_words = set(named.name.lower().split()) if named else set()
    words = re.findall(r"[^\W\d_]+", said.lowered)
    content = [w for w in words if w not in _REQUEST_WORDS and w not in place_words]
    if len(content) < 4 or len(said.text) > MAX_QUESTION:
        return None
    return said.text.strip()


def human_lead(turn: Turn) -> str:
    """ "mau ngomong sama petugas": the bot is not read by people, but it passes a question on."""
    return turn._(
        "Bot ini tidak dibaca petugas secara langsung, tetapi pertanyaan Anda bisa saya teruskan ke petugas "
        "kelurahan, dan jawabannya datang di chat ini."
    )


def _lead(lead: str, text: str) -> str:
    return f"{lead}\n\n{text}" if lead else text


def _named_place(turn: Turn, text: str) -> Kelurahan | None:
    if len(text.split()) <= 3:
        return kelurahan_flow.from_text(turn, text)
    if _NAMES_PLACE.search(text.lower()):
        return turn.domain.wilayah.find_in_text(text)
    return None


async def who_answers(turn: Turn, place: Kelurahan) -> str:
    """Who will answer, said truthfully: the kelurahan's officer, or the city's admin when that kelurahan has
    no officer in the bot yet (the service then tells the admins)."""
    _ = turn._
    if await turn.uow.tickets.staff_chats(place.code):
        return _("Petugas Kelurahan {kelurahan} akan menjawab").format(kelurahan=place.name)
    return _(
        "Kelurahan {kelurahan} belum punya petugas di layanan ini, jadi admin SIGAP Kota Bekasi yang akan menjawab"
    ).format(kelurahan=place.name)


async def ask_question(turn: Turn, place: Kelurahan, topic: str, lead: str = "") -> Reply:
    _ = turn._
    turn.set_state(TICKET_QUESTION, kode=place.code, topic=topic)
    text = _(
        "Tulis pertanyaan Anda dalam satu pesan. {who} di chat ini, {expected}.\nTidak perlu menulis NIK atau nomor HP."
    ).format(who=await who_answers(turn, place), expected=service.expected_answer(turn.domain, turn.now, turn.lang))
    return Reply(
        _lead(lead, text), (Button("ticket:place", _("Kelurahan lain")), turn.cancel_button(), turn.menu_button())
    )


@kelurahan_flow.continue_with(PURPOSE)
async def place_chosen(turn: Turn, place: Kelurahan) -> list[Reply]:
    data = turn.data
    topic = str(data.get("topic") or "other")
    question = data.get("question")
    if question:  # typed at the kelurahan prompt already
        return await _after_question(turn, place.code, topic, str(question))
    return [await ask_question(turn, place, topic)]


@kelurahan_flow.keeps_text_with_place(PURPOSE)
def question_with_place(turn: Turn, said: Said, place: Kelurahan) -> bool:
    """ "jatibening, kalo kecelakaan kerja gmn klaimnya?": the kelurahan and the question in one message."""
    if turn.data.get("question") or new_request(said):
        return False
    question = _question_in(said, place)
    if question is None:
        return False
    turn.update_data(question=masked(question)[0])
    return True


@kelurahan_flow.on_other_text(PURPOSE)
async def question_at_place_prompt(turn: Turn, said: Said) -> list[Reply] | None:
    """A question typed right away at the kelurahan prompt: kept, and the kelurahan asked for again."""
    words = len(said.text.split())
    if (
        new_request(said)
        or words < 4
        or len(said.text) > MAX_QUESTION
        or (words <= 6 and kelurahan_flow.dont_know(said))
    ):
        return None
    _ = turn._
    question, hidden = masked(said.text.strip())
    topic = turn.data.get("topic") or "other"
    topic = topic if topic != "other" else topic_of(said)
    text = _("Pertanyaan Anda sudah saya catat.")
    if hidden:
        text += " " + _hidden_note(turn)
    return [Reply(text), *kelurahan_flow.ask(turn, PURPOSE, topic=topic, question=question)]


# The question ---------------------------------------------------------------------------------------------


def _hidden_note(turn: Turn) -> str:
    return turn._("Demi keamanan, nomor panjang (NIK, KK, atau HP) saya hapus dari pesan itu.")


def _reminder(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _("Petugas menunggu pertanyaan Anda: ketik dalam satu pesan (teks), atau tekan Batal."),
        (turn.cancel_button(), turn.menu_button()),
    )


def _refused(turn: Turn, error: service.TicketError) -> list[Reply]:
    """What the service refused at opening (the checks here make it rare): said, the prompt kept."""
    _ = turn._
    if error is service.TicketError.TOO_LONG:
        return [too_long(turn)]
    if error is service.TicketError.UNKNOWN_KELURAHAN:
        return kelurahan_flow.not_understood(turn)
    return [Reply(_("Pertanyaannya belum ada. Ketik pertanyaan Anda dengan kata-kata, ya.")), _reminder(turn)]


def too_long(turn: Turn) -> Reply:
    """Over the ticket limit: said plainly with the numbers, nothing sent, the prompt kept."""
    _ = turn._
    return Reply(
        _(
            "Pesan Anda {length} karakter, sedangkan satu pesan untuk petugas paling banyak {limit} karakter. "
            "Belum ada yang terkirim. Persingkat, atau kirim bagian pertamanya dulu; sisanya bisa Anda kirim "
            "sebagai tambahan setelah nomor tiket keluar."
        ).format(length=_.number(len(turn.msg.text)), limit=_.number(MAX_QUESTION)),
        (turn.cancel_button(), turn.menu_button()),
    )


async def _cancel(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Baik, pertanyaan tidak dikirim ke petugas."))]


@router.step(
    TICKET_QUESTION, reminder=_reminder, cancel=_cancel, free_text=True, max_text=MAX_QUESTION, too_long=too_long
)
async def question_step(turn: Turn, said: Said) -> list[Reply] | None:
    _ = turn._
    text = said.text.strip()
    if not _LETTER.search(text) and not said.digits.nik:
        # "🙏", "??", "..." : no words yet.
        return [
            Reply(_("Pertanyaannya belum ada. Ketik pertanyaan Anda dengan kata-kata, ya."), _reminder(turn).buttons)
        ]
    short = len(text.split()) <= 3
    if said.waiting:
        return [_reminder(turn)]  # "bentar ya sy ketik dulu": not the question yet
    if said.postponed:
        turn.clear_state()  # "nanti aja deh nanyanya": not the question
        return [
            turn.main_menu(_("Baik, nanti saja. Belum ada yang dikirim ke petugas; ketik “tanya petugas” kapan saja."))
        ]
    if short and said.bare_answer is False:
        return await _cancel(turn)  # "nggak", "ga deh": not asking after all
    if kelurahan_flow.dont_know(said) and len(text.split()) <= 8 and not said.faq and "?" not in text:
        # "ga tau mau nanya apa", "bingung nanya apa": not the question yet; examples, nothing sent
        return [
            Reply(
                _(
                    "Tidak apa-apa. Tulis saja yang ingin Anda ketahui atau urus, misalnya: “data saya di DTSEN "
                    "masih salah” atau “kapan kepesertaan saya aktif?”. Belum ada yang dikirim ke petugas."
                ),
                _reminder(turn).buttons,
            )
        ]
    if new_request(said) and said.intent != "menu" and said.bare_answer is None:
        turn.clear_state()
        return None  # "cek kelayakan", a NIK, "berhenti": served as asked
    if short and not said.faq and (said.intent == "menu" or said.bare_answer is True):  # "halo", "iya", "ok"
        return [
            # "halo" is greeted back; "ok", "iya" only acknowledged
            Reply(
                (welcome.pleasantry(turn, said) or _("Baik."))
                + " "
                + _("Silakan ketik pertanyaan Anda untuk petugas dalam satu pesan."),
                _reminder(turn).buttons,
            )
        ]
    data = turn.data
    letters = len(_LETTER.findall(text))
    if letters < MIN_LETTERS and not data.get("asked_more"):
        turn.update_data(asked_more=True)
        return [
            Reply(
                _(
                    "Bisa diceritakan sedikit lebih lengkap, supaya petugas bisa langsung menjawab? Contoh: "
                    "“data saya di DTSEN masih salah padahal sudah lapor ke kelurahan bulan lalu”."
                ),
                _reminder(turn).buttons,
            )
        ]
    question, hidden = masked(text)
    topic = str(data.get("topic") or "other")
    if topic == "other":
        topic = topic_of(said)
    replies = await _after_question(turn, str(data.get("kode") or ""), topic, question)
    if hidden:
        replies.insert(0, Reply(_hidden_note(turn)))
    return replies


async def _after_question(turn: Turn, kode: str, topic: str, question: str) -> list[Reply]:
    """Open the ticket at once; when the chat verified earlier, then ask whether the officer may also see the
    eligibility status (added to the ticket only on a yes). The question never waits on that answer, so a
    citizen who moves on has still asked, and an officer can answer right away."""
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    return await _open(turn, kode, topic, question, offer_share=link is not None)


def _share_buttons(turn: Turn) -> tuple[Button, ...]:
    _ = turn._
    return (Button("ticket:share:yes", _("Ya, boleh")), Button("ticket:share:no", _("Tidak usah")))


def _consent_question(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Anda sudah verifikasi NIK di chat ini. Boleh petugas melihat hasil cek kelayakan Anda (misalnya "
            "“layak, prioritas”), supaya bisa menjawab lebih tepat? NIK tidak ditunjukkan. Tanpa izin ini, "
            "petugas hanya melihat pertanyaan Anda."
        ),
        _share_buttons(turn),
    )


def _consent_reminder(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _("Pertanyaan Anda sudah terkirim. Boleh petugas juga melihat hasil cek kelayakan Anda?"),
        _share_buttons(turn),
    )


# A question about what the officer would see ("petugas liat apa aja?", "yg ditunjukin apa?").
_ABOUT_SHARING = re.compile(
    r"\b(liat|lihat|dilihat|diliat|ngeliat|ditunjukkan|ditunjukin|ditampilkan|dibagi|dikasih|tau|tahu|see|seen"
    r"|shown|share|shared)\b"
)
# Sharing the status is a yes only when short or said in words about sharing ("boleh, silakan dilihat").
MAX_SHARE_YES_WORDS = 4
_SHARE_WORDS = re.compile(
    r"\b(boleh|bole|silakan|silahkan|setuju|lihat|liat|dilihat|diliat|share|bagikan|dibagikan|tunjukkan"
    r"|ditunjukkan|agree|izinkan|ijinkan)\b"
)


async def _not_shared(turn: Turn) -> list[Reply]:
    """ "batal", "ga usah" at the share question: nothing shared; the question itself is already sent."""
    return await _consented(turn, False)


@router.step(TICKET_CONSENT, reminder=_consent_reminder, cancel=_not_shared, own_escapes=("cancel", "menu"))
async def consent_step(turn: Turn, said: Said) -> list[Reply] | None:
    if said.escape == "menu":
        # The ticket stays as sent; the status is not shared (said so, never silently).
        number = turn.data.get("number", "")
        turn.clear_state()
        text = turn._("Hasil cek kelayakan tidak dibagikan. Pertanyaan Anda tetap terkirim (tiket {number}).")
        return [turn.main_menu(text.format(number=number))]
    if said.escape == "cancel":
        return await _consented(turn, False)  # "ga usah", "batal": nothing shared; the question is already sent
    answer = said.given_answer
    if answer is True and len(said.lowered.split()) > MAX_SHARE_YES_WORDS and not _SHARE_WORDS.search(said.lowered):
        answer = None  # "oh iya sy tinggal di rw 05": more for the ticket, no yes to showing the status
    if answer is not None:
        return await _consented(turn, answer)
    # "maksudnya petugas bs liat apa aja?": about this question, not the knowledge base's "maksudnya?"
    about_this = said.is_question and (
        said.faq is None or said.faq.entry.follow_up or bool(_ABOUT_SHARING.search(said.lowered))
    )
    if not about_this and (said.faq is not None or new_request(said)):
        return None
    _ = turn._
    if said.waiting:
        return [_consent_reminder(turn)]
    if about_this:
        # "yg dilihat apa aja?": what sharing means, and the question again.
        return [
            Reply(
                _(
                    "Petugas hanya akan melihat hasil cek kelayakan Anda, misalnya “layak, prioritas” atau “desil "
                    "di atas batas”. NIK, nomor KK, dan nama lengkap tidak ditunjukkan. Tanpa izin ini, petugas "
                    "hanya melihat pertanyaan Anda. Boleh?"
                ),
                _share_buttons(turn),
            )
        ]
    # Anything else lets the optional question go: a new request is served, more words join the ticket.
    turn.clear_state()
    return await follow_up(turn, said)


async def _consented(turn: Turn, share: bool) -> list[Reply]:
    _ = turn._
    data = turn.data
    ticket_id, number = data.get("ticket_id"), str(data.get("number") or "")
    if turn.state != TICKET_CONSENT or not ticket_id:
        return [turn.main_menu(_("Pertanyaan itu sudah tidak ada. Silakan mulai lagi dari “Tanya petugas”."))]
    turn.clear_state()
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key) if share else None
    if link is not None:
        decision = await check(turn.uow, turn.domain, link.nik_hmac, turn.today)
        channel, user = turn.msg.channel, turn.msg.user_key
        if await service.share_status(turn.uow, channel, user, int(ticket_id), decision.status.value, link.nik_hmac):
            text = _("Baik, hasil cek kelayakan Anda ikut ditunjukkan ke petugas. Nomor tiket Anda: {number}.")
            return [Reply(text.format(number=number), (turn.menu_button(),))]
    text = _("Baik, petugas hanya melihat pertanyaan Anda. Nomor tiket Anda: {number}.")
    return [Reply(text.format(number=number), (turn.menu_button(),))]


async def _open(turn: Turn, kode: str, topic: str, question: str, offer_share: bool = False) -> list[Reply]:
    _ = turn._
    place = turn.domain.wilayah.get(kode)
    if place is None:
        return kelurahan_flow.ask(turn, PURPOSE, topic=topic, question=question)
    try:
        ticket = await service.open_ticket(
            turn.uow,
            domain=turn.domain,
            channel=turn.msg.channel,
            user_key=turn.msg.user_key,
            lang=turn.lang,
            kode_kelurahan=place.code,
            topic=TOPICS.get(topic, TOPICS["other"]),  # stored in Indonesian, as staff read it; shown via gettext
            text=question,
            now=turn.now,
        )
    except service.TicketInputError as refused:
        return _refused(turn, refused.error)
    turn.clear_state()
    turn.remember_asked()
    text = _(
        "Terkirim. Nomor tiket Anda: {number}.\n"
        "{who} di chat ini, {expected}.\n"
        "Ada tambahan? Ketik saja di sini, nanti masuk ke tiket yang sama. Menu tetap bisa dipakai."
    ).format(
        number=ticket.number,
        who=await who_answers(turn, place),
        expected=service.expected_answer(turn.domain, turn.now, turn.lang),
    )
    if claims.about_accident(question):
        # An accident cannot wait for the answer: the claim's deadline runs from the accident (brief §2).
        urgent = claims.urgent_accident_steps(turn)
        opened = Reply(f"{text}\n\n{urgent.text}", urgent.buttons)
    else:
        opened = Reply(text, () if offer_share else (turn.menu_button(),))
    if not offer_share:
        return [opened]
    turn.set_state(TICKET_CONSENT, ticket_id=ticket.id, number=ticket.number)
    return [opened, _consent_question(turn)]


# While a ticket is open -------------------------------------------------------------------------------------


async def current_ticket(turn: Turn) -> service.TicketView | None:
    """The chat's ticket that is not closed; looked up only for a chat that has asked an officer (most never
    do, and their free text then costs no query)."""
    if not turn.asked_officer:
        return None
    return await service.open_ticket_of(turn.uow, turn.msg.channel, turn.msg.user_key, turn.now)


async def follow_up(turn: Turn, said: Said) -> list[Reply] | None:
    """Free text from a citizen with an open ticket: added to it, confirmed in one line. None when there is
    no open ticket or the message is a clear new request (answered normally). A typed vote ("👍",
    "membantu", "tidak membantu") right after a close rates that ticket, as the buttons do."""
    text = said.text.strip()
    rated = await typed_rating(turn, text, said)
    if rated is not None:
        return rated
    if not _LETTER.search(text) or text.startswith("/"):
        return None
    offered = [choice for choice, _label in (turn.choices or []) if choice != "menu"]
    yes_only = said.bare_answer is True and len(said.lowered.split()) <= 3 and not offered
    if (new_request(said) or served_here(said)) and not yes_only:
        return None
    if said.wants_officer and _question_in(said, None) is None:
        return None  # "mau komplain lagi": asking again, pointed at the open ticket by `start`
    ticket = await current_ticket(turn)
    if ticket is None:
        return None
    _ = turn._
    if closes_own(said):
        return [
            Reply(
                _(
                    "Baik. Tiket {number} tidak perlu ditutup sendiri: petugas menutupnya setelah menjawab. "
                    "Kalau tidak ada tambahan, biarkan saja; pesan ini tidak saya teruskan."
                ).format(number=ticket.number),
                (turn.menu_button(),),
            )
        ]
    if yes_only or thanks_only(said) or (ticket.state == "answered" and acknowledged(said)):
        # "iya boleh" after the ticket number, "makasih pak", "oke pak, besok sy ke kelurahan" after the answer:
        # acknowledged, never filed (nor reopening an answered ticket).
        return [_acknowledged(turn, ticket, thanks=thanks_only(said))]
    if len(text) > MAX_QUESTION:
        return [too_long_follow_up(turn, ticket.number)]
    addition, hidden = masked(text)
    try:
        await service.add_citizen_message(turn.uow, ticket.id, addition, turn.now)
    except service.TicketInputError:
        return None  # closed meanwhile: answered as any message

    line = _("Tambahan Anda masuk ke tiket {number}; petugas akan membacanya.").format(number=ticket.number)
    if hidden:
        line += " " + _hidden_note(turn)
    return [Reply(line, (turn.menu_button(),))]


def _acknowledged(turn: Turn, ticket: service.TicketView, thanks: bool) -> Reply:
    _ = turn._
    if ticket.state == "answered" and thanks:
        text = _("Sama-sama! Kalau masih ada yang ingin ditanyakan soal tiket {number}, ketik saja di sini.")
    elif ticket.state == "answered":
        text = _("Baik. Kalau masih ada yang ingin ditanyakan soal tiket {number}, ketik saja di sini.")
    elif thanks:
        text = _("Sama-sama! Tiket {number} masih menunggu jawaban petugas; jawabannya datang di chat ini.")
    else:
        text = _("Baik. Tiket {number} sudah terkirim; jawaban petugas datang di chat ini.")
    return Reply(text.format(number=ticket.number), (Button("ticket:status", _("Lihat tiket")), turn.menu_button()))


def too_long_follow_up(turn: Turn, number: str) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Pesan Anda {length} karakter, sedangkan satu pesan untuk petugas paling banyak {limit} karakter. "
            "Belum masuk ke tiket {number}. Kirim dalam beberapa pesan yang lebih pendek, ya."
        ).format(length=_.number(len(turn.msg.text)), limit=_.number(MAX_QUESTION), number=number),
        (turn.menu_button(),),
    )


async def long_message(turn: Turn, said: Said | None) -> list[Reply] | None:
    """A message over the engine's usual limit with no step pending: for an open ticket, added (up to the
    ticket limit) or refused with the numbers; None when there is no open ticket."""
    if said is not None:
        return await follow_up(turn, said)
    ticket = await current_ticket(turn)
    return None if ticket is None else [too_long_follow_up(turn, ticket.number)]


async def non_text(turn: Turn) -> list[Reply] | None:
    """A voice note or a photo while a ticket is open: it cannot be passed on, say so."""
    if turn.msg.kind in (Kind.STICKER, Kind.REACTION):
        return None
    ticket = await current_ticket(turn)
    if ticket is None:
        return None
    _ = turn._
    return [
        Reply(
            _(
                "Maaf, petugas hanya menerima pesan teks: suara, foto, dan berkas tidak bisa diteruskan. "
                "Ketik tambahannya di sini; akan masuk ke tiket {number}."
            ).format(number=ticket.number),
            (turn.menu_button(),),
        )
    ]


async def status(turn: Turn) -> list[Reply]:
    _ = turn._
    ticket = await current_ticket(turn)
    if ticket is None:
        return [
            Reply(
                _("Anda tidak punya tiket yang masih terbuka."),
                (Button("ticket:start", _("Tanya petugas")), turn.menu_button()),
            )
        ]
    state = _("sudah dijawab") if ticket.state == "answered" else _("menunggu jawaban")
    text = _("Tiket {number} (Kelurahan {kelurahan}): {state}. Pertanyaan: “{question}”").format(
        number=ticket.number, kelurahan=ticket.kelurahan, state=state, question=ticket.question
    )
    since = ticket.created_at - timedelta(seconds=1)
    answers = await service.answers_since(turn.uow, turn.msg.channel, turn.msg.user_key, ticket.id, since)
    if answers:
        # The answers so far, to read again (the newest last).
        text += "\n\n" + "\n\n".join(_("Jawaban petugas: “{answer}”").format(answer=answer) for answer in answers)
    elif ticket.state != "answered":
        text += "\n" + _("Belum ada jawaban; jawaban petugas datang di chat ini.")
    return [Reply(text, (turn.menu_button(),))]


# Answers that went as the WhatsApp template ----------------------------------------------------------------


async def unread_answers(turn: Turn) -> list[Reply]:
    """Outside WhatsApp's 24-hour window an officer's answer goes as the ticket template, which carries only
    the ticket number and invites the citizen to reply. On their next message (the window is open again) the
    answers that went only as the template are shown, each once (`take_unread` marks them in this turn's
    transaction)."""
    if turn.msg.channel != "whatsapp":
        return []
    unread = await turn.uow.outbox.take_unread(turn.msg.channel, turn.msg.user_key, turn.now)
    if unread:
        turn.remember_asked()  # (a dialog pruned meanwhile forgot it): follow-ups go to the ticket again
    return [Reply(text, tuple(Button(*button) for button in buttons)) for _broadcast, text, buttons in unread]


# Rating ---------------------------------------------------------------------------------------------------


# "Apakah jawaban ini membantu?" answered in words: a negated helpful-word or a complaint is a 👎 …
_VOTE_DOWN = re.compile(
    r"\b(tidak|tdk|ga|gak|nggak|ngga|enggak|kurang|belum|blm|not|no|isn't|wasn't)\s+(\w+\s+)?"
    r"(membantu|ngebantu|bantu|terbantu|jelas|puas|terjawab|menjawab|dijawab|ngerti|paham|helpful|clear|answered"
    r"|useful|good)\b"
    r"|\b(jelek|buruk|parah|lama|lambat|lelet|kecewa|mengecewakan|payah|zonk|ngaco|bad|slow|useless|terrible"
    r"|poor|disappointed)\b"
)
# … and a helpful-word, praise or thanks is a 👍.
_VOTE_UP = re.compile(
    r"\b(membantu|ngebantu|terbantu|jelas|mantap|mantab|mantul|bagus|puas|top|keren|oke|ok|okay|sip|siap|makasih"
    r"|makasi|terima ?kasih|thanks|thank you|thx|helpful|great|good|nice|iya|iyaa|ya|yes|lumayan|alhamdulillah"
    r"|cepat|cepet|ramah|jos|josss|useful|clear)\b"
)
_STARS = re.compile(r"^(?:([1-5])(?:\s*/\s*5)?|(⭐+))$")
MAX_VOTE_WORDS = 6
_UP_EMOJI = frozenset("👌🙏❤😊🙂😀😁😃😄🥰😍👏💯✅🤩💪♥🫶")
_DOWN_EMOJI = frozenset("😞😡😠😤☹🙁😕😒😢😭❌🤬")
_SKIN_AND_JOINERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f\u200d]")
# A question, by its first word ("kurang puas sih" ends like a question, but is not one).
_ASKING = re.compile(
    r"(apa|apakah|berapa|brp|kapan|kpn|dimana|di mana|kemana|gimana|gmn|bagaimana|kenapa|knp|siapa|bisa|boleh"
    r"|what|how|when|where|who|why|can|is|are|do|does)\b"
)


def vote_in_words(said: Said) -> bool | None:
    """A short answer to the rating question in the user's own words ("mantap pak, jelas bgt", "kurang
    jelas", "jelek, lama bgt jawabnya", "5", "⭐⭐⭐⭐"); None when it is anything else — a question, a new
    request, a NIK, or a 3 of 5 (neither good nor bad)."""
    text = said.text.strip()
    faces = set(_SKIN_AND_JOINERS.sub("", text).replace(" ", ""))
    if faces and faces <= _UP_EMOJI:
        return True  # "👌", "🙏🙏", "❤️"
    if faces and faces <= _DOWN_EMOJI:
        return False  # "😞", "😡"
    stars = _STARS.match(text.replace("\ufe0f", "").replace(" ", "") if "⭐" in text else text)
    if stars is not None:
        score = int(stars[1]) if stars[1] else min(len(stars[2]), 5)
        return True if score >= 4 else False if score <= 2 else None
    lowered = said.lowered
    if len(lowered.split()) > MAX_VOTE_WORDS or "?" in text or _ASKING.match(lowered) or said.digits.runs:
        return None
    asks_more = said.intent not in ("menu", "out_of_scope") and strong_ask(said)
    if said.faq is not None or said.escape is not None or asks_more:
        return None
    if _VOTE_DOWN.search(lowered):
        return False
    if _VOTE_UP.search(lowered):
        return True
    return None


def strong_ask(said: Said) -> bool:
    return said.nlu.scores.get(said.intent, 0) >= 3


async def typed_rating(turn: Turn, text: str, said: Said | None = None) -> list[Reply] | None:
    """A bare typed vote from a chat whose newest ticket was closed and not yet rated (on WhatsApp outside
    the 24-hour window the rating question may arrive without its buttons, and people answer it in words);
    None for anything else."""
    if not turn.asked_officer:
        return None
    vote = service.typed_vote(text)
    if vote is None and said is not None:
        vote = vote_in_words(said)
    neutral = vote is None and said is not None and _neutral_vote(said)
    if vote is None and not neutral:
        return None
    ticket_id = await service.rating_pending(turn.uow, turn.msg.channel, turn.msg.user_key, turn.now)
    if ticket_id is None:
        return None
    if vote is None:
        # "biasa aja", "3": neither good nor bad — thanked, and the 👍/👎 question asked again.
        _ = turn._
        return [
            Reply(
                _("Terima kasih atas tanggapannya. Secara umum, apakah jawaban petugas membantu?"),
                (
                    Button(f"tiket_nilai:{ticket_id}:up", "👍"),
                    Button(f"tiket_nilai:{ticket_id}:down", "👎"),
                    turn.menu_button(),
                ),
            )
        ]
    return await rate(turn, f"{ticket_id}:{'up' if vote else 'down'}")


_NEUTRAL = re.compile(
    r"^(biasa|b|standar|standard|so so|soso|gitu|ya gitu|gimana ya|entahlah|okay-ish|meh|average"
    r"|fine i guess)( (aja|saja|aj|sih|lah|deh|ya|kak|pak|bu|min|banget|bgt))*$|^3( ?/ ?5)?$|^⭐{3}$"
)


def _neutral_vote(said: Said) -> bool:
    """ "biasa aja sih", "standar", "3": an answer to the rating question that is neither good nor bad."""
    return bool(_NEUTRAL.match(" ".join(re.sub(r"[^\w⭐/ ]+", " ", said.lowered).split())))


async def rate(turn: Turn, argument: str) -> list[Reply]:
    _ = turn._
    ticket_id, _sep, vote = argument.partition(":")
    if not ticket_id.isdigit() or vote not in ("up", "down"):
        return [turn.main_menu(_("Tombol itu sudah tidak berlaku. Silakan pilih lagi dari menu."))]
    recorded = await service.rate(turn.uow, turn.msg.channel, turn.msg.user_key, int(ticket_id), vote == "up", turn.now)
    if not recorded:
        return [turn.main_menu(_("Penilaian untuk tiket ini sudah tercatat. Terima kasih!"))]
    if vote == "up":
        return [turn.main_menu(_("Terima kasih atas penilaiannya! Senang bisa membantu."))]
    return [
        Reply(
            _(
                "Terima kasih atas penilaiannya; ini membantu kami memperbaiki layanan. Kalau masih ada yang "
                "belum terjawab, tanyakan lagi ke petugas."
            ),
            (Button("ticket:start", _("Tanya petugas")), turn.menu_button()),
        )
    ]


# What this flow owns --------------------------------------------------------------------------------------


@router.button("ticket")
async def ticket_button(turn: Turn, argument: str) -> list[Reply]:
    action, _sep, value = argument.partition(":")
    match action:
        case "share":
            return await _consented(turn, value == "yes")
        case "place":
            topic = (turn.data.get("topic") or "other") if turn.state == TICKET_QUESTION else "other"
            return kelurahan_flow.ask(turn, PURPOSE, topic=topic)
        case "status":
            return await status(turn)
    return await start(turn)


@router.button("tiket_nilai")
async def rating_button(turn: Turn, argument: str) -> list[Reply]:
    return await rate(turn, argument)
