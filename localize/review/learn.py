"""What a title learns from its reviewers' corrections: glossary rows for renderings corrected
the same way in several places (approved lines reach the memory through
:func:`localize.review.edits.remember_layer`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from localize.review.edits import EditLayer
from localize.translation.suggest import EditSuggestion


def suggest_from_edits(out_dir: str | Path, min_count: int = 2) -> list[EditSuggestion]:
    """Glossary rows from the edit layers under ``out_dir``: a phrase of up to ``MAX_WORDS`` words
    replaced the same way in at least ``min_count`` cues, with the source term those cues share
    (their longest common run of source text). Most frequent first."""
    found: defaultdict[tuple[str, str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for path in sorted(Path(out_dir).glob("*/*/edits.json")):
        layer = EditLayer.from_json(path.read_text(encoding="utf-8"), str(path))
        for edit in layer.cues:
            if edit.text is None or not edit.source:
                continue
            for wrong, right in _replacements(edit.machine, edit.text):
                found[(layer.market, layer.language, wrong, right)].append((layer.episode, edit.source))
    rows = []
    for (market, language, wrong, right), places in found.items():
        term = _common_run([source for _, source in places])
        if len(places) >= min_count and len(term) >= 2:
            episodes = tuple(sorted({episode for episode, _ in places}))
            rows.append(
                EditSuggestion(term, right, "correction", len(places), len(episodes), language, market, wrong, episodes)
            )
    return sorted(rows, key=lambda r: (-r.count, r.market, r.source, r.target))


MAX_WORDS = 4


def _replacements(machine: str, edited: str) -> list[tuple[str, str]]:
    """(machine phrase, edited phrase) for each run of words the edit replaced (both sides non-empty, short)."""
    import difflib

    a, b = machine.split(), edited.split()
    pairs = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 <= MAX_WORDS and j2 - j1 <= MAX_WORDS:
            pairs.append((_phrase(a[i1:i2]), _phrase(b[j1:j2])))
    return [(w, r) for w, r in pairs if w and r and w.lower() != r.lower()]


def _phrase(words: list[str]) -> str:
    return " ".join(words).strip(".,!?;:\"'“”")


def _common_run(texts: list[str]) -> str:
    """The longest run of characters every text holds (punctuation and spaces trimmed)."""
    first, rest = texts[0], texts[1:]
    for size in range(len(first), 1, -1):
        for start in range(len(first) - size + 1):
            run = first[start : start + size]
            if all(run in other for other in rest) and run.strip("。，！？、；：,.!?;: ") == run:
                return run
    return ""
