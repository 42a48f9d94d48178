"""Regency/city names for the Kemendagri codes around Kota Bekasi (sigap_core/data/regencies.csv).

Covers every kabupaten/kota of DKI Jakarta (31), Jawa Barat (32) and Banten (36): where people who work in
Kota Bekasi mostly live. A code outside the table is named by its code only.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def regencies() -> dict[str, str]:
    text = resources.files("sigap_core").joinpath("data/regencies.csv").read_text(encoding="utf-8")
    return {row["kode"]: row["nama"] for row in csv.DictReader(text.splitlines())}


def regency_of(kode_wilayah: str) -> str | None:
    """The regency/city name of a dotted kelurahan (or kecamatan) code: "32.16.06.2001" → "Kabupaten Bekasi"."""
    return regencies().get(kode_wilayah[:5])
