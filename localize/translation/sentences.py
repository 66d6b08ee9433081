"""Sentences, not fragments: merge cues into sentences, spread translations back by time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from localize.model import Cue, is_cjk, join_lines

SENTENCE_END = tuple("。！？!?…；;.\"'”’」』)）")
SPLIT_RE = re.compile(r"(?<=[。！？!?…])\s*|(?<=[.;])\s+(?=\S)")
BREAK_AFTER = tuple(",.;:!?，。；：！？、…")


@dataclass
class Sentence:
    """Source text of one sentence and the indexes of the cues it spans."""

    cues: list[int]
    text: str


def group_sentences(cues: Sequence[Cue], max_cues: int = 4, max_gap: int = 700) -> list[Sentence]:
    """Join consecutive cues while the previous one does not end a sentence.

    A speaker change, a pause over ``max_gap`` ms or ``max_cues`` cues closes a group:
    Whisper often ends a spoken sentence with a comma, so a real pause counts as an end.
    """
    groups: list[Sentence] = []
    for index, cue in enumerate(cues):
        text = cue.plain_text
        last = groups[-1] if groups else None
        if last is not None and _continues(cues[last.cues[-1]], cue, len(last.cues), max_cues, max_gap):
            last.cues.append(index)
            last.text = join_lines([last.text, text])
        else:
            groups.append(Sentence([index], text))
    return groups


def _continues(previous: Cue, cue: Cue, size: int, max_cues: int, max_gap: int) -> bool:
    text = previous.plain_text.rstrip()
    return (
        bool(text)
        and not text.endswith(SENTENCE_END)
        and size < max_cues
        and cue.start - previous.end <= max_gap
        and previous.speaker == cue.speaker
    )


def split_sentences(text: str) -> list[str]:
    """Split text into sentences at final punctuation (our own splitter: no model download)."""
    return [part.strip() for part in SPLIT_RE.split(text) if part.strip()]


def units(text: str, unspaced: bool) -> list[str]:
    """Break text into pieces that may be split between cues: words, or CJK characters."""
    if not unspaced:
        return text.split()
    pieces: list[str] = []
    for token in re.findall(r"[A-Za-z0-9'’\-]+|\s+|.", text):
        if token.isspace():
            continue
        if pieces and not token[0].isalnum() and not is_cjk(token[0]) or pieces and token in "，。！？、；：”’」』）":
            pieces[-1] += token
        else:
            pieces.append(token)
    return pieces


def spread(text: str, cues: Sequence[Cue], unspaced: bool, keep: Sequence[str] = ()) -> list[str]:
    """Divide one translated sentence over ``cues`` in proportion to their durations.

    Breaks fall between words (between characters for unspaced languages), prefer a
    point after punctuation when one is close, and never split a ``keep`` string.
    """
    if len(cues) == 1:
        return [text]
    pieces = _merge_kept(units(text, unspaced), keep, unspaced)
    total = sum(max(c.duration, 1) for c in cues)
    size = sum(len(p) for p in pieces)
    cuts: list[int] = []
    elapsed = 0
    for number, cue in enumerate(cues[:-1], 1):
        elapsed += max(cue.duration, 1)
        floor = cuts[-1] if cuts else 0
        cuts.append(_best_cut(pieces, size * elapsed / total, floor, len(cues) - number))
    bounds = [0, *cuts, len(pieces)]
    glue = "" if unspaced else " "
    return [glue.join(pieces[a:b]) for a, b in zip(bounds, bounds[1:])]


def _best_cut(pieces: list[str], goal: float, floor: int, cues_left: int) -> int:
    """Where to cut: nearest ``goal`` characters, after punctuation when within a few."""
    low = min(floor + 1, len(pieces))
    high = max(low, len(pieces) - cues_left)
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))

    def cost(index: int) -> float:
        bonus = 4 if index and pieces[index - 1].endswith(BREAK_AFTER) else 0
        return abs(offsets[index] - goal) - bonus

    return min(range(low, high + 1), key=cost)


def _merge_kept(pieces: list[str], keep: Sequence[str], unspaced: bool) -> list[str]:
    """Glue together consecutive pieces that spell out one protected string."""
    glue = "" if unspaced else " "
    out: list[str] = []
    index = 0
    while index < len(pieces):
        end = index + 1
        for target in keep:
            for stop in range(index + 1, len(pieces) + 1):
                joined = glue.join(pieces[index:stop])
                if len(joined) > len(target) + 2:
                    break
                if stop - index > 1 and joined.rstrip(",.;:!?，。；：！？") == target:
                    end = max(end, stop)
        out.append(glue.join(pieces[index:end]))
        index = end
    return out
