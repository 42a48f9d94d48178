"""Plain-words text for decisions, coverage and NIK problems (shared by the chat and `sigap check`)."""

from __future__ import annotations

from handlers.regions import regency_of
from sigap_core.coverage import Coverage, CoverageState, Skema
from sigap_core.eligibility import Decision, Status
from sigap_core.i18n import Translator
from sigap_core.nik import NikError
from sigap_core.services import Domain


def nik_error_text(_: Translator, error: NikError) -> str:
    p = error.params
    match error.code:
        case "empty":
            return _("Kirim NIK Anda: 16 digit angka yang ada di KTP.")
        case "not_digits":
            return _("NIK hanya berisi angka. Coba kirim lagi 16 digit angka di KTP Anda.")
        case "wrong_length":
            return _("NIK harus 16 digit, yang Anda kirim {length} digit. Coba cek lagi KTP Anda.").format(
                length=p["length"]
            )
        case "unknown_province":
            return _("Dua digit pertama NIK ({code}) bukan kode provinsi. Coba cek lagi KTP Anda.").format(
                code=p["code"]
            )
        case "zero_regency" | "zero_kecamatan":
            return _("Digit 3–6 NIK (kode wilayah) tidak mungkin 00. Coba cek lagi KTP Anda.")
        case "bad_day" | "bad_month" | "impossible_date":
            return _("Digit 7–12 NIK (tanggal lahir) tidak masuk akal. Coba cek lagi KTP Anda.")
        case "zero_serial":
            return _("Empat digit terakhir NIK tidak mungkin 0000. Coba cek lagi KTP Anda.")
    return _("NIK itu tidak valid. Coba cek lagi KTP Anda.")


def programs_text(_: Translator, programs: tuple[str, ...]) -> str:
    names = {
        "JKK": _("JKK (Jaminan Kecelakaan Kerja)"),
        "JKM": _("JKM (Jaminan Kematian)"),
        "JHT": _("JHT (Jaminan Hari Tua)"),
        "JP": _("JP (Jaminan Pensiun)"),
    }
    return ", ".join(names.get(p, p) for p in programs)


def coverage_text(_: Translator, coverage: Coverage, domain: Domain) -> str:
    lines = []
    payer = (
        _("Iuran dibayar Pemkot Bekasi ({monthly}/bulan).").format(monthly=_.money(domain.policy.monthly_contribution))
        if coverage.skema is Skema.SIGAP
        else _("Kepesertaan lewat jalur lain (bukan SIGAP).")
    )
    if coverage.state is CoverageState.ACTIVE:
        lines.append(
            _("Status: AKTIF, {start} sampai {end}.").format(start=_.date(coverage.start), end=_.date(coverage.end))
        )
        lines.append(
            _.ngettext("Sisa {n} bulan lagi.", "Sisa {n} bulan lagi.", coverage.months_left).format(
                n=coverage.months_left
            )
            if coverage.months_left
            else _("Berakhir bulan ini.")
        )
    elif coverage.state is CoverageState.NOT_YET:
        lines.append(
            _("Status: BELUM BERLAKU. Mulai {start} sampai {end}.").format(
                start=_.date(coverage.start), end=_.date(coverage.end)
            )
        )
    elif coverage.state is CoverageState.ENDED:
        lines.append(_("Status: SUDAH BERAKHIR pada {end}.").format(end=_.date(coverage.end)))
    else:
        lines.append(_("Status: TIDAK AKTIF."))
    lines.append(_("Program: {programs}.").format(programs=programs_text(_, coverage.programs)))
    lines.append(payer)
    lines.append(_("Nomor KPJ: {kpj}").format(kpj=coverage.kpj_masked))
    if coverage.under_three_months:
        lines.append(
            _(
                "Catatan: kepesertaan Anda belum 3 bulan. Jika peserta meninggal dalam 3 bulan pertama, "
                "santunan JKM untuk ahli waris hanya Rp10 juta (bukan Rp42 juta)."
            )
        )
    return "\n".join(lines)


def place_text(_: Translator, domain: Domain, kode_kelurahan: str) -> str:
    kelurahan = domain.wilayah.get(kode_kelurahan)
    if kelurahan is None:
        regency = regency_of(kode_kelurahan)
        if regency is not None:
            return _("di luar Kota Bekasi: {regency}").format(regency=regency)
        return _("di luar Kota Bekasi (kode wilayah {code})").format(code=kode_kelurahan)
    return _("Kelurahan {kelurahan}, Kecamatan {kecamatan}").format(
        kelurahan=kelurahan.name, kecamatan=kelurahan.kecamatan.name
    )


def not_verified_text(_: Translator, other: bool = False) -> str:
    """The one reply for an unknown NIK *and* wrong KK digits: it must not tell them apart. `other`: the NIK
    is someone else's (a parent, a spouse), so the advice is about that person."""
    if other:
        return _(
            "Maaf, kami tidak menemukan data yang cocok dengan NIK dan 4 digit KK itu.\n"
            "Periksa lagi angkanya. Jika sudah benar, mungkin data orang tersebut belum masuk DTSEN "
            "(Data Tunggal Sosial dan Ekonomi Nasional). Ia bisa diusulkan di kantor kelurahan "
            "(bawa KTP-el dan KK-nya) atau lewat aplikasi Cek Bansos, menu Daftar Usulan."
        )
    return _(
        "Maaf, kami tidak menemukan data yang cocok dengan NIK dan 4 digit KK itu.\n"
        "Periksa lagi angkanya. Jika sudah benar, mungkin data Anda belum masuk DTSEN "
        "(Data Tunggal Sosial dan Ekonomi Nasional). Anda bisa mengusulkan diri di kantor kelurahan "
        "(bawa KTP-el dan KK) atau lewat aplikasi Cek Bansos, menu Daftar Usulan."
    )


def decision_text(
    _: Translator, decision: Decision, domain: Domain, operator: bool = False, other: bool = False
) -> str:
    """The verified answer: masked name, kelurahan, desil, status in plain words, reasons, next steps.

    `other`: the chat checked someone else's record (a parent, a spouse): worded as "NIK yang dicek"."""
    status = decision.status
    policy = domain.policy
    if status in (Status.NOT_FOUND, Status.KK_MISMATCH):
        if operator:
            return (
                _("Status: NIK tidak ada di data DTSEN yang diimpor.")
                if status is Status.NOT_FOUND
                else _("Status: 4 digit KK tidak cocok dengan data NIK ini.")
            )
        return not_verified_text(_, other)
    lines = []
    if other:
        lines.append(_("Hasil untuk NIK yang dicek (bukan data Anda sendiri):"))
    person = decision.person
    if person is not None:
        lines.append(_("Nama: {name}").format(name=person.name_masked))
        lines.append(_("Domisili: {place}").format(place=place_text(_, domain, person.kode_kelurahan)))
        lines.append(_("Desil DTSEN: {desil}").format(desil=person.desil))
        lines.append("")
    monthly = _.money(policy.monthly_contribution)
    desil = person.desil if person else "-"
    pekerjaan = (person.pekerjaan if person else "") or _("(kosong)")
    regency = regency_of(person.kode_kelurahan) if person else None
    match status:
        case Status.ELIGIBLE_PRIORITY:
            lines.append(
                (
                    _("✅ NIK yang dicek memenuhi syarat SIGAP dan termasuk PRIORITAS (desil 1–{max}).")
                    if other
                    else _("✅ Anda memenuhi syarat SIGAP dan termasuk PRIORITAS (desil 1–{max}).")
                ).format(max=policy.priority_desil_max)
            )
            lines.append(_selection_text(_, monthly, other))
        case Status.ELIGIBLE:
            lines.append(
                (
                    _(
                        "✅ NIK yang dicek memenuhi syarat SIGAP (desil {desil}). Desil 1–{priority} didahulukan; "
                        "desil ini dipilih jika kuota masih ada."
                    )
                    if other
                    else _(
                        "✅ Anda memenuhi syarat SIGAP (desil {desil}). Desil 1–{priority} didahulukan; "
                        "desil Anda dipilih jika kuota masih ada."
                    )
                ).format(desil=desil, priority=policy.priority_desil_max)
            )
            lines.append(_selection_text(_, monthly, other))
        case Status.DESIL_ABOVE_LIMIT:
            lines.append(
                (
                    _(
                        "Data DTSEN untuk NIK yang dicek ada di desil {desil}, sedangkan SIGAP untuk desil 1–{max}. "
                        "Jika kondisi ekonomi keluarganya sudah berubah, perbarui data DTSEN di kelurahan."
                    )
                    if other
                    else _(
                        "Data DTSEN Anda ada di desil {desil}, sedangkan SIGAP untuk desil 1–{max}. "
                        "Jika kondisi ekonomi keluarga Anda sudah berubah, perbarui data DTSEN di kelurahan."
                    )
                ).format(desil=desil, max=policy.eligible_desil_max)
            )
        case Status.NOT_INFORMAL_WORKER:
            lines.append(
                (
                    _(
                        "Pekerjaan untuk NIK yang dicek tercatat “{pekerjaan}” di DTSEN, bukan pekerja "
                        "informal/rentan. Jika sekarang ia ojol, buruh harian, pedagang, atau pekerja lepas, "
                        "perbarui data pekerjaannya di kelurahan."
                    )
                    if other
                    else _(
                        "Pekerjaan Anda di DTSEN tercatat “{pekerjaan}”, bukan pekerja informal/rentan. "
                        "Jika sekarang Anda ojol, buruh harian, pedagang, atau pekerja lepas, perbarui data "
                        "pekerjaan Anda di kelurahan."
                    )
                ).format(pekerjaan=pekerjaan)
            )
        case Status.NOT_RESIDENT:
            where = (
                _("Menurut DTSEN, NIK yang dicek tinggal di {regency}, di luar Kota Bekasi.")
                if other and regency
                else _("Menurut DTSEN, NIK yang dicek tinggal di luar Kota Bekasi.")
                if other
                else _("Menurut DTSEN, Anda tinggal di {regency}, di luar Kota Bekasi.")
                if regency
                else _("Menurut DTSEN, Anda tinggal di luar Kota Bekasi.")
            ).format(regency=regency or "")
            moved = (
                _(
                    "SIGAP khusus warga Kota Bekasi. Jika orang tersebut sudah pindah ke Kota Bekasi, ia bisa "
                    "mengurus pindah datang di Disdukcapil, lalu memperbarui data DTSEN di kelurahan."
                )
                if other
                else _(
                    "SIGAP khusus warga Kota Bekasi. Jika sudah pindah ke Kota Bekasi, urus pindah datang di "
                    "Disdukcapil, lalu perbarui data DTSEN di kelurahan."
                )
            )
            lines.append(where + " " + moved)
        case Status.ALREADY_COVERED:
            lines.append(
                _(
                    "NIK yang dicek sudah terlindungi BPJS Ketenagakerjaan lewat jalur lain. SIGAP untuk pekerja "
                    "yang belum terlindungi, jadi tidak perlu didaftarkan lagi."
                )
                if other
                else _(
                    "Anda sudah terlindungi BPJS Ketenagakerjaan lewat jalur lain. SIGAP untuk pekerja "
                    "yang belum terlindungi, jadi tidak perlu didaftarkan lagi."
                )
            )
        case Status.ENROLLED:
            lines.append(
                _("🎉 NIK yang dicek terdaftar sebagai peserta SIGAP: BPJS Ketenagakerjaannya dibayar Pemkot Bekasi.")
                if other
                else _("🎉 Anda peserta SIGAP: BPJS Ketenagakerjaan Anda dibayar Pemkot Bekasi.")
            )
        case Status.SELECTED | Status.WAITING_LIST:
            lines.append(selection_text(_, status, domain, other))
    if decision.coverage is not None:
        lines.append("")
        lines.append(coverage_text(_, decision.coverage, domain))
    return "\n".join(lines)


def _selection_text(_: Translator, monthly: str, other: bool = False) -> str:
    if other:
        return _(
            "Iuran BPJS Ketenagakerjaan (JKK + JKM, {monthly}/bulan) dibayar Pemkot Bekasi. "
            "Program ini tidak membuka pendaftaran mandiri: Pemkot memilih peserta dari data DTSEN sesuai "
            "kuota. Jika terpilih, orang tersebut didaftarkan dan statusnya bisa dicek di sini dengan NIK-nya. "
            "Pastikan datanya di kelurahan tetap benar."
        ).format(monthly=monthly)
    return _(
        "Iuran BPJS Ketenagakerjaan (JKK + JKM, {monthly}/bulan) dibayar Pemkot Bekasi. "
        "Program ini tidak membuka pendaftaran mandiri: Pemkot memilih peserta dari data DTSEN sesuai "
        "kuota. Jika terpilih, Anda didaftarkan dan statusnya bisa dicek di sini. Pastikan data Anda "
        "di kelurahan tetap benar."
    ).format(monthly=monthly)


def selection_text(_: Translator, status: Status, domain: Domain, other: bool = False) -> str:
    """Selected / waiting list in plain words with next steps. Never a rank: it invites anxiety and gaming.
    `other`: someone else's record, worded as "NIK yang dicek"."""
    policy = domain.policy
    if other and status is Status.SELECTED:
        return _(
            "🎉 NIK yang dicek TERPILIH sebagai peserta SIGAP. Pemkot Bekasi sedang mendaftarkannya ke "
            "BPJS Ketenagakerjaan (JKK + JKM); iurannya {monthly}/bulan dibayar Pemkot. Orang tersebut tidak "
            "perlu mendaftar sendiri, dan pendaftarannya gratis: jika ada yang meminta uang, jangan dibayar."
        ).format(monthly=_.money(policy.monthly_contribution))
    if other:
        return _(
            "NIK yang dicek memenuhi syarat SIGAP dan masuk DAFTAR TUNGGU: kuota {quota} orang sudah terisi. "
            "Jika ada tempat kosong, Pemkot memilih lagi dari daftar tunggu (desil 1–{priority} didahulukan). "
            "Tidak perlu mendaftar ke mana pun; pastikan data DTSEN-nya di kelurahan tetap benar."
        ).format(quota=_.number(policy.quota), priority=policy.priority_desil_max)
    if status is Status.SELECTED:
        return _(
            "🎉 Selamat, Anda TERPILIH sebagai peserta SIGAP. Pemkot Bekasi sedang mendaftarkan Anda ke "
            "BPJS Ketenagakerjaan (JKK + JKM); iurannya {monthly}/bulan dibayar Pemkot.\n"
            "Langkah berikutnya:\n"
            "• Anda tidak perlu mendaftar sendiri. Setelah terdaftar, status di sini menjadi AKTIF dan kartu "
            "peserta (KPJ) bisa dilihat di aplikasi JMO.\n"
            "• Pastikan data Anda di kelurahan tetap benar.\n"
            "• Pendaftaran ini gratis: jika ada yang meminta uang, jangan dibayar."
        ).format(monthly=_.money(policy.monthly_contribution))
    return _(
        "Anda memenuhi syarat SIGAP dan masuk DAFTAR TUNGGU: kuota {quota} orang sudah terisi, jadi Anda "
        "belum terpilih. Jika ada tempat kosong, Pemkot memilih lagi dari daftar tunggu sesuai urutan "
        "prioritas (desil 1–{priority} didahulukan).\n"
        "Langkah berikutnya:\n"
        "• Tidak perlu mendaftar ke mana pun: program ini tidak membuka pendaftaran mandiri.\n"
        "• Pastikan data DTSEN Anda di kelurahan tetap benar (alamat, pekerjaan, kondisi keluarga).\n"
        "• Langganan info agar Anda dikabari jika terpilih."
    ).format(quota=_.number(policy.quota), priority=policy.priority_desil_max)
