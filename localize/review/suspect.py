"""Suspect translations: lines a person should look at, found without any model.

:func:`suspect_flags` checks a translated track (cue ``source`` and ``text``) for two
different source lines given the same translation, a target that copies the source or
keeps source-script characters, a length ratio far outside the track's usual one,
numbers, names or glossary terms on one side only, and refusal or commentary text from
an LLM. Each finding is one ``suspect: ...`` string, keyed by the cue's number (1-based).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import defaultdict
from typing import Any

from localize.model import Track, require_track

SUSPECT = "suspect: "  # every flag of this module starts so
RATIO_FACTOR = 2.5  # a length ratio this many times above or below the track's median is suspect
MIN_RATIO_CUES = 4  # a median needs this many lines with a source of MIN_SOURCE_CHARS or more
MIN_SOURCE_CHARS = 4
SCRIPTS = {
    "zh": {"CJK"},
    "ja": {"CJK", "HIRAGANA", "KATAKANA"},
    "ko": {"HANGUL", "CJK"},
    "th": {"THAI"},
    "ru": {"CYRILLIC"},
    "uk": {"CYRILLIC"},
    "ar": {"ARABIC"},
    "he": {"HEBREW"},
    "hi": {"DEVANAGARI"},
}
CJK_NUMERALS = set("〇零一二三四五六七八九十百千万萬两兩")
COMMENTARY = re.compile(
    "|".join(
        [
            r"\bas an ai\b",
            r"\blanguage model\b",
            r"\bi cannot\b",
            r"\bi can't (?:help|translate|assist|provide)",
            r"\bi'm sorry, but\b",
            r"\bhere(?: is|'s) (?:the|your|a) translation\b",
            r"\btranslat(?:ion|ed)(?: text)?\s*:",
            r"^\s*(?:note|explanation)\s*:",
            r"\(note:",
            r"\bcomo (?:una )?ia\b",
            r"\bno puedo (?:ayudar|traducir)",
            r"\baquí (?:está|tienes) la traducción\b",
            r"\bsebagai ai\b",
            r"\bsaya tidak dapat\b",
        ]
    ),
    re.IGNORECASE | re.MULTILINE,
)
# a sentence: up to its end mark (and closing quotes), or the rest; a "." ends one only before a space or the end
SENTENCE = re.compile(r".+?(?:[。！？!?…]+|\.+(?=\s|$))[」』”’\"')）]*|.+$")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*(?:[ -][A-Z][A-Za-z0-9'’-]*)*")
DIGITS = re.compile(r"\d+")


def suspect_flags(track: Track, glossary: Any = None) -> dict[int, list[str]]:
    """``{cue number: ["suspect: ...", ...]}`` for the cues whose translation looks wrong.

    Consecutive cues with one source line (a sentence the timing split) are checked as one;
    a cue holding several source lines with as many target lines (merged by timing) is
    compared line by line. ``glossary`` (a :class:`localize.translation.glossary.Glossary`
    for the target) adds the one-side-only check for its terms. Cues without a source line
    are not checked.
    """
    require_track(track)
    found: dict[int, list[str]] = defaultdict(list)
    cues = [(n, c.source or "", c.text) for n, c in enumerate(track.cues, 1) if (c.source or "").strip()]
    target = (track.language or "").lower().split("-")[0]
    groups = _sentences(cues)
    for number, message in [*_same_translation(_lines(cues)), *_ratios(groups)]:
        found[number].append(message)
    for numbers, source, text in groups:
        flags = _line_flags(source, text, target, glossary)
        for number in numbers:
            found[number] += flags
    return {n: list(dict.fromkeys(flags)) for n, flags in sorted(found.items()) if flags}


def _sentences(cues: list[tuple[int, str, str]]) -> list[tuple[list[int], str, str]]:
    """Consecutive cues with the same source joined: (cue numbers, source, their texts joined)."""
    groups: list[tuple[list[int], str, str]] = []
    for number, source, text in cues:
        last = groups[-1] if groups else None
        if last is not None and last[0][-1] == number - 1 and _key(last[1]) == _key(source):
            groups[-1] = ([*last[0], number], source, f"{last[2]}\n{text}")
        else:
            groups.append(([number], source, text))
    return groups


def _lines(cues: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """Each cue as (number, source, text), split line by line when source and text have as many lines (2+)."""
    found = []
    for number, source, text in cues:
        texts = text.strip().split("\n")
        sources = _source_lines(source, len(texts))
        pairs = zip(sources, texts, strict=True) if len(sources) == len(texts) > 1 else [(source, text)]
        found += [(number, s, t) for s, t in pairs]
    return found


def _source_lines(source: str, count: int) -> list[str]:
    """The source's lines; its sentences instead when those are ``count`` (a merged cue's source lines joined
    without a line break, as the timing joins Chinese: 明天我们回家。把Joy-Con给我。)."""
    lines = source.strip().split("\n")
    if len(lines) == count:
        return lines
    sentences = [s.strip() for line in lines for s in SENTENCE.findall(line) if s.strip()]
    return sentences if len(sentences) == count else lines


def _line_flags(source: str, text: str, target: str, glossary: Any) -> list[str]:
    checks = [
        _copies(source, text),
        _source_script(source, text, target),
        *_numbers(source, text),
        *_names(source, text),
        _commentary(text),
        *_terms(source, text, glossary),
    ]
    return [f"{SUSPECT}{c}" for c in checks if c]


def _key(text: str) -> str:
    """Text compared loosely: case, spaces and punctuation ignored."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _same_translation(lines: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """Lines with one translation for different source lines: flagged on each cue, naming the others."""
    by_text: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for number, source, text in lines:
        if _key(text):
            by_text[_key(text)].append((number, _key(source)))
    found = []
    for group in by_text.values():
        for number, source in group:
            others = sorted({n for n, s in group if s != source})
            if number in others:
                found.append((number, f"{SUSPECT}one translation for two different lines in this cue"))
            if set(others) - {number}:
                named = ", ".join(str(n) for n in others if n != number)
                found.append((number, f"{SUSPECT}same translation as cue {named} for a different line"))
    return found


def _ratios(groups: list[tuple[list[int], str, str]]) -> list[tuple[int, str]]:
    ratios = {
        tuple(numbers): len(_key(text)) / len(_key(source))
        for numbers, source, text in groups
        if len(_key(source)) >= MIN_SOURCE_CHARS
    }
    if len(ratios) < MIN_RATIO_CUES:
        return []
    usual = statistics.median(ratios.values())
    if usual <= 0:
        return []
    return [
        (n, f"{SUSPECT}length ratio {ratio:.1f} is far from this track's usual {usual:.1f}")
        for numbers, ratio in ratios.items()
        if ratio > usual * RATIO_FACTOR or ratio * RATIO_FACTOR < usual
        for n in numbers
    ]


def _copies(source: str, text: str) -> str | None:
    return "the target copies the source" if _key(source) and _key(source) == _key(text) else None


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ")[0] if char.isalpha() else ""


def _source_script(source: str, text: str, target: str) -> str | None:
    foreign = {_script(c) for c in source} - SCRIPTS.get(target, set()) - {"LATIN", ""}
    kept = "".join(dict.fromkeys(c for c in text if _script(c) in foreign))
    return f"keeps source-script characters ({kept[:12]})" if kept else None


def _numbers(source: str, text: str) -> list[str]:
    ours, theirs = (set(DIGITS.findall(unicodedata.normalize("NFKC", s))) for s in (source, text))
    found = [f"number {n} is in the source only" for n in sorted(ours - theirs)]
    if not CJK_NUMERALS & set(source):
        found += [f"number {n} is in the target only" for n in sorted(theirs - ours)]
    return found


def _names(source: str, text: str) -> list[str]:
    """Latin-script names in a non-Latin source (Joy-Con, CEO) that the target lost."""
    if not any(_script(c) not in ("LATIN", "") for c in source):
        return []
    folded = text.casefold()
    return [
        f"name {name!r} is in the source only"
        for name in dict.fromkeys(NAME.findall(source))
        if len(name) > 1 and name.casefold() not in folded
    ]


def _commentary(text: str) -> str | None:
    match = COMMENTARY.search(text)
    return f"looks like LLM commentary ({match.group(0).strip()!r})" if match else None


def _terms(source: str, text: str, glossary: Any) -> list[str]:
    """Glossary terms in the source whose rendering the target lacks, and renderings no source term explains."""
    if not glossary:
        return []
    from localize.translation.glossary import Glossary, Term

    in_source = {term for _, _, term in glossary.find(source)}
    found = [
        f"glossary term {t.source!r} is in the source but {t.rendering!r} not in the target"
        for t in sorted(in_source, key=lambda t: source.find(t.source))
        if t.rendering.casefold() not in text.casefold()
    ]
    explained = {t.rendering.casefold() for t in in_source}
    reverse = Glossary(
        [
            Term(t.rendering, t.source, case_sensitive=False)
            for t in glossary.terms
            if t.rendering.casefold() != t.source.casefold()
        ]
    )
    for _, _, term in reverse.find(text):
        if term.source.casefold() not in explained:
            found.append(f"glossary rendering {term.source!r} is in the target, {term.target!r} not in the source")
            explained.add(term.source.casefold())
    return found
