"""The language koptrack speaks: Indonesian or English, from gettext catalogs.

Every text a person reads goes through `_()` (or `ngettext`/`pgettext`); a text defined where
no language is chosen yet (a module's constant, a column header) is marked with `N_()` and
translated where it is shown (the terminal translates headers, titles and empty-table lines).
The catalogs are `locale/<lang>/LC_MESSAGES/koptrack.po`, extracted and compiled with Babel
(`python scripts/catalog.py`; docs/translating.md); English is the source language and needs
no catalog.

Click's and Typer's own texts (`Usage:`, `Options`, `No such command`) come from the same
catalog: `activate` points their `gettext` at koptrack's translations.

What never changes with the language: `--json` output, commands, options and their values.

The language comes from, in order: `--lang`, `KOPTRACK_LANG`, `koptrack config set language`,
the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, `LANGUAGE`; on Windows the user's display
language): Indonesian for `id*` (and `in*`, its old code), English otherwise.

Numbers and dates for people are written in the language's way (Babel's CLDR data):
`1.234.567`, `52,4 %`, `16/03/2021` in Indonesian; `1,234,567`, `52.4%`, `2021-03-16` in
English (as before).
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import os
import sys
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
NAMES = {"id": "Bahasa Indonesia", "en": "English"}
DOMAIN = "koptrack"
# KOPTRACK_LOCALE_DIR: catalogs compiled elsewhere (a translator previewing their work:
# `python scripts/catalog.py preview --out DIR`).
LOCALE_DIR = Path(os.environ.get("KOPTRACK_LOCALE_DIR") or Path(__file__).parent / "locale")

_current = "en"
_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_cache: dict[str, _gettext.NullTranslations] = {}


def N_(message: str) -> str:
    """Mark a text for the catalog without translating it now (it is translated where shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a text with its context (as `pgettext` takes it) without translating it now."""
    return message


def _(message: str) -> str:
    """The text in the current language."""
    return _translations.gettext(message)


def help_text(text: str) -> str:
    """A help text in the current language. Click's `\\b` (keep the next lines as they are)
    stands in the catalog as the two characters `\\b`, so a translator's tools show it."""
    return _translations.gettext(help_key(text)).replace("\\b", "\b")


def help_key(text: str) -> str:
    return text.replace("\b", "\\b")


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short word whose translation depends on where it stands (`context`)."""
    return _translations.pgettext(context, message)


def language() -> str:
    return _current


def translations(lang: str) -> _gettext.NullTranslations:
    if lang not in _cache:
        if lang == "en":
            _cache[lang] = _gettext.NullTranslations()
        else:
            _cache[lang] = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    return _cache[lang]


def activate(lang: str) -> None:
    """Speak `lang` ('id' or 'en') from now on, Click's and Typer's texts included."""
    global _current, _translations
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _translations = translations(lang)
    _current = lang
    _hook_click()


def _click_gettext(message: str) -> str:
    return _translations.gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def _hook_click() -> None:
    """Click and Typer call `gettext.gettext` as `_` (imported by name in each module): point
    those names at the current translations. Only modules already imported are touched; a
    module imported later is hooked on the next `activate`."""
    for name, module in list(sys.modules.items()):
        if not (name == "click" or name.startswith(("click.", "typer."))):
            continue
        names = vars(module)
        if names.get("_") in (_gettext.gettext, _click_gettext):
            names["_"] = _click_gettext
        if names.get("ngettext") in (_gettext.ngettext, _click_ngettext):
            names["ngettext"] = _click_ngettext


def from_locale(environ: dict[str, str] | Any = None) -> str | None:
    """The language the user's locale names ('id' or 'en'), or None when it names none."""
    environ = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(var)
        if value:
            return code_of(value.split(":")[0].split(".")[0]) or "en"
    if sys.platform == "win32":
        return code_of(_windows_ui_language() or "")
    return None


def code_of(value: str) -> str | None:
    """'id', 'en' or None for a language or locale name: id, id_ID.UTF-8, in_ID, Indonesia,
    en, en_US, English (None for anything else: a locale's fallback is English)."""
    value = value.strip().lower().replace("-", "_")
    if value in ("id", "in", "ind", "indonesia", "indonesian", "bahasa indonesia") or value.startswith(("id_", "in_")):
        return "id"
    if value in ("en", "eng", "english") or value.startswith("en_"):
        return "en"
    return None


def _windows_ui_language() -> str | None:
    if sys.platform == "win32":
        try:
            import ctypes
            import locale

            return locale.windows_locale.get(ctypes.windll.kernel32.GetUserDefaultUILanguage())
        except Exception:  # no answer: the locale decides nothing
            return None
    return None


# --- numbers and dates, as the language writes them --------------------------------------


def _babel_locale() -> str:
    return "id_ID" if _current == "id" else "en_US"


_SEPARATORS: dict[str, tuple[str, str]] = {}


def _separators() -> tuple[str, str]:
    """The language's group and decimal symbols (Babel's CLDR data), read once."""
    if _current not in _SEPARATORS:
        from babel.numbers import get_decimal_symbol, get_group_symbol

        _SEPARATORS[_current] = (get_group_symbol(_babel_locale()), get_decimal_symbol(_babel_locale()))
    return _SEPARATORS[_current]


def number(value: int | float | None, digits: int | None = None) -> str:
    """`1.234.567` / `52,4` (id); `1234567` / `52.4` (en, as the reports always printed counts).
    Python writes the digits, with the language's symbols from Babel: a long table formats
    hundreds of thousands of numbers."""
    if value is None:
        return ""
    if _current == "en":
        return f"{value:.{digits}f}" if digits is not None else str(value)
    group, decimal = _separators()
    text = f"{value:,.{digits}f}" if digits is not None else f"{value:,}"
    return text.translate({ord(","): group, ord("."): decimal})


def percent(value: float | None) -> str:
    """A percentage with one decimal: `52,4 %` (id), `52.4%` (en)."""
    if value is None:
        return ""
    if _current == "en":
        return f"{value:.1f}%"
    return number(value, 1) + "\u00a0%"


def money(value: int | float | None) -> str:
    """Rupiah: `Rp16.800` (id), `Rp16,800` (en)."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    return "Rp" + format_decimal(value, format="#,##0", locale=_babel_locale())


def date(value: dt.date | None) -> str:
    """A date in a table: `16/03/2021` (id), `2021-03-16` (en)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if _current == "en":
            return value.isoformat(sep=" ", timespec="seconds")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if _current == "en":
        return value.isoformat()
    return value.strftime("%d/%m/%Y")


def date_title(value: dt.date) -> str:
    """A date in a title or sentence: `16 Mar 2021` (id), `2021-03-16` (en)."""
    if _current == "en":
        return value.isoformat()
    from babel.dates import format_date

    return format_date(value, "d MMM y", locale=_babel_locale())
