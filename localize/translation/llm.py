"""The ``llm`` engine: subtitles translated in windows by a chat model, one line per cue.

Each window of cues goes out as numbered lines with speaker, timing and a character
budget, after the lines before it (context only), with the glossary terms that occur
in it and an optional synopsis; the answer must be JSON keyed by line id. The re-ask
ladder: lines missing, malformed or leaking markup are asked again with their window,
then one at a time; lines missing glossary terms or over budget get one targeted
re-ask. Finished lines go to the translation memory window by window, so a re-run
costs nothing and an interrupted episode asks only for what it lacks. An answer is
usable only when it fits the line (at most three times its budget) and does not contain
the API key; an endpoint whose first ``UNUSABLE_LIMIT`` answers held nothing usable (it
chats, refuses or answers junk) is given up on.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

from localize.chinese import is_han
from localize.errors import ModelError
from localize.language import is_unspaced
from localize.model import EngineUsage, format_ms
from localize.translation.enforce import verify
from localize.translation.glossary import Glossary, Term
from localize.translation.llm_endpoint import Endpoint, EndpointError, LLMSettings, is_secret
from localize.translation.memory import MemoryKey, TranslationMemory
from localize.translation.protocols import Line, LineResult

PROMPT_VERSION = "subtitle-v2"
CONTEXT_LINES = 3
UNUSABLE_LIMIT = 10  # answers without a usable line, before any had one, that give the endpoint up
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
class _Window:
    """Lines asked together, the lines before them and the glossary terms they contain."""

    lines: list[Line]
    before: list[Line]
    terms: dict[int, list[Term]] = field(default_factory=dict)


class LLMTranslator:
    """Translates subtitle lines through an OpenAI-compatible chat endpoint."""

    engine = "llm"

    def __init__(self, source: str, target: str, settings: LLMSettings, context: str = "") -> None:
        self.source, self.target = source, target
        self.settings = settings
        self.context = context.strip()
        self.examples: list[tuple[str, str]] = []  # approved pairs of earlier episodes (localize.translation.approved)
        self.model_version = settings.model
        self.usage = EngineUsage()
        self._lock = threading.Lock()
        self._unusable = 0  # answers with nothing usable, while none has had anything
        self.endpoint = Endpoint(settings, self.usage)
        digest = hashlib.sha256(self.context.encode()).hexdigest()[:12] if self.context else "-"
        self.memory_model = f"{settings.model}|{PROMPT_VERSION}|context:{digest}"

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Plain texts in, one translation each (no timing, budget or glossary)."""
        lines = [Line(number, text) for number, text in enumerate(texts, 1)]
        return [r.text for r in self.translate_lines(lines, Glossary())]

    def translate_lines(
        self, lines: list[Line], glossary: Glossary, memory: TranslationMemory | None = None, glossary_digest: str = ""
    ) -> list[LineResult]:
        """One result per line; finished windows are stored in ``memory`` as they arrive."""
        key = MemoryKey(self.engine, self.memory_model, glossary_digest, self.source, self.target)
        known = self._recall(memory, key, lines)
        self.usage.memory_hits += len(known)
        missing = [line for line in lines if line.id not in known]
        if missing:
            self.endpoint.check_model()
            speakers = sorted({line.speaker for line in lines if line.speaker})
            windows = self._windows(lines, missing, glossary)
            known.update(self._run(windows, glossary, speakers, memory, key))
        return [known[line.id] for line in lines]

    # --- memory and windows -------------------------------------------------------------

    @staticmethod
    def _memory_source(line: Line) -> str:
        return json.dumps([line.source, line.budget], ensure_ascii=False)

    def _recall(self, memory: TranslationMemory | None, key: MemoryKey, lines: list[Line]) -> dict[int, LineResult]:
        if memory is None:
            return {}
        found = memory.lookup(key, [self._memory_source(line) for line in lines])
        return {
            line.id: LineResult(**json.loads(found[self._memory_source(line)]))
            for line in lines
            if self._memory_source(line) in found
        }

    def _store(
        self, memory: TranslationMemory | None, key: MemoryKey, lines: list[Line], results: dict[int, LineResult]
    ) -> None:
        """Keep the window's translated lines; a line nobody translated is asked again next run."""
        if memory is not None:
            memory.store(
                key,
                {
                    self._memory_source(line): json.dumps(asdict(results[line.id]), ensure_ascii=False)
                    for line in lines
                    if not results[line.id].untranslated
                },
            )

    def _windows(self, lines: list[Line], missing: list[Line], glossary: Glossary) -> list[_Window]:
        """Runs of consecutive missing lines, cut at ``settings.window`` lines."""
        position = {line.id: index for index, line in enumerate(lines)}
        windows: list[_Window] = []
        for line in missing:
            current = windows[-1].lines if windows else []
            if current and position[line.id] == position[current[-1].id] + 1 and len(current) < self.settings.window:
                current.append(line)
                continue
            start = position[line.id]
            windows.append(_Window([line], lines[max(0, start - CONTEXT_LINES) : start]))
        for window in windows:
            window.terms = {line.id: [t for _, _, t in line.terms(glossary).find(line.source)] for line in window.lines}
        return windows

    def _run(
        self,
        windows: list[_Window],
        glossary: Glossary,
        speakers: list[str],
        memory: TranslationMemory | None,
        key: MemoryKey,
    ) -> dict[int, LineResult]:
        """Windows at most ``concurrency`` at a time; each stored as it finishes. On a failure
        windows not yet started are cancelled, running ones finish and are kept, then it raises."""
        done: dict[int, LineResult] = {}
        error: BaseException | None = None
        with ThreadPoolExecutor(max(1, self.settings.concurrency)) as pool:
            futures: dict[Future, _Window] = {pool.submit(self._window, w, glossary, speakers): w for w in windows}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    if future.cancelled():
                        continue
                    if future.exception() is not None:
                        error = error or future.exception()
                        for other in pending:
                            other.cancel()
                        continue
                    results = future.result()
                    self._store(memory, key, futures[future].lines, results)
                    done.update(results)
        if error is not None:
            raise error
        return done

    # --- the re-ask ladder --------------------------------------------------------------

    def _window(self, window: _Window, glossary: Glossary, speakers: list[str]) -> dict[int, LineResult]:
        answers = self._ask(window, window.lines, speakers)
        again = [line for line in window.lines if line.id not in answers]
        if again:
            self._count("lines_reasked", len(again))
            answers.update(self._ask(window, again, speakers, retry=True))
        results: dict[int, LineResult] = {}
        for line in window.lines:
            if line.id not in answers:
                self._count("lines_single")
                answers[line.id] = self._ask_single(line, window.terms[line.id]) or ""
            text = answers[line.id]
            results[line.id] = LineResult(text or line.source, untranslated=not text)
        self._count("lines_untranslated", sum(r.untranslated for r in results.values()))
        self._fix(window, results, glossary, speakers)
        return results

    def _judge(self, reply: str, found: Mapping[int, str | None]) -> dict[int, str]:
        """The usable texts of one answer. An endpoint whose first ``UNUSABLE_LIMIT`` answers had
        none only chats, refuses or echoes junk: it is given up on (a weak model that translates
        now and then goes on, bounded by the ladder)."""
        usable = {line_id: text for line_id, text in found.items() if text}
        with self._lock:
            if usable or self._unusable < 0:
                self._unusable = -1  # it works, at least sometimes
                return usable
            self._unusable += 1
            if self._unusable < UNUSABLE_LIMIT:
                return usable
        last = " ".join(reply.split())[:60]
        raise self.endpoint.give_up(f"gave nothing usable in {UNUSABLE_LIMIT} answers (last: {last!r}); stopped asking")

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self.usage, name, getattr(self.usage, name) + amount)

    def _ask(self, window: _Window, lines: list[Line], speakers: list[str], retry: bool = False) -> dict[int, str]:
        """Valid translations by line id from one structured request (the others are left out)."""
        self._count("lines_asked", len(lines))
        note = (
            "Your previous answer lacked these lines or was not valid JSON; answer for exactly these ids."
            if retry
            else ""
        )
        user = (
            self._context(window, speakers)
            + ["Lines to translate:"]
            + [json.dumps(self._line_entry(line, window.terms[line.id]), ensure_ascii=False) for line in lines]
        )
        reply = self.endpoint.chat(
            self._messages(user, note), schema=_schema([item.id for item in lines]), max_tokens=_token_allowance(lines)
        )
        return self._judge(reply, self._parse(reply, lines))

    def _ask_single(self, line: Line, terms: list[Term]) -> str | None:
        """The last rung: one line alone, answered in plain text."""
        rules = [f"at most {line.budget} characters" if line.budget else ""]
        rules += [f"use '{t.rendering}' for {t.source}" for t in terms]
        system = (
            f"You translate one subtitle line from {_name(self.source)} to {_name(self.target)}. "
            "Reply with the translation only: no quotes, no notes, no JSON."
        )
        user = "; ".join(r for r in rules if r) + ("\n" if any(rules) else "") + line.source
        reply = self.endpoint.chat(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=_token_allowance([line]),
        )
        first = next((row.strip() for row in reply.splitlines() if row.strip()), "")
        return self._judge(reply, {line.id: self._clean(first.strip("\"'“”「」"), line)}).get(line.id)

    def _fix(self, window: _Window, results: dict[int, LineResult], glossary: Glossary, speakers: list[str]) -> None:
        """One targeted re-ask for lines missing glossary terms or over budget; keep what improves."""
        problems: dict[int, list[str]] = {}
        for line in window.lines:
            result = results[line.id]
            if result.untranslated:
                continue
            missing = verify(line.source, result.text, line.terms(glossary))
            result.glossary_reask = bool(missing)
            result.over_before_reask = line.over(result.text)
            notes = [f"must contain '{v.term.rendering}' (for {v.term.source})" for v in missing]
            if result.over_before_reask:
                notes.append(f"at most {line.budget} characters (now {len(result.text)}): condense it")
            if notes:
                problems[line.id] = notes
        if not problems:
            return
        lines = [line for line in window.lines if line.id in problems]
        self._count("lines_asked", len(lines))
        user = (
            self._context(window, speakers)
            + ["Fix these lines:"]
            + [
                json.dumps(
                    {
                        **self._line_entry(line, window.terms[line.id]),
                        "translation": results[line.id].text,
                        "problems": problems[line.id],
                    },
                    ensure_ascii=False,
                )
                for line in lines
            ]
        )
        reply = self.endpoint.chat(
            self._messages(user, "Return a corrected translation for each of these ids."),
            schema=_schema([item.id for item in lines]),
            max_tokens=_token_allowance(lines),
        )
        for line_id, text in self._judge(reply, self._parse(reply, lines)).items():
            line = next(item for item in lines if item.id == line_id)
            terms = line.terms(glossary)
            if _score(line, text, terms) < _score(line, results[line_id].text, terms):
                results[line_id].text = text

    # --- prompt and answer --------------------------------------------------------------

    def _messages(self, user: list[str], note: str) -> list[dict[str, str]]:
        system = (
            f"You translate the subtitles of a short vertical drama from {_name(self.source)} to {_name(self.target)}, "
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

    def _context(self, window: _Window, speakers: list[str]) -> list[str]:
        block = [f"Synopsis: {self.context}"] if self.context else []
        if self.examples:
            block.append("Approved translations from earlier episodes (use the same wording for the same lines):")
            block += [f"{source} → {target}" for source, target in self.examples]
        if speakers:
            block.append(f"Characters: {', '.join(speakers)}")
        terms = list(dict.fromkeys(t for found in window.terms.values() for t in found))
        if terms:
            block.append("Glossary (use exactly): " + "; ".join(f"{t.source} → {t.rendering}" for t in terms))
        if window.before:
            block.append("Earlier lines (context only):")
            block += [
                f"[{line.id}] {line.speaker + ': ' if line.speaker else ''}{line.source}" for line in window.before
            ]
        return block

    @staticmethod
    def _line_entry(line: Line, terms: list[Term]) -> dict[str, Any]:
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

    def _parse(self, reply: str, lines: list[Line]) -> dict[int, str]:
        """Valid texts by id from a JSON answer; anything else (extra ids, duplicates, markup) is dropped."""
        wanted = {line.id: line for line in lines}
        items = _json_lines(reply)
        ids = [item.get("id") for item in items]
        found: dict[int, str] = {}
        for item in items:
            line_id, text = item.get("id"), item.get("text")
            if (
                not isinstance(line_id, int)
                or line_id not in wanted
                or ids.count(line_id) > 1
                or not isinstance(text, str)
            ):
                continue
            clean = self._clean(text, wanted[line_id])
            if clean:
                found[line_id] = clean
        return found

    def _clean(self, text: str, line: Line) -> str | None:
        """One subtitle line, or None when the text is empty, far too long, leaks prompt, JSON or
        the API key, or is untranslated."""
        text = " ".join(text.split())
        if not text or len(text) > LONGEST * (line.budget or UNBUDGETED) or LEAK.search(text):
            return None
        if is_secret(self.settings.api_key) and self.settings.api_key in text:
            return None  # an echoing or compromised endpoint: never into subtitles or the memory
        if not is_unspaced(self.target) and any(map(is_han, text)):
            return None  # source script left in a target written without it
        return text


def untranslated_error(left: int, total: int, advice: str = "") -> ModelError:
    """The error for ``left`` of ``total`` lines without a usable answer (``advice`` follows);
    an :class:`EndpointError` when no line got one (the endpoint answers nothing usable)."""
    kind = EndpointError if left >= total else ModelError
    return kind(
        f"{left} of {total} line(s) got no usable translation from the LLM (source text kept)"
        + (f"; {advice}" if advice else "")
    )


def _json_lines(reply: str) -> list[dict[str, Any]]:
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


def _schema(ids: list[int]) -> dict[str, Any]:
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


def _token_allowance(lines: list[Line]) -> int:
    """Room for the answer: about a token per two budget characters, plus the JSON around it."""
    return sum((line.budget or UNBUDGETED) // 2 + 16 for line in lines) + 16


def _score(line: Line, text: str, glossary: Glossary) -> tuple[int, int]:
    """Lower is better: missing glossary terms first, then characters over budget."""
    missing = sum(v.expected - v.found for v in verify(line.source, text, glossary))
    return missing, max(0, len(text) - line.budget) if line.budget else 0


def _name(language: str) -> str:
    return NAMES.get(language, language)
