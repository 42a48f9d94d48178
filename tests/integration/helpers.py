"""Building registry files for tests."""

from __future__ import annotations

from pathlib import Path

DTSEN_HEADER = "nik,no_kk,nama,tanggal_lahir,jenis_kelamin,alamat,rt,rw,kode_kelurahan,desil,pekerjaan,no_hp"
PESERTA_HEADER = "nik,kpj,skema,program,tanggal_mulai,tanggal_akhir,status"

# Synthetic people (valid NIK structure, not real persons).
GOOD = {
    "priority": "3275014101900001,3275010101050123,BUDI SANTOSO,1990-01-01,L,Jl. Melati 1,001,002,32.75.01.1001,2,Pengemudi Ojek Online,081234567890",
    "eligible": "3275015502850002,3275010101050124,SITI AMINAH,15-02-1985,P,Jl. Mawar 2,003,004,3275011002,5,Buruh Harian Lepas,+6281311112222",
    "rich": "3275021203800003,3275020202060555,AGUS WIJAYA,12/03/1980,L,Jl. Kenanga 3,005,006,32.75.02.1001,8,Pedagang,",
    "office": "3275034404920004,3275030303070777,DEWI LESTARI,1992-04-04,P,Jl. Cempaka,001,001,32.75.03.1001,3,Karyawan Swasta,085700001111",
    "outside": "3275010505910005,3216010101080999,JOKO SUSILO,1991-05-05,L,Tambun,002,003,32.16.06.2001,2,Pengemudi Ojek Online,",
    "covered": "3175020606890006,3275040404090888,RINA MARLINA,1989-06-06,P,Gg. Masjid,004,005,32.75.04.1001,3,Sopir,",
    "enrolled": "3275050707880007,3275050505100666,AHMAD FAUZI,1988-07-07,L,Jl. Raya 9,006,007,32.75.05.1001,1,Ojek Pangkalan,089911112222",
}
KK4 = {key: line.split(",")[1][-4:] for key, line in GOOD.items()}
NIK = {key: line.split(",")[0] for key, line in GOOD.items()}

PESERTA_GOOD = [
    f"{NIK['covered']},12345678901,LAINNYA,JKK+JKM+JHT,2026-01-01,2026-12-31,AKTIF",
    f"{NIK['enrolled']},98765432109,SIGAP,JKK+JKM,01-01-2026,31-12-2026,AKTIF",
]


def write(path: Path, header: str, lines: list[str], *, bom: bool = False, sep: str = ",") -> Path:
    text = "\n".join([header, *lines]) + "\n"
    if sep != ",":
        text = text.replace(",", sep)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def dtsen(path: Path, extra: list[str] | None = None, **kwargs: object) -> Path:
    return write(path, DTSEN_HEADER, [*GOOD.values(), *(extra or [])], **kwargs)  # type: ignore[arg-type]


def peserta(path: Path, extra: list[str] | None = None) -> Path:
    return write(path, PESERTA_HEADER, [*PESERTA_GOOD, *(extra or [])])


# What the verified answer says for each sample person (Indonesian wording).
OUTCOME_TEXT = {
    "priority": "PRIORITAS",
    "eligible": "memenuhi syarat SIGAP (desil 5)",
    "rich": "desil 8",
    "office": "Karyawan Swasta",
    "outside": "di luar Kota Bekasi",
    "covered": "lewat jalur lain",
    "enrolled": "Status: AKTIF",
}

# The eligibility status each sample person has (CONTRACT §3).
OUTCOME_STATUS = {
    "priority": "eligible_priority",
    "eligible": "eligible",
    "rich": "desil_above_limit",
    "office": "not_informal_worker",
    "outside": "not_resident",
    "covered": "already_covered",
    "enrolled": "enrolled",
}
