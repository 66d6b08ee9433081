"""Inline markup in cue text: the one small tag set every format reads and writes.

``Cue.text`` is plain text plus these tags, and nothing else is markup::

    <i>...</i>  <b>...</b>  <u>...</u>  <font color="#RRGGBB">...</font>

Every other character is literal: ``&`` is an ampersand, ``<3`` is a heart, ``{\\an8}`` and
``C:\\new`` are shown as written. Readers turn their format's own markup into these tags
(SRT/VTT tags and entities, TTML ``tts:`` styles, ASS ``{\\i1}`` overrides); writers turn
them back into their format's syntax and escape everything else. :func:`runs` splits
marked-up text into (text, :class:`Look`) pieces; :func:`compose` joins them again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from localize.model import is_cjk

TAG = re.compile(r'<(/?)([ibu])>|<font color="(#[0-9A-F]{6})">|(</font>)')
ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|lrm|rlm);|&#(\d{1,7});|&#[xX]([0-9a-fA-F]{1,6});")
HTML_TAG = re.compile(r"<(/?)\s*([^\s<>./]*)((?:\.[^\s<>.]+)*)([^<>]*)>")
FONT_COLOUR = re.compile(r"""color\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": "\u00a0", "lrm": "\u200e", "rlm": "\u200f"}
#: colour names that SRT ``<font color>`` and WebVTT's default ``<c.name>`` classes use
COLOURS = {
    "white": "#FFFFFF",
    "lime": "#00FF00",
    "cyan": "#00FFFF",
    "red": "#FF0000",
    "yellow": "#FFFF00",
    "magenta": "#FF00FF",
    "blue": "#0000FF",
    "black": "#000000",
    "green": "#008000",
    "gray": "#808080",
    "grey": "#808080",
    "orange": "#FFA500",
}


@dataclass(frozen=True)
class Look:
    """How a run of text is drawn: italic, bold, underlined, a colour ("#RRGGBB") or the style's."""

    italic: bool = False
    bold: bool = False
    underline: bool = False
    color: str | None = None


PLAIN = Look()
_FLAGS = {"i": "italic", "b": "bold", "u": "underline"}


def runs(text: str) -> list[tuple[str, Look]]:
    """``text`` as (text, look) runs; a tag left open runs to the end, a stray closing tag is ignored."""
    depth = {"i": 0, "b": 0, "u": 0}
    colours: list[str] = []
    pieces: list[tuple[str, Look]] = []
    position = 0
    for match in TAG.finditer(text):
        pieces.append((text[position : match.start()], _look(depth, colours)))
        closing, name, colour, font_end = match.groups()
        if name:
            depth[name] = max(0, depth[name] + (-1 if closing else 1))
        elif colour:
            colours.append(colour)
        elif font_end and colours:
            colours.pop()
        position = match.end()
    pieces.append((text[position:], _look(depth, colours)))
    return _merged(pieces)


def _look(depth: dict[str, int], colours: list[str]) -> Look:
    return Look(depth["i"] > 0, depth["b"] > 0, depth["u"] > 0, colours[-1] if colours else None)


def _merged(pieces: Iterable[tuple[str, Look]]) -> list[tuple[str, Look]]:
    """Neighbouring runs of one look joined (in linear time: a megabyte cue arrives a character a run)."""
    runs_by_look = groupby((piece for piece in pieces if piece[0]), key=lambda piece: piece[1])
    return [("".join(text for text, _ in group), look) for look, group in runs_by_look]


def compose(pieces: Iterable[tuple[str, Look]]) -> str:
    """Marked-up text from (text, look) runs, each styled run wrapped in its tags."""
    out = []
    for text, look in _merged(pieces):
        opening = (f'<font color="{look.color}">' if look.color else "") + "".join(f"<{tag}>" for tag in flags(look))
        closing = "".join(f"</{tag}>" for tag in reversed(flags(look)))
        out.append(opening + text + closing + ("</font>" if look.color else ""))
    return "".join(out)


def flags(look: Look) -> list[str]:
    """The tags ("i", "b", "u") that ``look`` sets, outermost first."""
    return [tag for tag, name in _FLAGS.items() if getattr(look, name)]


def plain(text: str) -> str:
    """``text`` without its markup."""
    return TAG.sub("", text)


def looks(text: str) -> list[Look]:
    """The look of each character of ``plain(text)``."""
    return [look for part, look in runs(text) for _ in part]


def restyle(text: str, bare: str) -> str:
    """``bare`` (``plain(text)`` with whitespace added, removed or changed, as a line breaker does)
    marked up like ``text``: each character keeps its look, new whitespace takes the next character's."""
    original, marks = plain(text), looks(text)
    if bare == original:
        return text
    pieces, position = [], 0
    for char in bare:
        while position < len(original) and original[position].isspace() and not char.isspace():
            position += 1  # whitespace the new text dropped
        same = position < len(original) and (original[position] == char or (char + original[position]).isspace())
        pieces.append((char, marks[min(position, len(marks) - 1)] if marks else PLAIN))
        position += same
    return compose(pieces)


def cut(text: str, index: int) -> tuple[str, str]:
    """``text`` split at ``index`` of its plain text, the whitespace there dropped; both halves keep their markup."""
    bare = plain(text)
    head, tail = bare[:index].rstrip(), bare[index:].lstrip()
    if bare == text:
        return head, tail
    marks, start = looks(text), len(bare) - len(tail)
    return compose(zip(head, marks)), compose(zip(tail, marks[start:]))


def join(texts: Iterable[str]) -> str:
    """Marked-up lines joined as :func:`localize.model.join_lines` joins plain ones (no space between CJK)."""
    out = ""
    for text in texts:
        text = text.strip()
        if not plain(text).strip():
            continue
        if out and not (is_cjk(plain(out).rstrip()[-1:] or " ") or is_cjk(plain(text).lstrip()[:1] or " ")):
            out += " "
        out += text
    return out


def whole_look(text: str) -> Look:
    """The look every visible character of ``text`` shares (italic for an off-screen voice), else PLAIN."""
    shared = {look for part, look in runs(text) if part.strip()}
    return shared.pop() if len(shared) == 1 else PLAIN


def lines(pieces: list[tuple[str, Look]]) -> list[list[tuple[str, Look]]]:
    """Runs split at line breaks: one list of runs per line."""
    out: list[list[tuple[str, Look]]] = [[]]
    for text, look in pieces:
        for number, part in enumerate(text.split("\n")):
            if number:
                out.append([])
            if part:
                out[-1].append((part, look))
    return out


def with_flag(look: Look, tag: str, on: bool = True) -> Look:
    """``look`` with italic ("i"), bold ("b") or underline ("u") set or cleared."""
    flag: dict[str, Any] = {_FLAGS[tag]: on}
    return replace(look, **flag)


def from_html(text: str, every_tag: bool = False) -> str:
    """Marked-up text from SRT-style tags (``every_tag`` False: only i, b, u, s and font are tags,
    any other ``<`` is literal) or WebVTT's (every tag; ``<c.red>`` is a colour), entities decoded."""
    depth = {"i": 0, "b": 0, "u": 0}
    colours: list[str | None] = []
    pieces: list[tuple[str, Look]] = []
    position = 0
    for match in HTML_TAG.finditer(text):
        closing, name, classes, attributes = match.group(1), match.group(2).lower(), match.group(3), match.group(4)
        if not every_tag and name not in ("i", "b", "u", "s", "font"):
            continue
        pieces.append((decode_entities(text[position : match.start()]), _look(depth, _known(colours))))
        position = match.end()
        if name in depth:
            depth[name] = max(0, depth[name] + (-1 if closing else 1))
        elif name in ("font", "c") and closing:
            colours = colours[:-1]
        elif name in ("font", "c"):
            value = FONT_COLOUR.search(attributes) if name == "font" else None
            named = [colour(c) for c in classes.split(".") if colour(c) and c.isalpha()]
            colours.append(colour(value.group(1)) if value else (named[0] if named else None))
    pieces.append((decode_entities(text[position:]), _look(depth, _known(colours))))
    return compose(pieces)


def _known(colours: list[str | None]) -> list[str]:
    return [c for c in colours if c]


def decode_entities(text: str) -> str:
    """HTML character references that subtitle files use (``&amp;``, ``&lt;``, ``&#233;``) as characters."""

    def character(match: re.Match[str]) -> str:
        name, decimal, hexadecimal = match.groups()
        code = int(decimal) if decimal else int(hexadecimal, 16) if hexadecimal else None
        if code is None:
            return NAMED[name]
        return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else match.group()

    return ENTITY.sub(character, text)


def colour(value: str) -> str | None:
    """ "#RRGGBB" for a colour written as a name, ``#RGB``, ``#RRGGBB`` or ``RRGGBB``; None if unknown."""
    value = value.strip().strip("'\"").lower()
    if value in COLOURS:
        return COLOURS[value]
    digits = value.lstrip("#")
    if re.fullmatch(r"[0-9a-f]{3}", digits):
        digits = "".join(ch * 2 for ch in digits)
    return f"#{digits.upper()}" if re.fullmatch(r"[0-9a-f]{6}", digits) else None


def colour_name(value: str) -> str | None:
    """The WebVTT default colour class for "#RRGGBB", if it is one of them."""
    return next((name for name, code in list(COLOURS.items())[:8] if code == value), None)
