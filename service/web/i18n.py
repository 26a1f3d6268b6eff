"""One translation layer for every page: English and Welsh catalogues in gettext ``.po`` form.

Message ids are the English text (``_("Cast my vote")``); ``locales/cy.po`` gives the Welsh and
``locales/en.po`` lists every id (its translations are empty: English shows the id). Values are
filled in with ``str.format`` after translation, so a translation may move them. A language is
chosen by the ``plenary_lang`` cookie (the switch on every page), else by ``Accept-Language``.
Cost: catalogues are parsed once per process; a lookup is one dict access.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Translate",
    "catalogue",
    "choose_language",
    "message_ids_in",
    "parse_po",
    "translator",
]

LOCALES = Path(__file__).resolve().parent / "locales"

LANGUAGES = {"en": "English", "cy": "Cymraeg"}
"""The languages the pages speak, each named in itself (for the switch)."""

DEFAULT_LANGUAGE = "en"

Translate = Callable[..., str]

_ENTRY = re.compile(r'^(msgid|msgstr|msgctxt)\s+"(.*)"\s*$')
_MORE = re.compile(r'^"(.*)"\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_po(text: str) -> dict[str, str]:
    """``msgid → msgstr`` from a ``.po`` file (comments, header and empty strings left out).

    Supports what the catalogues use: ``msgid``/``msgstr`` pairs, continuation lines and the
    escapes ``\\n \\t \\" \\\\``. ``ValueError`` names the line of anything else.
    """
    entries: dict[str, str] = {}
    key: str | None = None
    current: dict[str, str] = {}

    def finish() -> None:
        msgid = current.get("msgid")
        if msgid:
            entries[msgid] = current.get("msgstr", "")
        current.clear()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry = _ENTRY.match(line)
        if entry:
            if entry.group(1) == "msgid":
                finish()
            key = entry.group(1)
            current[key] = _unescape(entry.group(2))
            continue
        more = _MORE.match(line)
        if more and key is not None:
            current[key] += _unescape(more.group(1))
            continue
        raise ValueError(f"line {number} of the catalogue is not msgid/msgstr: {raw!r}")
    finish()
    return entries


@cache
def catalogue(language: str) -> dict[str, str]:
    """The translations for ``language`` (empty ones dropped, so English shows the id)."""
    path = LOCALES / f"{language}.po"
    return {k: v for k, v in parse_po(path.read_text(encoding="utf-8")).items() if v}


def N_(message: str) -> str:
    """Mark ``message`` as a message id to be translated where it is shown (returns it)."""
    return message


def translator(language: str) -> Translate:
    """``_(message, **values)`` for ``language``: the translation, values filled in."""
    table = catalogue(language) if language in LANGUAGES else {}

    def translate(message: str, /, **values: Any) -> str:
        text = table.get(message, message)
        return text.format(**values) if values else text

    return translate


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The page language: the member's choice, else the first of theirs we speak, else
    English. ``Accept-Language`` weights are honoured in order of preference."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[Fraction, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = Fraction(1)
        if params.strip().startswith("q="):
            try:
                weight = Fraction(params.strip()[2:])
            except (ValueError, ZeroDivisionError):
                weight = Fraction(0)
        ranked.append((-weight, position, tag.split("-")[0].lower()))
    for _weight, _position, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


_CALL = re.compile(r"""\b(?:N_|_)\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+|(?:'(?:[^'\\]|\\.)*'\s*)+)""")
_LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def message_ids_in(texts: Iterable[str]) -> set[str]:
    """Every literal message id passed to ``_(...)`` or ``N_(...)`` in ``texts`` (templates
    and modules); adjacent literals are joined, as Python joins them."""
    found: set[str] = set()
    for text in texts:
        for call in _CALL.finditer(text):
            parts = [
                m.group(1) if m.group(1) is not None else m.group(2)
                for m in _LITERAL.finditer(call.group(1))
            ]
            found.add(_unescape("".join(parts)))
    return found
