"""Babel gettext catalogs and Indonesian-first formatting of money and dates.

Message ids are the Indonesian wording (Indonesian is the source of truth); `sigap_core/locales/en` translates them.
The catalogs live inside the package so that a built wheel carries them.
Catalogs are read from the `.po` files and compiled in memory, so a fresh clone needs no build step.
"""

from __future__ import annotations

import gettext
import io
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
DOMAIN = "messages"


PACKAGE_LOCALES = Path(__file__).resolve().parent / "locales"
_locales = PACKAGE_LOCALES


def locales_dir() -> Path:
    return _locales


def catalog_path(lang: str) -> Path:
    return _locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def use_locales(directory: Path | None) -> list[Path]:
    """Read catalogs from `directory` (Settings.locales_dir; None: the ones inside the package) from now on.
    Returns the catalogs that are missing there, for the composition root to report."""
    global _locales
    chosen = directory or PACKAGE_LOCALES
    if chosen != _locales:
        _locales = chosen
        translations.cache_clear()
    return [path for lang in LANGUAGES if not (path := catalog_path(lang)).exists()]


def normalise_language(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.lower().split("-")[0].split("_")[0]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> gettext.NullTranslations:
    po_path = catalog_path(lang)
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """`_` bound to one language; handlers receive one per incoming message."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = normalise_language(lang)
        self._translations = translations(self.lang)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    __call__ = gettext

    def money(self, amount: int) -> str:
        return format_money(amount, self.lang)

    def date(self, value: date) -> str:
        return format_day(value, self.lang)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.lang)


def format_money(amount: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """`Rp201.600` (Indonesian grouping; `Rp201,600` in English)."""
    return "Rp" + format_decimal(amount, format="#,##0", locale=normalise_language(lang))


def format_day(value: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """`5 November 2025`."""
    return babel_format_date(value, format="d MMMM y", locale=normalise_language(lang))


def N_(message: str) -> str:
    return message
