"""The words of the app in English and 简体中文: one catalogue per language
(rnnviz/locales/<lang>.toml, the same keys in each), looked up with tr("home.title") (section.key).

The language is per script run: the UI sets it (set_language) at the top of every page, in
the thread that runs that session's script, so visitors on one server each read their own.
The engine's own messages use tr() too; code that runs elsewhere (a background thread)
speaks the default, English.

The engine chooses no words: it returns Message(key, **values) for a sentence it decides and
raises Problem(key, **values) for a setting the learner can fix; both are said (str()) in the
learner's language where the page shows them. words() maps the engine's stable values
("forget", "carried") to the learner's words for legends and tables.
A new language: <code>.toml and <code>.<part>.toml with every key, and one entry in LANGUAGES.
A new page's words: en.<page>.toml and zh.<page>.toml (tests/test_i18n.py checks the keys).
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


class Message:
    """A sentence the engine hands to the page without choosing its language: a catalogue key
    and its values. str(message) says it in the language of the run that shows it."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values

    def __str__(self) -> str:
        return tr(self.key, **self.values)

    def __repr__(self) -> str:
        return f"Message({self.key!r}, **{self.values!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.key, self.values) == (other.key, other.values)


class Problem(ValueError):
    """An engine error the learner can fix: a catalogue key and its values, said in the
    learner's language when shown (str(error)), never when raised."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.message = Message(key, **values)

    def __str__(self) -> str:
        return str(self.message)


def words(values, prefix: str):
    """The learner's words for the engine's stable values: each value v becomes tr(f"{prefix}.{v}").
    Takes a pandas Series (returns one) or any iterable (returns a list)."""
    if hasattr(values, "map"):
        return values.map(lambda v: tr(f"{prefix}.{v}"))
    return [tr(f"{prefix}.{v}") for v in values]
