"""Every user-facing message is in the catalogs, and English translates all of them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from sigap_core.i18n import Translator

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (ROOT / "sigap_core" / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def extracted(tmp_path: Path) -> set[object]:
    pot = tmp_path / "now.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "--omit-header",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_catalogs_hold_every_message_in_the_code(tmp_path: Path) -> None:
    in_code = extracted(tmp_path)
    for lang in ("id", "en"):
        in_catalog = {m.id for m in catalog(lang) if m.id}
        missing = in_code - in_catalog
        assert not missing, f"run `make i18n` and translate: {sorted(map(str, missing))[:5]}"


def test_no_message_lacks_an_english_translation() -> None:
    untranslated = [
        m.id for m in catalog("en") if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == []


def test_translations_keep_the_placeholders() -> None:
    for message in catalog("en"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == expected, message.id


def test_translator_switches_language_and_plural() -> None:
    assert Translator("en")("Cek kelayakan") == "Check eligibility"
    assert Translator("id")("Cek kelayakan") == "Cek kelayakan"
    assert Translator("en-US").lang == "en" and Translator("fr").lang == "id"
    assert Translator("en").ngettext("Sisa {n} bulan lagi.", "Sisa {n} bulan lagi.", 1) == "{n} month left."
    assert Translator("en").ngettext("Sisa {n} bulan lagi.", "Sisa {n} bulan lagi.", 3) == "{n} months left."
