"""Line breaking: where a subtitle's text splits over two lines.

English follows the guide's grammar rules (break after punctuation and before
conjunctions and prepositions; never between article and noun, adjective and noun,
first and last name, pronoun and verb, auxiliary/negation and verb, verb and its
preposition) and prefers a bottom-heavy pyramid. Chinese breaks between any two
characters except before closing or after opening punctuation, and never inside a Latin
word. Neither ever breaks inside a protected term (glossary targets, names).

Costs are computed by index arithmetic on the whole text: a candidate break looks only
at the word before and the word after it, so weighing every break of a text is linear
in its length (a megabyte-long line is split in seconds, not hours).
"""

from __future__ import annotations

from collections.abc import Sequence

from localize.formats import markup
from localize.model import is_cjk, join_lines
from localize.timing.profiles import Profile

ARTICLES = frozenset("a an the this that these those my your his her its our their no every each some any".split())
PRONOUNS = frozenset("i you he she it we they who".split())
AUXILIARIES = frozenset(
    "am is are was were be been being do does did have has had will would shall should can could may might must "
    "not never don't doesn't didn't won't can't cannot isn't aren't wasn't weren't i'm you're he's she's it's "
    "we're they're i'll you'll he'll she'll we'll they'll i've you've we've they've i'd you'd he'd she'd we'd they'd".split()
)
CONJUNCTIONS = frozenset(
    "and but or nor so yet because although though if unless while when whereas since until that which".split()
)
PREPOSITIONS = frozenset(
    "about above across after against along among around at before behind below beneath beside between beyond by "
    "during except for from in inside into like near of off on onto out outside over past through to toward towards "
    "under until up upon with within without".split()
)
ADJECTIVES = frozenset(
    "young old new big small little good bad great long short high low dear poor real true whole own other same "
    "last first next best better worst right left only sweet beautiful handsome rich evil".split()
)
PHRASAL_VERBS = frozenset(
    "look looking looked wait waiting waited come coming came go going went get got give gave take took".split()
)
CLAUSE_END = ".!?;:…"
PAUSE = ",，、；：。！？…—"
NO_LINE_START = "，。！？、；：」』）》〉】,.!?;:)]}…·"
NO_LINE_END = "「『（《〈【([{"


def text_length(text: str) -> int:
    """Characters a line shows (one per character, CJK or not; markup tags show none)."""
    return len(markup.plain(text))


def break_lines(text: str, profile: Profile, protected: Sequence[str] = ()) -> str:
    """``text`` laid out in as few lines as fit ``profile.chars_per_line``, best break first.
    Breaks are chosen on the text without markup; the markup is then put back around the same characters."""
    if markup.plain(text) != text:
        return markup.restyle(text, break_lines(markup.plain(text), profile, protected))
    plain = join_lines(text.split("\n"))
    limit = profile.chars_per_line
    if text_length(plain) <= limit:
        return plain
    candidates = allowed_breaks(plain, protected)
    if not candidates:
        return plain
    fitting = [b for b in candidates if b <= limit + 1 and len(plain) - b <= limit + 1]
    best = min(fitting or candidates, key=lambda b: _cost(plain, b, limit, profile.bottom_heavy))
    top, bottom = plain[:best].rstrip(), plain[best:].lstrip()
    if text_length(bottom) > limit and profile.max_lines > 2:
        bottom = break_lines(bottom, profile, protected)
    return f"{top}\n{bottom}"


def fits(text: str, profile: Profile, protected: Sequence[str] = ()) -> bool:
    """Whether ``text`` breaks into at most ``max_lines`` lines of ``chars_per_line``
    (a text shorter than the lines hold can still overflow one: long words); markup takes no room."""
    plain = join_lines(markup.plain(text).split("\n"))
    limit = profile.chars_per_line
    if text_length(plain) <= limit:
        return True
    if profile.max_lines < 2 or len("".join(plain.split())) > profile.capacity:
        return False
    if profile.max_lines > 2:
        lines = break_lines(plain, profile, protected).split("\n")
        return len(lines) <= profile.max_lines and all(text_length(line) <= limit for line in lines)
    for index in allowed_breaks(plain, protected, len(plain) - limit - 1, limit + 2):
        top_end, bottom_start = _trimmed(plain, index)
        if top_end <= limit and len(plain) - bottom_start <= limit:
            return True
    return False


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


def allowed_breaks(text: str, protected: Sequence[str], start: int = 1, end: int | None = None) -> list[int]:
    """:func:`break_points` in [``start``, ``end``) outside every occurrence of a protected term."""
    blocked: set[int] = set()
    for first, last in protected_spans(text, protected):
        blocked.update(range(first + 1, last))
    return [b for b in break_points(text, start, end) if b not in blocked]


def break_points(text: str, start: int = 1, end: int | None = None) -> list[int]:
    """Indexes in [``start``, ``end``) where a line may break: after a space (English) or
    between CJK characters."""
    indexes = range(max(start, 1), min(len(text) if end is None else end, len(text)))
    if not any(map(is_cjk, text)):
        return [i for i in indexes if text[i - 1] == " " and text[i] != " "]
    points = []
    for i in indexes:
        before, after = text[i - 1], text[i]
        if after == " ":
            continue
        if (
            before == " "
            or (is_cjk(before) or is_cjk(after))
            and after not in NO_LINE_START
            and before not in NO_LINE_END
        ):
            points.append(i)
    return points


def _cost(text: str, index: int, limit: int, bottom_heavy: bool) -> float:
    top_end, bottom_start = _trimmed(text, index)
    top, bottom = top_end, len(text) - bottom_start  # the two lines' lengths
    cost = 1000.0 * (max(0, top - limit) + max(0, bottom - limit)) + abs(top - bottom)
    if bottom_heavy and top > bottom:
        cost += 4 + 0.5 * (top - bottom)
    return cost + break_cost(text, index)


def break_cost(text: str, index: int) -> float:
    """Lower is better: rewards breaks after punctuation, punishes splitting tight pairs.

    Looks only at the characters and words either side of ``index`` (whitespace there
    is trimmed, as the two lines would be)."""
    top_end, bottom_start = _trimmed(text, index)
    if top_end == 0 or bottom_start == len(text):
        return 0.0
    last_char, first_char = text[top_end - 1], text[bottom_start]
    if last_char in PAUSE:
        return -30.0 if last_char in CLAUSE_END + "。！？" else -20.0
    if is_cjk(last_char) or is_cjk(first_char):
        return 0.0
    raw_prev = text[_word_start(text, top_end) : top_end]
    prev, nxt = _word(raw_prev), _word(text[bottom_start : _word_end(text, bottom_start)])
    if nxt in CONJUNCTIONS or (nxt in PREPOSITIONS and prev not in PHRASAL_VERBS | ARTICLES):
        return -10.0
    if prev in ARTICLES or prev in PRONOUNS or prev in AUXILIARIES:
        return 40.0
    if nxt in ("not", "n't") or (prev in ADJECTIVES and nxt not in PREPOSITIONS | CONJUNCTIONS):
        return 30.0
    if raw_prev[:1].isupper() and first_char.isupper() and nxt not in PRONOUNS:
        return 30.0  # likely first name / last name
    if prev in PHRASAL_VERBS and nxt in PREPOSITIONS:
        return 20.0
    return 0.0


def _trimmed(text: str, index: int) -> tuple[int, int]:
    """End of the text before ``index`` and start of the text after it, whitespace skipped."""
    end, start = index, index
    while end > 0 and text[end - 1].isspace():
        end -= 1
    while start < len(text) and text[start].isspace():
        start += 1
    return end, start


def _word_start(text: str, end: int) -> int:
    while end > 0 and not text[end - 1].isspace():
        end -= 1
    return end


def _word_end(text: str, start: int) -> int:
    while start < len(text) and not text[start].isspace():
        start += 1
    return start


def _word(token: str) -> str:
    return token.lower().strip('.,!?;:"()[]…—-')
