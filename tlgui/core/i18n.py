"""The engine's sentences in the user's language, through Python's standard ``gettext``.

The engine imports no Qt, so it cannot use the window's translator; it marks its user-facing
sentences with ``_()`` (and ``ngettext()`` where a count decides the wording) and looks them up in
``tlgui/locale/<language>/LC_MESSAGES/tlgui.mo``. The catalogue's source, ``tlgui.po``, is refreshed
from the code by ``resources/i18n/update.sh``.

The language is English until a driver chooses: the window sets it from the same choice as its own
translator, so an error sentence from the engine reads in the language of the window around it. The
command line never chooses: its own words are English, and a sentence half in another language
would help no one (nor a script reading its output). Sentences are translated when they are built,
so a change applies to the next sentence, not to an error already raised.
"""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "tlgui"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENGLISH = "en"
#: The languages a catalogue exists for, besides English (the language of the source text).
TRANSLATED_LANGUAGES = ("zh_CN",)

_catalogue: gettext.NullTranslations = gettext.NullTranslations()
_language = ENGLISH


def supported_language(code: str | None) -> str:
    """``code`` (``zh_CN``, ``zh-Hans-CN``, ``zh_CN.UTF-8``, ``en_GB``...) as one of the languages
    tlgui speaks: a translated one when the language matches, else English."""
    if not code:
        return ENGLISH
    name = code.split(".")[0].split("@")[0].replace("-", "_")
    language = name.split("_")[0].lower()
    for translated in TRANSLATED_LANGUAGES:
        # Simplified Chinese is the only Chinese catalogue; Traditional scripts and regions stay English.
        if language == translated.split("_")[0] and not any(
            part in ("Hant", "TW", "HK", "MO") for part in name.split("_")[1:]
        ):
            return translated
    return ENGLISH


def set_language(code: str | None) -> str:
    """Speak ``code`` from now on (see ``supported_language``); returns the language chosen.

    A missing catalogue falls back to English rather than failing: the window must open anyway.
    """
    global _catalogue, _language
    _language = supported_language(code)
    if _language == ENGLISH:
        _catalogue = gettext.NullTranslations()
    else:
        _catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_language], fallback=True)
    return _language


def current_language() -> str:
    """The language the engine's sentences are built in now."""
    return _language


def _(message: str) -> str:
    """``message`` in the current language (itself when there is no translation)."""
    return _catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence about ``n`` things the current language uses (``{n}`` is not filled in)."""
    return _catalogue.ngettext(singular, plural, n)


def run_on(*sentences: str) -> str:
    """``sentences`` one after another, empty ones left out, as the current language runs them on:
    English puts a space between two, Chinese (whose full stop is wide) nothing."""
    text = ""
    for sentence in sentences:
        if sentence:
            # TRANSLATORS: one sentence followed by the next; keep both names, change only what is between.
            text = _("{text} {sentence}").format(text=text, sentence=sentence) if text else sentence
    return text


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it: for text kept in a table and
    translated with ``_()`` where it is shown."""
    return message
