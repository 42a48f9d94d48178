"""Cara perbarui data: the DTSEN update routes (kelurahan, Cek Bansos, Dukcapil) for the user's kelurahan.

Office hours, addresses and phone numbers come from the policy file; none is invented here.
"""

from __future__ import annotations

from handlers import faq
from handlers.context import Turn
from handlers.flow import Router
from handlers.flows import claims
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import Button, Reply
from handlers.understanding import Said
from sigap_core.wilayah import Kelurahan

router = Router("update_guide")


# The knowledge-base entry a follow-up after the guide is about.
UPDATE_TOPIC = "update_time"


async def start(turn: Turn, typed: str | None = None) -> list[Reply]:
    place = await kelurahan_flow.resolve(turn, typed)
    if place is None:
        turn.remember_topic(UPDATE_TOPIC)  # "kalo ga bisa dtg?" at the kelurahan question: about the update
        # The route in one line first ("biar kedata di dtsen hrs ngapain" is answered even if the kelurahan
        # question is skipped), then the kelurahan, for its office.
        _ = turn._
        route = _(
            "Untuk masuk atau memperbarui data DTSEN: datang ke kantor kelurahan tempat Anda tinggal dengan KTP-el "
            "dan KK asli, atau usulkan lewat aplikasi Cek Bansos (menu “Daftar Usulan”)."
        )
        return [Reply(route), *kelurahan_flow.ask(turn, "update")]
    return await guide(turn, place)


# "hrs bawa apa aja ke sana?" while the update guide waits for the kelurahan: what to bring to the kelurahan,
# not the claim documents the same words find elsewhere (unless a claim is named).
DOCUMENTS = frozenset({"claim_documents", "what_to_bring"})
BRING_TO_KELURAHAN = "what_to_bring_kelurahan"


@kelurahan_flow.answers_itself("update")
def asks_what_to_bring(said: Said) -> bool:
    found = said.faq
    if found is None or found.entry.id not in DOCUMENTS | {BRING_TO_KELURAHAN}:
        return False
    return not claims.names_claim(said.lowered) and not claims.about_accident(said.lowered)


@kelurahan_flow.on_other_text("update")
async def question_at_prompt(turn: Turn, said: Said) -> list[Reply] | None:
    """A question about the visit, asked before the kelurahan is named: answered, and the prompt again."""
    if not asks_what_to_bring(said):
        return None
    answer = faq.answer_text(faq.entry(BRING_TO_KELURAHAN), turn.domain, turn._, turn.outcome)
    return [Reply(answer), kelurahan_flow.reminder(turn)]


@kelurahan_flow.continue_with("update")
async def guide(turn: Turn, place: Kelurahan) -> list[Reply]:
    _ = turn._
    turn.clear_state()
    turn.remember_topic(UPDATE_TOPIC)  # "berapa lama?" after the guide: how long a DTSEN update takes
    policy = turn.domain.policy
    details = policy.kelurahan_contacts.get(place.code)
    hours = (details.hours if details and details.hours else "") or policy.contacts.kelurahan_office_hours
    office = _("kantor Kelurahan {kelurahan} (Kecamatan {kecamatan})").format(
        kelurahan=place.name, kecamatan=place.kecamatan.name
    )
    if details and details.address:
        office += ", " + details.address
    when = (
        _("Jam layanan: {hours}.").format(hours=hours)
        if hours
        else _("Tanyakan jam layanannya ke kantor kelurahan atau pengurus RT/RW.")
    )
    steps = _(
        "Cara memperbarui data DTSEN:\n"
        "1. Datang ke {office}. {when}\n"
        "2. Bawa KTP-el dan Kartu Keluarga (KK) asli.\n"
        "3. Sampaikan ke petugas (operator SIKS-NG) bahwa Anda ingin mengusulkan atau memperbarui data DTSEN: "
        "pekerjaan, alamat, atau kondisi ekonomi keluarga.\n"
        "4. Usulan dibahas di musyawarah kelurahan, diperiksa Dinas Sosial, dan bisa dicek ke rumah oleh "
        "pendamping. Setelah itu BPS menetapkan desil yang baru.\n"
        "5. Hasilnya tidak langsung: DTSEN diperbarui berkala. Cek lagi di sini beberapa bulan kemudian."
    ).format(office=office, when=when)
    online = _(
        "Lewat HP: aplikasi Cek Bansos dari Kemensos. Menu “Daftar Usulan” untuk mengusulkan diri sendiri atau "
        "keluarga (data harus sama dengan KK); menu “Tanggapan Kelayakan” untuk sanggahan.\n"
        "Jika data di KTP atau KK sendiri yang salah (alamat, pekerjaan), perbaiki dulu di Disdukcapil Kota "
        "Bekasi, baru perbarui DTSEN."
    )
    # "data saya salah", "sudah update tapi belum masuk": a case the guide cannot settle goes to an officer.
    buttons = (Button("check", _("Cek kelayakan")), Button("ticket:start", _("Tanya petugas")), turn.menu_button())
    replies = [Reply(steps), Reply(online, buttons)]
    if details and details.phone:
        replies.insert(1, Reply(_("Telepon kelurahan: {phone}").format(phone=details.phone)))
    return replies


@router.button("update")
async def update_button(turn: Turn, argument: str) -> list[Reply]:
    return await start(turn)


@router.intent("update_data")
async def update_intent(turn: Turn, said: Said) -> list[Reply]:
    return await start(turn, said.text)
