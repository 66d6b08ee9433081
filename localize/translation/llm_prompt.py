"""The ``llm`` engine's prompt and answers: what a window of lines asks, and which answered lines are usable."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from localize.chinese import is_han
from localize.language import is_unspaced
from localize.model import format_ms
from localize.translation.glossary import Term
from localize.translation.protocols import Line

LONGEST = 3  # an answer longer than this many times the line's budget is no subtitle
UNBUDGETED = 84  # characters assumed for a line without a budget (two lines of 42)
#: Prompt, JSON or chat wrapper in an answer: such a line is rejected and asked again.
LEAK = re.compile(
    r"[{}→]|```|\"\s*(?:id|text|lines|source|speaker|to|time|max_chars|must_use|translation|problems)\s*\"\s*:"
    r"|<\|?/?(?:im_start|im_end|system|user|assistant)\|?>|\bmax_chars\b|\bmust_use\b"
    r"|^\s*(?:Synopsis|Glossary|Characters|Earlier lines|Lines to translate|Fix these lines)\b"
    r"|\bas an AI\b|\bas a language model\b|\bunable to (?:provide|translate)\b|\bthe limitations of the AI\b"
    r"|\bhere is the (?:json|translation|summary)\b",
    re.IGNORECASE | re.MULTILINE,
)
NAMES = {
    "zh": "Chinese",
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "ja": "Japanese",
    "ko": "Korean",
    "th": "Thai",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "fr": "French",
    "de": "German",
}


@dataclass
class Window:
    """Lines asked together, the lines before them and the glossary terms they contain."""

    lines: list[Line]
    before: list[Line]
    terms: dict[int, list[Term]] = field(default_factory=dict)


def messages(source: str, target: str, user: list[str], note: str) -> list[dict[str, str]]:
    """The chat: the subtitler's rules (system), then the ``user`` lines and ``note``."""
    system = (
        f"You translate the subtitles of a short vertical drama from {language_name(source)} to {language_name(target)}, "
        "as a professional subtitler would: natural, condensed lines a viewer can read while they are on screen, "
        "not literal sentences.\nRules:\n"
        "- Exactly one translation for every line id you are given; never merge, split or skip lines.\n"
        "- Keep each line within its max_chars characters.\n"
        "- Where a line lists must_use, use those renderings exactly.\n"
        "- speaker and to (who says a line to whom) decide its register and terms of address.\n"
        "- Earlier lines are context only: do not translate them.\n"
        '- Reply with JSON only: {"lines": [{"id": <id>, "text": "<translation>"}]}'
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": "\n".join(user + ([note] if note else []))},
    ]


def context_block(window: Window, speakers: list[str], context: str, examples: list[tuple[str, str]]) -> list[str]:
    """What a window's prompt opens with: synopsis, approved examples, characters, glossary, earlier lines."""
    block = [f"Synopsis: {context}"] if context else []
    if examples:
        block.append("Approved translations from earlier episodes (use the same wording for the same lines):")
        block += [f"{source} → {target}" for source, target in examples]
    if speakers:
        block.append(f"Characters: {', '.join(speakers)}")
    terms = list(dict.fromkeys(t for found in window.terms.values() for t in found))
    if terms:
        block.append("Glossary (use exactly): " + "; ".join(f"{t.source} → {t.rendering}" for t in terms))
    if window.before:
        block.append("Earlier lines (context only):")
        block += [f"[{line.id}] {line.speaker + ': ' if line.speaker else ''}{line.source}" for line in window.before]
    return block


def line_entry(line: Line, terms: list[Term]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": line.id}
    if line.speaker:
        entry["speaker"] = line.speaker
    if line.addressee:
        entry["to"] = line.addressee
    if line.end > line.start:
        entry["time"] = f"{format_ms(line.start)[3:]}-{format_ms(line.end)[3:]}"
    if line.budget:
        entry["max_chars"] = line.budget
    entry["source"] = line.source
    if terms:
        entry["must_use"] = {t.source: t.rendering for t in terms}
    return entry


def parse_answer(reply: str, lines: list[Line], clean: Callable[[str, Line], str | None]) -> dict[int, str]:
    """Valid texts by id from a JSON answer; anything else (extra ids, duplicates, markup) is dropped."""
    wanted = {line.id: line for line in lines}
    items = json_lines(reply)
    ids = [item.get("id") for item in items]
    found: dict[int, str] = {}
    for item in items:
        line_id, text = item.get("id"), item.get("text")
        if not isinstance(line_id, int) or line_id not in wanted or ids.count(line_id) > 1 or not isinstance(text, str):
            continue
        cleaned = clean(text, wanted[line_id])
        if cleaned:
            found[line_id] = cleaned
    return found


def clean_line(text: str, line: Line, target: str, secrets: Sequence[str]) -> str | None:
    """One subtitle line, or None when the text is empty, far too long, leaks prompt, JSON or
    a secret (``secrets``: the API key and the like), or is untranslated."""
    text = " ".join(text.split())
    if not text or len(text) > LONGEST * (line.budget or UNBUDGETED) or LEAK.search(text):
        return None
    if any(secret in text for secret in secrets):
        return None  # an echoing or compromised endpoint: never into subtitles or the memory
    if not is_unspaced(target) and any(map(is_han, text)):
        return None  # source script left in a target written without it
    return text


def json_lines(reply: str) -> list[dict[str, Any]]:
    """The ``lines`` list of a JSON object in ``reply`` (code fences tolerated), else []."""
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end < start:
        return []
    try:
        data = json.loads(reply[start : end + 1])
    except json.JSONDecodeError:
        return []
    items = data.get("lines") if isinstance(data, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def answer_schema(ids: list[int]) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {"id": {"type": "integer", "enum": ids}, "text": {"type": "string"}},
        "required": ["id", "text"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"lines": {"type": "array", "items": item}},
        "required": ["lines"],
        "additionalProperties": False,
    }


def token_allowance(lines: list[Line]) -> int:
    """Room for the answer: about a token per two budget characters, plus the JSON around it."""
    return sum((line.budget or UNBUDGETED) // 2 + 16 for line in lines) + 16


def language_name(language: str) -> str:
    return NAMES.get(language, language)
