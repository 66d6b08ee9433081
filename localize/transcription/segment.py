"""Cutting a stream of timed words into cues: at sentence ends, at pauses, and by length.

Whisper often leaves Mandarin unpunctuated, so pauses between words (from the word
timestamps) are the main cue boundary there. A change of speaker (``Word.speaker``)
always starts a new cue, so each cue has one speaker. Over-long cues are split where a clause
ends or the longest pause falls, keeping the halves balanced.
"""

from __future__ import annotations

from dataclasses import dataclass

from localize.model import Cue, Word, join_lines

SENTENCE_END = ("。", "！", "？", "!", "?", "…", ".", "」", "』")
CLAUSE_END = ("，", ",", "、", "；", ";", "：", ":", "—")
CJK_LANGUAGES = {"zh", "ja", "ko", "yue"}


@dataclass(frozen=True)
class CueRules:
    """Where cues break: ``pause_ms`` of silence, or past ``max_ms`` / ``max_chars``."""

    pause_ms: int = 350
    max_ms: int = 7000
    max_chars: int = 84

    @classmethod
    def for_language(cls, language: str | None) -> CueRules:
        return cls(max_chars=16) if language in CJK_LANGUAGES else cls()


def words_to_cues(words: list[Word], rules: CueRules = CueRules()) -> list[Cue]:
    """Cues made of consecutive ``words``; each cue keeps its words."""
    cues: list[Cue] = []
    for group in _split_at_breaks([w for w in words if w.text], rules):
        cues.extend(_cue(part) for part in _split_long(group, rules))
    return cues


def cue_text(words: list[Word]) -> str:
    """Words joined the way the language writes them (no spaces between CJK)."""
    return join_lines([w.text for w in words])


def _split_at_breaks(words: list[Word], rules: CueRules) -> list[list[Word]]:
    groups: list[list[Word]] = []
    for word in words:
        previous = groups[-1][-1] if groups else None
        if (
            previous is None
            or word.start - previous.end >= rules.pause_ms
            or previous.text.endswith(SENTENCE_END)
            or word.speaker != previous.speaker
        ):
            groups.append([word])
        else:
            groups[-1].append(word)
    return groups


def _too_long(words: list[Word], rules: CueRules) -> bool:
    return len(words) > 1 and (words[-1].end - words[0].start > rules.max_ms or _length(words) > rules.max_chars)


def _length(words: list[Word]) -> int:
    return len(cue_text(words))


def _split_long(words: list[Word], rules: CueRules) -> list[list[Word]]:
    if not _too_long(words, rules):
        return [words]
    cut = max(range(1, len(words)), key=lambda i: _cut_score(words, i, rules))
    return _split_long(words[:cut], rules) + _split_long(words[cut:], rules)


def _cut_score(words: list[Word], i: int, rules: CueRules) -> float:
    """How good a cue boundary before ``words[i]`` is: punctuation, pause, balance."""
    before = words[i - 1].text
    punctuation = 2.0 if before.endswith(SENTENCE_END) else 1.0 if before.endswith(CLAUSE_END) else 0.0
    pause = min(words[i].start - words[i - 1].end, rules.pause_ms) / rules.pause_ms
    left, right = _length(words[:i]), _length(words[i:])
    balance = abs(left - right) / max(left + right, 1)
    return punctuation + pause - 1.5 * balance


def _cue(words: list[Word]) -> Cue:
    start, end = words[0].start, max(w.end for w in words)
    return Cue(start=start, end=max(end, start + 1), text=cue_text(words), words=list(words), speaker=words[0].speaker)
