"""Synthetic Kota Bekasi registry and participation extracts (`sigap demo-data`). No real person in here.

Every eligibility outcome is present, and one sample person per outcome is printed so people can try the
chat. The desil spread follows the Dinsos Kota Bekasi figures (fewer people in the lowest deciles).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sigap_core.importers.rows import DTSEN_COLUMNS, PESERTA_COLUMNS
from sigap_core.wilayah import Wilayah

FIRST_NAMES = (
    "Budi", "Siti", "Agus", "Dewi", "Joko", "Sri", "Andi", "Rina", "Ahmad", "Nur", "Eko", "Wati", "Dedi",
    "Yanti", "Rudi", "Lestari", "Hendra", "Fitri", "Bambang", "Ani", "Slamet", "Ratna", "Iwan", "Maya",
    "Asep", "Euis", "Ujang", "Neneng", "Dadang", "Cucu", "Rizky", "Putri", "Fajar", "Intan", "Wahyu",
    "Sari", "Yusuf", "Indah", "Hasan", "Aisyah", "Doni", "Mega", "Arif", "Yuni", "Teguh", "Lina",
)  # fmt: skip
LAST_NAMES = (
    "Santoso", "Wijaya", "Saputra", "Rahmawati", "Hidayat", "Lestari", "Kurniawan", "Susanti", "Setiawan",
    "Pratama", "Nugroho", "Maulana", "Permana", "Sulistyo", "Gunawan", "Suryadi", "Hakim", "Firmansyah",
    "Sutrisno", "Purnama", "Syahputra", "Handayani", "Rohman", "Fauzi", "Hermawan", "Kusuma",
)  # fmt: skip
STREETS = (
    "Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Cempaka", "Gg. Masjid", "Jl. Raya", "Jl. Kali Baru",
    "Gg. Haji Ung", "Jl. Pramuka", "Jl. Nusantara", "Jl. Swadaya", "Gg. Kelinci",
)  # fmt: skip
# (pekerjaan, weight, informal?)
OCCUPATIONS = (
    ("Pengemudi Ojek Online", 9, True),
    ("Buruh Harian Lepas", 12, True),
    ("Pedagang", 8, True),
    ("Wiraswasta", 10, True),
    ("Sopir", 3, True),
    ("Tukang Bangunan", 4, True),
    ("Pedagang Kaki Lima", 3, True),
    ("Asisten Rumah Tangga", 2, True),
    ("Ojek Pangkalan", 2, True),
    ("Karyawan Swasta", 18, False),
    ("Mengurus Rumah Tangga", 14, False),
    ("Pelajar/Mahasiswa", 8, False),
    ("Belum/Tidak Bekerja", 5, False),
    ("Pegawai Negeri Sipil", 2, False),
    ("Pensiunan", 2, False),
)
# Desil of families: Kota Bekasi (Dinsos, Sep 2025) has ~3.6% of people in desil 1 rising to ~5% in 4;
# the demo over-weights desil 1-5 a little so the chat has more eligible people to show.
DESIL_WEIGHTS = (6, 6, 7, 8, 9, 11, 12, 13, 14, 14)
# NIKs issued elsewhere (people who moved to Bekasi): Jakarta Timur, Kab. Bekasi, Semarang, Medan.
OTHER_NIK_AREAS = ("317501", "317502", "321606", "321607", "337401", "127101")
# Residences outside Kota Bekasi (synthetic codes in other regencies) for the not-resident outcome.
OUTSIDE_KELURAHAN = ("32.16.06.2001", "32.16.07.1002", "31.75.03.1001", "31.75.06.1004")


@dataclass
class Person:
    nik: str
    no_kk: str
    nama: str
    lahir: date
    perempuan: bool
    kode_kelurahan: str
    desil: int
    pekerjaan: str
    no_hp: str


@dataclass(frozen=True)
class Sample:
    status: str
    nik: str
    kk4: str
    note: str


class _Numbers:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serials: dict[str, int] = {}

    def next_serial(self, prefix: str) -> str:
        n = self.serials.get(prefix, self.rng.randrange(0, 40)) + 1
        self.serials[prefix] = n
        return f"{n:04d}"

    def nik(self, area: str, born: date, female: bool) -> str:
        day = born.day + (40 if female else 0)
        prefix = f"{area}{day:02d}{born.month:02d}{born.year % 100:02d}"
        return prefix + self.next_serial(prefix)

    def kk(self, area: str) -> str:
        issued = date(2005, 1, 1) + timedelta(days=self.rng.randrange(0, 7000))
        prefix = f"{area}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        return prefix + f"{self.rng.randrange(1, 10000):04d}"


def generate(
    people: int, seed: int, wilayah: Wilayah, today: date
) -> tuple[list[Person], list[list[str]], list[Sample]]:
    rng = random.Random(seed)
    numbers = _Numbers(rng)
    kelurahan_codes = [k.code for k in wilayah.kelurahan]
    occupations = [o[0] for o in OCCUPATIONS]
    occupation_weights = [o[1] for o in OCCUPATIONS]

    def birth() -> date:
        return date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 46))

    def area_for(kode: str) -> str:
        if rng.random() < 0.8:
            return "3275" + kode[6:8] if kode.startswith("32.75") else kode.replace(".", "")[:6]
        return rng.choice(OTHER_NIK_AREAS)

    def phone() -> str:
        if rng.random() < 0.3:
            return ""
        number = "8" + rng.choice("1235789") + "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 10)))
        return ("0" if rng.random() < 0.7 else "+62") + number

    def make(kode: str, desil: int, pekerjaan: str, kk: str | None = None, area: str | None = None) -> Person:
        female = rng.random() < 0.5
        born = birth()
        area = area or area_for(kode)
        name = rng.choice(FIRST_NAMES) + ("" if rng.random() < 0.1 else " " + rng.choice(LAST_NAMES))
        return Person(
            nik=numbers.nik(area, born, female),
            no_kk=kk or numbers.kk(area),
            nama=name,
            lahir=born,
            perempuan=female,
            kode_kelurahan=kode,
            desil=desil,
            pekerjaan=pekerjaan,
            no_hp=phone(),
        )

    persons: list[Person] = []
    peserta: list[list[str]] = []
    samples: list[Sample] = []
    kpj_counter = 10_000_000_000

    def kpj() -> str:
        nonlocal kpj_counter
        kpj_counter += rng.randint(1, 97)
        return str(kpj_counter)

    year_start = date(today.year, 1, 1)
    year_end = date(today.year, 12, 31)
    recent_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # first of last month

    def enrol(person: Person, skema: str, start: date, end: date, active: bool = True) -> None:
        peserta.append(
            [
                person.nik,
                kpj(),
                skema,
                "JKK+JKM",
                start.isoformat(),
                end.isoformat(),
                "AKTIF" if active else "NONAKTIF",
            ]
        )

    bekasi = kelurahan_codes
    # One sample person per outcome first (fixed shapes, random numbers).
    fixed = [
        ("eligible_priority", rng.choice(bekasi), 2, "Pengemudi Ojek Online", None),
        ("eligible", rng.choice(bekasi), 5, "Buruh Harian Lepas", None),
        ("desil_above_limit", rng.choice(bekasi), 8, "Pedagang", None),
        ("not_informal_worker", rng.choice(bekasi), 3, "Karyawan Swasta", None),
        ("not_resident", OUTSIDE_KELURAHAN[0], 2, "Pengemudi Ojek Online", "3275"),
        ("already_covered", rng.choice(bekasi), 3, "Sopir", "LAINNYA"),
        ("enrolled", rng.choice(bekasi), 1, "Pengemudi Ojek Online", "SIGAP"),
        ("enrolled", rng.choice(bekasi), 2, "Tukang Bangunan", "SIGAP_NEW"),
    ]
    for status, kode, desil, pekerjaan, extra in fixed:
        area = "327501" if extra == "3275" else None
        person = make(kode, desil, pekerjaan, area=area)
        persons.append(person)
        note = ""
        if extra == "LAINNYA":
            enrol(person, "LAINNYA", year_start, year_end)
        elif extra == "SIGAP":
            enrol(person, "SIGAP", year_start, year_end)
        elif extra == "SIGAP_NEW":
            enrol(person, "SIGAP", recent_start, year_end)
            note = "baru terdaftar (< 3 bulan)"
        samples.append(Sample(status, person.nik, person.no_kk[-4:], note))
    # A NIK that is valid but in no registry, and a real NIK with wrong KK digits.
    ghost = numbers.nik("327504", date(1990, 3, 14), False)
    samples.append(Sample("not_found", ghost, "1234", ""))
    first = persons[0]
    wrong = f"{(int(first.no_kk[-4:]) + 1111) % 10000:04d}"
    samples.append(Sample("kk_mismatch", first.nik, wrong, ""))

    while len(persons) < people:
        kode = rng.choice(bekasi) if rng.random() > 0.04 else rng.choice(OUTSIDE_KELURAHAN)
        desil = rng.choices(range(1, 11), weights=DESIL_WEIGHTS)[0]
        family_kk = None
        for _ in range(rng.choice((1, 1, 2, 3, 4))):
            if len(persons) >= people:
                break
            pekerjaan = rng.choices(occupations, weights=occupation_weights)[0]
            person = make(kode, desil, pekerjaan, kk=family_kk)
            family_kk = person.no_kk
            persons.append(person)
            informal = any(p == pekerjaan and inf for p, _, inf in OCCUPATIONS)
            resident = kode.startswith("32.75")
            draw = rng.random()
            if resident and informal and desil <= 3 and draw < 0.35:
                enrol(person, "SIGAP", year_start if draw < 0.3 else recent_start, year_end)
            elif resident and informal and desil <= 5 and draw < 0.1:
                enrol(person, "SIGAP", year_start, year_end)
            elif informal and draw > 0.95:
                enrol(person, "LAINNYA", year_start - timedelta(days=365), year_end)
            elif resident and informal and draw > 0.93:
                enrol(person, "SIGAP", date(today.year - 1, 11, 1), date(today.year - 1, 12, 31), active=False)
    return persons, peserta, samples


def write_files(out: Path, persons: list[Person], peserta: list[list[str]], rng_seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(rng_seed + 1)
    with (out / "dtsen.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(DTSEN_COLUMNS)
        for p in persons:
            kode = p.kode_kelurahan if rng.random() < 0.7 else p.kode_kelurahan.replace(".", "")
            writer.writerow(
                [
                    p.nik,
                    p.no_kk,
                    p.nama.upper(),
                    p.lahir.isoformat() if rng.random() < 0.8 else p.lahir.strftime("%d-%m-%Y"),
                    "P" if p.perempuan else "L",
                    f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}",
                    f"{rng.randint(1, 15):03d}",
                    f"{rng.randint(1, 20):03d}",
                    kode,
                    p.desil,
                    p.pekerjaan,
                    p.no_hp,
                ]
            )
    with (out / "peserta.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PESERTA_COLUMNS)
        writer.writerows(peserta)
