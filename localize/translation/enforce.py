"""Glossary enforcement: protect terms before MT, restore them after, verify, repair.

Terms are replaced by placeholder tokens ``ZZ0``..``ZZ7`` before translation (longest
source match first), the engine carries the tokens through, and the approved target
goes in their place. :func:`verify` then checks every source term occurrence against the
translation; :func:`repair` fixes what it can (known wrong variants, wrong case).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from localize.translation.glossary import Glossary, Term, term_pattern

PLACEHOLDER = "ZZ{}"
PLACEHOLDER_RE = re.compile(r"\s?ZZ\s?(\d)\s?")
MAX_SLOTS = 8
SENTENCE_START = re.compile(r"(^|[.!?。！？]\s*)$")


@dataclass
class Protected:
    """Source text with terms swapped for placeholders; slot ``i`` holds ``terms[i]``."""

    text: str
    terms: list[Term] = field(default_factory=list)


@dataclass
class Violation:
    """A source term whose approved target is missing (``found`` < ``expected``)."""

    term: Term
    expected: int
    found: int


def protect(text: str, glossary: Glossary) -> Protected:
    """Swap each term occurrence (longest first, at most :data:`MAX_SLOTS`) for a placeholder."""
    matches = glossary.find(text)[:MAX_SLOTS]
    out: list[str] = []
    terms: list[Term] = []
    last = 0
    for start, end, term in matches:
        out.append(text[last:start])
        out.append(PLACEHOLDER.format(len(terms)))
        terms.append(term)
        last = end
    out.append(text[last:])
    return Protected("".join(out), terms)


def restore(translation: str, protected: Protected, unspaced: bool = False) -> str:
    """Put each slot's approved target where the engine left its placeholder.

    Unknown placeholders are dropped; when the engine returns as many placeholders as
    were sent but with wrong numbers, they are renumbered in source order. A target that
    starts a sentence is capitalized.
    """

    found = [int(m.group(1)) for m in PLACEHOLDER_RE.finditer(translation)]
    expected = list(range(len(protected.terms)))
    renumber = iter(expected) if sorted(found) != expected and len(found) == len(expected) else None

    def put(match: re.Match[str]) -> str:
        # Right count, wrong numbers (the engine copied ZZ1 twice): re-insert in source order.
        slot = next(renumber) if renumber else int(match.group(1))
        if slot >= len(protected.terms):
            return " " if match.group(0).startswith(" ") and match.group(0).endswith(" ") else ""
        rendering = protected.terms[slot].rendering
        before = translation[: match.start()]
        if SENTENCE_START.search(before) and rendering[:1].islower() and not unspaced:
            rendering = rendering[0].upper() + rendering[1:]
        if unspaced:
            return rendering
        lead = " " if match.group(0).startswith(" ") or (before and before[-1].isalnum()) else ""
        after = translation[match.end() :]
        tail = " " if match.group(0).endswith(" ") or (after and after[0].isalnum()) else ""
        return lead + rendering + tail

    return PLACEHOLDER_RE.sub(put, translation).strip()


@functools.lru_cache(maxsize=4096)
def target_pattern(term: Term) -> re.Pattern[str]:
    """Matches the approved target; a case-sensitive lower-case target may be capitalized."""
    pattern = term_pattern(term.rendering, term.case_sensitive)
    first = term.rendering[0]
    if term.case_sensitive and first.islower():
        source = pattern.pattern.replace(re.escape(first), f"[{first}{first.upper()}]", 1)
        pattern = re.compile(source)
    return pattern


def verify(source: str, translation: str, glossary: Glossary) -> list[Violation]:
    """Every source term occurrence needs its target in the translation."""
    counts: dict[Term, int] = {}
    for _, _, term in glossary.find(source):
        counts[term] = counts.get(term, 0) + 1
    violations = []
    for term, expected in counts.items():
        found = len(target_pattern(term).findall(translation))
        if found < expected:
            violations.append(Violation(term, expected, found))
    return violations


def repair(translation: str, violations: list[Violation], glossary: Glossary) -> str:
    """Replace known wrong variants and wrong-case renderings with the approved target."""
    for violation in violations:
        term = violation.term
        wrong = [term_pattern(v, False) for v in sorted(term.variants, key=len, reverse=True)]
        wrong.append(term_pattern(term.rendering, False))
        missing = violation.expected - violation.found
        for pattern in wrong:
            if missing <= 0:
                break
            translation, done = _replace_outside(translation, pattern, term, glossary, missing)
            missing -= done
    return translation


def _replace_outside(
    text: str, pattern: re.Pattern[str], term: Term, glossary: Glossary, limit: int
) -> tuple[str, int]:
    """Replace up to ``limit`` matches of ``pattern`` that lie outside approved targets."""
    matches = list(pattern.finditer(text))
    if not matches:
        return text, 0
    approved = [m.span() for t in glossary.terms for m in target_pattern(t).finditer(text)]
    done = 0
    out, last = [], 0
    for match in matches:
        if done >= limit or any(s < match.end() and match.start() < e for s, e in approved):
            continue
        rendering = term.rendering
        if match.group(0)[:1].isupper() and rendering[:1].islower():
            rendering = rendering[0].upper() + rendering[1:]
        out += [text[last : match.start()], rendering]
        last = match.end()
        done += 1
    out.append(text[last:])
    return "".join(out), done
