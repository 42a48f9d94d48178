"""Kota Bekasi: 12 kecamatan, 56 kelurahan (Kemendagri codes) and forgiving name look-up."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process

KOTA_BEKASI_PREFIX = "3275"


@dataclass(frozen=True, slots=True)
class Kecamatan:
    code: str  # dotted, 32.75.01
    name: str


@dataclass(frozen=True, slots=True)
class Kelurahan:
    code: str  # dotted, 32.75.01.1001
    name: str
    kecamatan: Kecamatan

    @property
    def plain_code(self) -> str:
        return self.code.replace(".", "")


def plain_code(code: str) -> str:
    return code.replace(".", "").strip()


def dotted_kelurahan_code(code: str) -> str | None:
    """`3275011001` or `32.75.01.1001` → `32.75.01.1001`; None when not a 10-digit village code."""
    digits = plain_code(code)
    if len(digits) != 10 or not digits.isdigit():
        return None
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:10]}"


_PREFIXES = re.compile(r"^(kelurahan|kelurhan|kel|kec|kecamatan|desa|ds|kota)\b\.?\s*")


def _compact(name: str) -> str:
    text = name.lower().strip()
    text = _PREFIXES.sub("", text)
    return re.sub(r"[^a-z]", "", text)


def _spans(text: str) -> Iterator[tuple[set[int], str]]:
    """Every run of one to three words of a sentence, longest first, as (word positions, compacted key) — the
    keys a place name is looked up by ("pondok gede" → "pondokgede"); keys under 5 letters name no place."""
    words = re.findall(r"[a-z]+", text.lower())
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            key = "".join(words[start : start + size])
            if len(key) >= 5:
                yield set(range(start, start + size)), key


class Wilayah:
    def __init__(self, kelurahan: list[Kelurahan]) -> None:
        self.kelurahan = kelurahan
        self.by_code = {k.code: k for k in kelurahan}
        self.kecamatan = sorted({k.kecamatan for k in kelurahan}, key=lambda k: k.code)
        self._kelurahan_keys = {_compact(k.name): k for k in kelurahan}
        self._kecamatan_keys = {_compact(k.name): k for k in self.kecamatan}

    def get(self, code: str) -> Kelurahan | None:
        dotted = dotted_kelurahan_code(code)
        return self.by_code.get(dotted) if dotted else None

    def kelurahan_of(self, kecamatan: Kecamatan) -> list[Kelurahan]:
        return [k for k in self.kelurahan if k.kecamatan == kecamatan]

    def find_kelurahan(self, text: str, cutoff: float = 82.0) -> Kelurahan | None:
        """`pondok gede`, `jati bening baru`, `kel. jatibenin` → the kelurahan, or None."""
        key = _compact(text)
        if len(key) < 4:
            return None
        if key in self._kelurahan_keys:
            return self._kelurahan_keys[key]
        match = process.extractOne(key, list(self._kelurahan_keys), scorer=fuzz.ratio, score_cutoff=cutoff)
        return self._kelurahan_keys[match[0]] if match else None

    def find_kecamatan(self, text: str, cutoff: float = 82.0) -> Kecamatan | None:
        key = _compact(text)
        if len(key) < 4:
            return None
        if key in self._kecamatan_keys:
            return self._kecamatan_keys[key]
        match = process.extractOne(key, list(self._kecamatan_keys), scorer=fuzz.ratio, score_cutoff=cutoff)
        return self._kecamatan_keys[match[0]] if match else None

    def named_in_text(self, text: str) -> Kelurahan | Kecamatan | None:
        """A kelurahan or kecamatan named exactly (spaces and case aside) somewhere in a sentence: "kalo sy di
        pondok gede?" → Kecamatan Pondokgede. No loose match: a place elsewhere must never be read as one here."""
        for _, key in _spans(text):
            if key in self._kelurahan_keys:
                return self._kelurahan_keys[key]
            if key in self._kecamatan_keys:
                return self._kecamatan_keys[key]
        return None

    def find_kecamatan_in_text(self, text: str) -> Kecamatan | None:
        """A kecamatan named exactly somewhere in a sentence ("gatau kelurahannya, pokoknya di bekasi timur")."""
        return next((self._kecamatan_keys[key] for _, key in _spans(text) if key in self._kecamatan_keys), None)

    def all_named_in_text(self, text: str) -> list[Kelurahan]:
        """Every kelurahan named exactly in a sentence, longest names first and without overlap ("margahayu atau
        bekasijaya" → both; "jatibening baru" → Jatibening Baru only), each once."""
        used: set[int] = set()
        found: list[Kelurahan] = []
        for span, key in _spans(text):
            if span & used or key not in self._kelurahan_keys:
                continue
            used |= span
            if self._kelurahan_keys[key] not in found:
                found.append(self._kelurahan_keys[key])
        return found

    def find_in_text(self, text: str) -> Kelurahan | None:
        """A kelurahan named somewhere in a sentence ("kelurahan sy jatibening")."""
        words = re.findall(r"[a-zA-Z]+", text.lower())
        best: tuple[float, Kelurahan] | None = None
        named = []  # exact names, with whether "kecamatan"/"kec" stands right before them
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                key = "".join(words[start : start + size])
                if len(key) >= 5 and key in self._kelurahan_keys:
                    after_kecamatan = start > 0 and words[start - 1] in ("kecamatan", "kec")
                    named.append((after_kecamatan, key in self._kecamatan_keys, start, self._kelurahan_keys[key]))
        if named:
            # "di kecamatan jatiasih, yg jatirasa": the kelurahan, not the kecamatan's namesake
            return min(named, key=lambda n: (n[0], n[1], n[2]))[3]
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                key = "".join(words[start : start + size])
                if len(key) < 5:
                    continue
                match = process.extractOne(key, list(self._kelurahan_keys), scorer=fuzz.ratio, score_cutoff=86)
                if match and (best is None or match[1] > best[0]):
                    best = (match[1], self._kelurahan_keys[match[0]])
        return best[1] if best else None


@cache
def load_wilayah() -> Wilayah:
    source = resources.files("sigap_core").joinpath("data/wilayah.csv")
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kecamatan: dict[str, Kecamatan] = {}
    kelurahan = []
    for row in rows:
        kec = kecamatan.setdefault(row["kode_kecamatan"], Kecamatan(row["kode_kecamatan"], row["nama_kecamatan"]))
        kelurahan.append(Kelurahan(row["kode_kelurahan"], row["nama_kelurahan"], kec))
    return Wilayah(kelurahan)
