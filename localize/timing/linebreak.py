"""Line breaking: where a subtitle's text splits over two lines.

English follows the guide's grammar rules (break after punctuation and before
conjunctions and prepositions; never between article and noun, adjective and noun,
first and last name, pronoun and verb, auxiliary/negation and verb, verb and its
preposition) and prefers a bottom-heavy pyramid. Chinese breaks between any two
characters except before closing or after opening punctuation, and never inside a Latin
word. Neither ever breaks inside a protected term (glossary targets, names).
"""
from __future__ import annotations

import re
from typing import Sequence

from localize.model import is_cjk, join_lines
from localize.timing.profiles import Profile

ARTICLES = frozenset("a an the this that these those my your his her its our their no every each some any".split())
PRONOUNS = frozenset("i you he she it we they who".split())
AUXILIARIES = frozenset(
    "am is are was were be been being do does did have has had will would shall should can could may might must "
    "not never don't doesn't didn't won't can't cannot isn't aren't wasn't weren't i'm you're he's she's it's "
    "we're they're i'll you'll he'll she'll we'll they'll i've you've we've they've i'd you'd he'd she'd we'd they'd".split()
)
CONJUNCTIONS = frozenset("and but or nor so yet because although though if unless while when whereas since until that which".split())
PREPOSITIONS = frozenset(
    "about above across after against along among around at before behind below beneath beside between beyond by "
    "during except for from in inside into like near of off on onto out outside over past through to toward towards "
    "under until up upon with within without".split()
)
ADJECTIVES = frozenset(
    "young old new big small little good bad great long short high low dear poor real true whole own other same "
    "last first next best better worst right left only sweet beautiful handsome rich evil".split()
)
PHRASAL_VERBS = frozenset("look looking looked wait waiting waited come coming came go going went get got give gave take took".split())
CLAUSE_END = ".!?;:…"
PAUSE = ",，、；：。！？…—"
NO_LINE_START = "，。！？、；：」』）》〉】,.!?;:)]}…·"
NO_LINE_END = "「『（《〈【([{"
CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")


def text_length(text: str) -> int:
    """Characters a line shows (one per character, CJK or not)."""
    return len(text)


def break_lines(text: str, profile: Profile, protected: Sequence[str] = ()) -> str:
    """``text`` laid out in as few lines as fit ``profile.chars_per_line``, best break first."""
    plain = join_lines(text.split("\n"))
    limit = profile.chars_per_line
    if text_length(plain) <= limit:
        return plain
    blocked = protected_spans(plain, protected)
    candidates = [b for b in break_points(plain) if not any(s < b < e for s, e in blocked)]
    if not candidates:
        return plain
    fitting = [b for b in candidates if b <= limit + 1 and len(plain) - b <= limit + 1]
    best = min(fitting or candidates, key=lambda b: _cost(plain, b, limit, profile.bottom_heavy))
    top, bottom = _split_at(plain, best)
    if text_length(bottom) > limit and profile.max_lines > 2:
        bottom = break_lines(bottom, profile, protected)
    return f"{top}\n{bottom}"


def protected_spans(text: str, protected: Sequence[str]) -> list[tuple[int, int]]:
    """Character ranges of every occurrence of a protected term (case-insensitive)."""
    spans = []
    lowered = text.lower()
    for term in protected:
        term = term.strip().lower()
        if not term:
            continue
        start = lowered.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + 1)
    return spans


def break_points(text: str) -> list[int]:
    """Indexes where a line may break: spaces (English) or between CJK characters."""
    if not CJK.search(text):
        return [i + 1 for i, char in enumerate(text[:-1]) if char == " " and text[i + 1] != " "]
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after == " ":
            continue
        if before == " ":
            points.append(i)
        elif (is_cjk(before) or is_cjk(after)) and after not in NO_LINE_START and before not in NO_LINE_END:
            points.append(i)
    return points


def _split_at(text: str, index: int) -> tuple[str, str]:
    return text[:index].rstrip(), text[index:].lstrip()


def _cost(text: str, index: int, limit: int, bottom_heavy: bool) -> float:
    top, bottom = _split_at(text, index)
    excess = len(top) - len(bottom)
    cost = 1000.0 * (max(0, len(top) - limit) + max(0, len(bottom) - limit)) + abs(excess)
    if bottom_heavy and excess > 0:
        cost += 4 + 0.5 * excess
    return cost + grammar_cost(top, bottom)


def grammar_cost(top: str, bottom: str) -> float:
    """Lower is better: rewards breaks after punctuation, punishes splitting tight pairs."""
    last_char = top[-1]
    if last_char in PAUSE:
        return -30.0 if last_char in CLAUSE_END + "。！？" else -20.0
    if is_cjk(last_char) or is_cjk(bottom[0]):
        return 0.0
    raw_prev = top.split()[-1]
    prev, nxt = _word(raw_prev), _word(bottom.split()[0])
    if nxt in CONJUNCTIONS or (nxt in PREPOSITIONS and prev not in PHRASAL_VERBS | ARTICLES):
        return -10.0
    if prev in ARTICLES or prev in PRONOUNS or prev in AUXILIARIES:
        return 40.0
    if nxt in ("not", "n't") or (prev in ADJECTIVES and nxt not in PREPOSITIONS | CONJUNCTIONS):
        return 30.0
    if raw_prev[:1].isupper() and bottom[:1].isupper() and nxt not in PRONOUNS:
        return 30.0  # likely first name / last name
    if prev in PHRASAL_VERBS and nxt in PREPOSITIONS:
        return 20.0
    return 0.0


def _word(token: str) -> str:
    return token.lower().strip(".,!?;:\"()[]…—-")
