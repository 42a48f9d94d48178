"""Regency/city names for the Kemendagri codes around Kota Bekasi (sigap_core/data/regencies.csv).

Covers every kabupaten/kota of DKI Jakarta (31), Jawa Barat (32) and Banten (36): where people who work in
Kota Bekasi mostly live. A code outside the table is named by its code only.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources


@cache
def regencies() -> dict[str, str]:
    text = resources.files("sigap_core").joinpath("data/regencies.csv").read_text(encoding="utf-8")
    return {row["kode"]: row["nama"] for row in csv.DictReader(text.splitlines())}


def regency_of(kode_wilayah: str) -> str | None:
    """The regency/city name of a dotted kelurahan (or kecamatan) code: "32.16.06.2001" → "Kabupaten Bekasi"."""
    return regencies().get(kode_wilayah[:5])


_KIND = re.compile(r"^(kabupaten administrasi|kota administrasi|kabupaten|kota) ")
_REGENCY_WORDS = ("kabupaten", "kab", "kabupatennya")
# The chat names of the neighbouring cities ("jaktim", "tangsel").
_SHORT_NAMES = {
    "jaktim": "jakartatimur",
    "jakbar": "jakartabarat",
    "jaksel": "jakartaselatan",
    "jakut": "jakartautara",
    "jakpus": "jakartapusat",
    "tangsel": "tangerangselatan",
}


@cache
def _by_name() -> dict[str, str]:
    """The regencies and cities by their bare name run together ("jakartatimur"); a name a kabupaten and a
    kota share ("bogor") is the bare name, since the message does not say which."""
    found: dict[str, str] = {}
    for name in regencies().values():
        core = _KIND.sub("", name.lower())
        key = core.replace(" ", "")
        found[key] = core.title() if key in found else name
    found.setdefault("jakarta", "DKI Jakarta")
    for short, key in _SHORT_NAMES.items():
        found.setdefault(short, found[key])
    return found


def named_outside(text: str) -> str | None:
    """A regency or city other than Kota Bekasi named in the text ("sy di jakarta timur" → "Kota Administrasi
    Jakarta Timur", "kab bekasi" → "Kabupaten Bekasi"), or None."""
    words = re.findall(r"[a-z]+", text.lower())
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            key = "".join(words[start : start + size])
            if key == "bekasi":
                if start > 0 and words[start - 1] in _REGENCY_WORDS:
                    return "Kabupaten Bekasi"
                continue  # the city itself, or a kelurahan name's part
            if key in _by_name():
                return _by_name()[key]
    return None
