"""What to do after an accident or a death, and the coverage card with its claim buttons (facts from the
domain brief §2). Shared by the check and "Status kepesertaan"; imports no other flow.
"""

from __future__ import annotations

import re

from handlers.context import Turn
from handlers.entities import names_relative
from handlers.flow import Router
from handlers.model import Button, Reply
from handlers.render import coverage_text
from handlers.understanding import ACCIDENT, Said
from sigap_core.eligibility import Decision

router = Router("claims")


# What a follow-up after the claim steps is about ("maksudnya?" → what JKK and JKM are; "berapa lama?" →
# how long a claim takes): the knowledge-base entry on the two benefits. Each claim answer is kept as
# "CLAIM_TOPIC:VARIANT", so a bare follow-up ("dapetnya brp?") leans on that answer (handlers/ellipsis.py).
CLAIM_TOPIC = "jkk_jkm_meaning"


def coverage_replies(turn: Turn, decision: Decision) -> list[Reply]:
    _ = turn._
    assert decision.coverage is not None
    text = _("Kepesertaan BPJS Ketenagakerjaan Anda:") + "\n" + coverage_text(_, decision.coverage, turn.domain)
    return [
        Reply(
            text,
            (Button("accident", _("Jika kecelakaan")), Button("jkm", _("Klaim JKM")), turn.menu_button()),
        )
    ]


def office(turn: Turn) -> str:
    contacts = turn.domain.policy.contacts
    parts = [contacts.bpjs_office_name, contacts.bpjs_office_address]
    if contacts.bpjs_office_hours:
        parts.append(contacts.bpjs_office_hours)
    if contacts.bpjs_office_phone:
        parts.append(contacts.bpjs_office_phone)
    return ", ".join(p for p in parts if p) or turn._("kantor cabang BPJS Ketenagakerjaan terdekat")


# An accident named only to be ruled out: "sakit biasa, bukan kecelakaan", "tanpa kecelakaan", "not an accident".
_NOT_AN_ACCIDENT = re.compile(
    r"\b(bukan|bkn|tanpa|tidak|tdk|ga|gak|nggak|ngga|kagak|not|no|without)\s+(karena\s+|krn\s+|gara2\s+|akibat\s+|an\s+|a\s+)?"
    r"(kecelakaan|kecelakan|kclkaan|accident)\w*"
)


def about_accident(text: str) -> bool:
    return bool(ACCIDENT.search(_NOT_AN_ACCIDENT.sub(" ", text.lower())))


_CLAIM = re.compile(r"\b(klaim\w*|claim\w*|santunan\w*|cairkan|mencairkan|pencairan)\b")


def names_claim(text: str) -> bool:
    """The message is about a claim ("where do I go to make a claim?", "klaimnya ke mana")."""
    return bool(_CLAIM.search(text.lower()))


def urgent_accident_steps(turn: Turn) -> Reply:
    """What cannot wait for an officer's answer after an accident (brief §2)."""
    _ = turn._
    text = _(
        "Penting, jangan tunggu jawaban petugas: jika ini kecelakaan kerja (termasuk di perjalanan pergi/pulang "
        "kerja), laporkan ke BPJS Ketenagakerjaan paling lambat 2×24 jam setelah kejadian. Keluarga boleh "
        "melaporkan. Berobat dulu; jika bisa, di rumah sakit/klinik mitra BPJS Ketenagakerjaan (PLKK)."
    )
    return Reply(text, (Button("accident", _("Jika kecelakaan")), turn.menu_button()))


# Outcomes of the last check whose person is not (yet) a participant: an accident now is not covered by SIGAP.
NOT_YET_PARTICIPANT = frozenset(
    {"eligible_priority", "eligible", "waiting_list", "desil_above_limit", "not_informal_worker", "not_resident"}
)
# "bpjs sy udh ga aktif", "kepesertaannya nonaktif", "my cover expired": the coverage itself is in doubt.
_INACTIVE = re.compile(
    r"\b(tidak|tdk|ga|gak|nggak|ngga|enggak|udah ga|udh ga|sudah tidak|sdh tdk|belum|blm) ?aktif\b|\bnon ?-?aktif\b"
    r"|\b(masa (aktif|berlaku)\w*|kepesertaan\w*) (sudah |udah |udh |sdh )?(habis|berakhir|lewat|mati)\b"
    r"|\b(not|no longer|isn.t|wasn.t) (active|covered)\b|\b(inactive|expired|lapsed)\b"
)


# "blm terdaftar sigap", "bukan peserta", "not registered yet": an accident before enrolment.
_NOT_REGISTERED = re.compile(
    r"\b(belum|blm|tidak|tdk|ga|gak|nggak|ngga|bukan|bkn)\s+(terdaftar|didaftarkan|peserta|jadi peserta|terpilih"
    r"|(daftar|ikut|masuk)\s+(sigap|program|bpjs|peserta|jadi peserta))\b"
    r"|\b(not|never) (yet )?(registered|enrolled|a (member|participant))\b"
)


def mentions_inactive(text: str) -> bool:
    """ "bpjs sy blm aktif", "not registered yet": whether the person is covered at all is in doubt."""
    return bool(_INACTIVE.search(text.lower()) or _NOT_REGISTERED.search(text.lower()))


def accident_lead(turn: Turn, said: Said | None) -> str:
    """What the last check (a status code, nothing personal) or the message says about whether the accident is
    covered at all, before the steps: not yet a participant, being registered, or coverage said to be off."""
    _ = turn._
    outcome, other = turn.outcome, turn.outcome_other
    if said is not None and (said.family or names_relative(said.lowered)) and not other:
        outcome = None  # "istri saya jatuh…" after one's own check: that status is not hers
    if outcome in NOT_YET_PARTICIPANT:
        return (
            _(
                "Catatan: menurut cek tadi, pemilik NIK yang dicek belum terdaftar sebagai peserta SIGAP, jadi "
                "kecelakaan atau kematian yang terjadi sekarang belum ditanggung lewat SIGAP. Perlindungannya "
                "berlaku setelah didaftarkan (statusnya tampil di “Status kepesertaan”). Jika ia peserta BPJS "
                "Ketenagakerjaan lewat jalur lain, langkahnya seperti di bawah."
            )
            if other
            else _(
                "Catatan: menurut cek tadi, Anda belum terdaftar sebagai peserta SIGAP, jadi kecelakaan atau "
                "kematian yang terjadi sekarang belum ditanggung lewat SIGAP. Perlindungannya berlaku setelah Anda "
                "didaftarkan (statusnya tampil di “Status kepesertaan”). Jika Anda peserta BPJS Ketenagakerjaan "
                "lewat jalur lain, langkahnya seperti di bawah."
            )
        )
    if outcome == "selected":
        return (
            _(
                "Catatan: pemilik NIK yang dicek sudah terpilih dan sedang didaftarkan; perlindungannya berlaku "
                "setelah status di “Status kepesertaan” menjadi AKTIF."
            )
            if other
            else _(
                "Catatan: Anda sudah terpilih dan sedang didaftarkan; perlindungannya berlaku setelah status di "
                "“Status kepesertaan” menjadi AKTIF."
            )
        )
    if said is not None and _NOT_REGISTERED.search(said.lowered):
        return _(
            "SIGAP tidak membuka pendaftaran mandiri, dan perlindungannya berlaku setelah seseorang didaftarkan "
            "sebagai peserta. Kecelakaan sebelum terdaftar tidak ditanggung lewat SIGAP. Jika Anda peserta BPJS "
            "Ketenagakerjaan lewat jalur lain, langkahnya seperti di bawah."
        )
    if said is not None and _INACTIVE.search(said.lowered):
        return _(
            "Apakah kecelakaan itu bisa diklaim, BPJS Ketenagakerjaan yang memeriksa status kepesertaan pada "
            "hari kejadian. Cek statusnya di “Status kepesertaan”, dan tetap laporkan dalam 2×24 jam."
        )
    return ""


def accident_off_work(turn: Turn) -> list[Reply]:
    """An accident outside work and the commute is not JKK (brief §2); a death from it would be JKM."""
    _ = turn._
    turn.remember_topic(f"{CLAIM_TOPIC}:off_work")
    text = _(
        "SIGAP menanggung JKK dan JKM. JKK hanya untuk kecelakaan kerja: saat bekerja atau di perjalanan "
        "pergi/pulang kerja. Kecelakaan di luar itu (misalnya saat liburan atau urusan pribadi) tidak termasuk "
        "JKK, jadi biaya berobatnya tidak ditanggung lewat SIGAP. BPJS Kesehatan (JKN/KIS) adalah program lain.\n"
        "Jika peserta meninggal karena kecelakaan di luar kerja, ahli waris bisa mengklaim JKM (Rp42 juta).\n"
        "Jika kejadiannya ternyata terkait pekerjaan (misalnya sedang mengantar penumpang atau barang), "
        "laporkan ke BPJS Ketenagakerjaan paling lambat 2×24 jam."
    )
    return [Reply(text, (Button("accident", _("Jika kecelakaan")), Button("jkm", _("Klaim JKM")), turn.menu_button()))]


def accident(turn: Turn, said: Said | None = None) -> list[Reply]:
    _ = turn._
    turn.remember_topic(f"{CLAIM_TOPIC}:accident")
    lead = accident_lead(turn, said)
    text = (lead + "\n\n" if lead else "") + _(
        "Jika mengalami kecelakaan kerja (termasuk di perjalanan pergi/pulang kerja):\n"
        "1. Berobat dulu. Jika bisa, pilih rumah sakit/klinik mitra BPJS Ketenagakerjaan (PLKK).\n"
        "2. Laporkan ke BPJS Ketenagakerjaan dan dinas tenaga kerja setempat paling lambat 2×24 jam setelah "
        "kejadian. Keluarga boleh melaporkan.\n"
        "3. Siapkan: kartu/nomor KPJ, KTP, surat keterangan dokter, dan kuitansi biaya bila berobat di "
        "fasilitas bukan mitra.\n"
        "Manfaat JKK: biaya perawatan sesuai kebutuhan medis, santunan selama tidak bisa bekerja, dan "
        "santunan cacat atau kematian.\n"
        "Kantor: {office}\n"
        "Jangan menunda laporan."
    ).format(office=office(turn))
    # Questions the steps do not answer ("ditanggung ga?", "kemana dulu?") can go to a kelurahan officer.
    return [
        Reply(text, (Button("ticket:start", _("Tanya petugas")), Button("jkm", _("Klaim JKM")), turn.menu_button()))
    ]


def jkm_claim(
    turn: Turn, condolence: bool = False, illness_at_work: bool = False, said: Said | None = None
) -> list[Reply]:
    """The JKM benefits and claim steps; `condolence`: the message tells of a death that happened;
    `illness_at_work`: a death from an illness while working, which the bot does not call a JKK death."""
    _ = turn._
    turn.remember_topic(f"{CLAIM_TOPIC}:jkm")
    lead = _("Turut berduka cita atas kepergiannya.") + "\n" if condolence else ""
    covered = accident_lead(turn, said) if said is not None else ""
    if covered:
        lead += covered + "\n"
    if illness_at_work:
        lead += (
            _(
                "Penyebabnya sakit, bukan kecelakaan, jadi di bawah ini santunan JKM. Apakah kejadian saat bekerja "
                "bisa dihitung sebagai kecelakaan kerja (JKK), BPJS Ketenagakerjaan yang memutuskan: tanyakan saat "
                "melapor ke kantor cabang."
            )
            + "\n"
        )
    text = lead + _(
        "Jika peserta meninggal dunia (bukan karena kerja), ahli waris menerima JKM Rp42 juta:\n"
        "• santunan sekaligus Rp20 juta\n"
        "• santunan berkala Rp12 juta\n"
        "• biaya pemakaman Rp10 juta\n"
        "Jika kepesertaan belum 3 bulan, yang dibayar hanya Rp10 juta.\n"
        "Beasiswa untuk 2 anak ada jika iuran sudah paling sedikit 3 tahun (untuk kecelakaan kerja tanpa "
        "syarat itu).\n\n"
        "Cara klaim: ahli waris datang ke kantor cabang BPJS Ketenagakerjaan, pindai kode QR di kantor, isi "
        "formulir Lapak Asik. Bawa: kartu KPJ, KTP peserta dan ahli waris, KK, surat kematian, surat "
        "keterangan ahli waris, buku nikah (jika ahli waris pasangan), buku tabungan.\n"
        "Dana biasanya cair sekitar 3 hari kerja setelah berkas lengkap.\n"
        "Kantor: {office}"
    ).format(office=office(turn))
    return [
        Reply(
            text,
            (
                Button("accident", _("Jika kecelakaan")),
                Button("jkkdeath", _("Meninggal saat kerja")),
                turn.menu_button(),
            ),
        )
    ]


def jkk_death(turn: Turn, condolence: bool = True, said: Said | None = None) -> list[Reply]:
    """A death from a work accident (including the commute) is a JKK claim, not JKM (brief §2). `condolence`:
    the message tells of a death that happened (not "what if I die at work?")."""
    _ = turn._
    turn.remember_topic(f"{CLAIM_TOPIC}:jkk_death")
    lead = _("Turut berduka cita atas kepergiannya.") + "\n" if condolence else ""
    covered = accident_lead(turn, said) if said is not None else ""
    if covered:
        lead += covered + "\n"
    text = lead + _(
        "Jika peserta meninggal karena kecelakaan kerja (termasuk di perjalanan "
        "pergi/pulang kerja, atau saat narik/bekerja), yang berlaku adalah JKK (Jaminan Kecelakaan Kerja), "
        "bukan JKM:\n"
        "• santunan kematian 48× penghasilan bulanan yang dilaporkan (48 kali), paling sedikit sebesar santunan JKM;\n"
        "• biaya pemakaman Rp10 juta dan santunan berkala Rp12 juta;\n"
        "• beasiswa untuk 2 anak, tanpa syarat lama iuran.\n\n"
        "Keluarga harus melaporkan kecelakaannya ke BPJS Ketenagakerjaan paling lambat 2×24 jam. Siapkan: "
        "kartu/nomor KPJ, KTP peserta dan ahli waris, KK, surat kematian, surat keterangan ahli waris, dan "
        "keterangan kejadian (misalnya dari polisi atau rumah sakit).\n"
        "Kantor: {office}"
    ).format(office=office(turn))
    return [Reply(text, (Button("jkm", _("Klaim JKM")), Button("help", _("Bantuan")), turn.menu_button()))]


@router.button("accident")
async def accident_button(turn: Turn, argument: str) -> list[Reply]:
    return accident(turn)


@router.button("jkm")
async def jkm_button(turn: Turn, argument: str) -> list[Reply]:
    return jkm_claim(turn)


@router.button("jkkdeath")
async def jkk_death_button(turn: Turn, argument: str) -> list[Reply]:
    return jkk_death(turn)


@router.intent("claim_help")
async def claim_intent(turn: Turn, said: Said) -> list[Reply]:
    if said.death_at_work:
        return jkk_death(turn, condolence=said.death_reported, said=said)
    if said.death:
        return jkm_claim(turn, illness_at_work=said.illness_at_work, said=said)
    if said.accident_off_work:
        return accident_off_work(turn)
    return accident(turn, said)
