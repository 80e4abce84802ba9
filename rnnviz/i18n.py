"""The words of the app in English and 简体中文: one catalogue per language
(rnnviz/locales/<lang>.toml, the same keys in each), looked up with tr("home.title") (section.key).

The language is per script run: the UI sets it (set_language) at the top of every page, in
the thread that runs that session's script, so visitors on one server each read their own.
The engine's own messages use tr() too; code that runs elsewhere (a background thread)
speaks the default, English.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _load(lang: str) -> dict[str, str]:
    """<lang>.toml, and any <lang>.<part>.toml beside it (parts being written; merged later)."""
    flat = {}
    for path in [LOCALES / f"{lang}.toml", *sorted(LOCALES.glob(f"{lang}.*.toml"))]:
        flat |= _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
    return flat


CATALOGUES = {lang: _load(lang) for lang in LANGUAGES}
_language: ContextVar[str] = ContextVar("rnnviz_language", default=DEFAULT)


def set_language(lang: str) -> str:
    """Speak `lang` in this thread from now on (an unknown code gives the default); returns it."""
    lang = lang if lang in LANGUAGES else DEFAULT
    _language.set(lang)
    return lang


def language() -> str:
    return _language.get()


def tr(key: str, **values) -> str:
    """The text of `key` in the current language, with {placeholders} filled from values."""
    text = CATALOGUES[_language.get()][key]
    return text.format(**values) if values else text
