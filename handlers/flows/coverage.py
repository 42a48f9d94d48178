"""Status kepesertaan, and what to do after an accident or a death (facts from the domain brief)."""

from __future__ import annotations

from handlers.context import Turn
from handlers.flows import eligibility
from handlers.model import Button, Reply
from handlers.render import coverage_text, decision_text
from sigap_core.eligibility import Decision, Status
from sigap_core.services import check


async def show(turn: Turn) -> list[Reply]:
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    if link is None:
        return eligibility.start(turn, purpose="coverage")
    decision = await check(turn.uow, turn.domain, link.nik_hmac, turn.today)
    if decision.status is Status.ENROLLED:
        return coverage_replies(turn, decision)
    _ = turn._
    text = _("Anda belum terdaftar sebagai peserta SIGAP.") + "\n\n" + decision_text(_, decision, turn.domain)
    return [Reply(text, (Button("update", _("Cara perbarui data")), turn.menu_button()))]


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


def _office(turn: Turn) -> str:
    contacts = turn.domain.policy.contacts
    parts = [contacts.bpjs_office_name, contacts.bpjs_office_address]
    if contacts.bpjs_office_hours:
        parts.append(contacts.bpjs_office_hours)
    if contacts.bpjs_office_phone:
        parts.append(contacts.bpjs_office_phone)
    return ", ".join(p for p in parts if p) or turn._("kantor cabang BPJS Ketenagakerjaan terdekat")


def accident(turn: Turn) -> list[Reply]:
    _ = turn._
    text = _(
        "Jika mengalami kecelakaan kerja (termasuk di perjalanan pergi/pulang kerja):\n"
        "1. Berobat dulu. Jika bisa, pilih rumah sakit/klinik mitra BPJS Ketenagakerjaan (PLKK).\n"
        "2. Laporkan ke BPJS Ketenagakerjaan paling lambat 2×24 jam setelah kejadian. Keluarga boleh "
        "melaporkan.\n"
        "3. Siapkan: kartu/nomor KPJ, KTP, surat keterangan dokter, dan kuitansi biaya bila berobat di "
        "fasilitas bukan mitra.\n"
        "Manfaat JKK: biaya perawatan sesuai kebutuhan medis, santunan selama tidak bisa bekerja, dan "
        "santunan cacat atau kematian.\n"
        "Kantor: {office}\n"
        "Jangan menunda laporan."
    ).format(office=_office(turn))
    return [Reply(text, (Button("jkm", _("Klaim JKM")), turn.menu_button()))]


def jkm_claim(turn: Turn) -> list[Reply]:
    _ = turn._
    text = _(
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
    ).format(office=_office(turn))
    return [Reply(text, (Button("accident", _("Jika kecelakaan")), turn.menu_button()))]
