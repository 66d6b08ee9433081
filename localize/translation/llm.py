"""The ``llm`` engine: subtitles translated in windows by a chat model, one line per cue.

Each window of cues goes out as numbered lines with speaker, timing and a character
budget, after the lines before it (context only), with the glossary terms that occur
in it and an optional synopsis; the answer must be JSON keyed by line id. The re-ask
ladder: lines missing, malformed or leaking markup are asked again with their window,
then one at a time; lines missing glossary terms or over budget get one targeted
re-ask. Finished lines go to the translation memory window by window, so a re-run
costs nothing and an interrupted episode asks only for what it lacks. An answer is
usable only when it fits the line (at most three times its budget) and holds no secret
of the settings (the API key, a password or query value of the base URL); an endpoint
whose first ``UNUSABLE_LIMIT`` answers held nothing usable (it chats, refuses or answers
junk) is given up on.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict

from localize.errors import ModelError
from localize.model import EngineUsage
from localize.translation.enforce import verify
from localize.translation.glossary import Glossary, Term
from localize.translation.llm_endpoint import Endpoint, EndpointError
from localize.translation.llm_prompt import (
    Window,
    answer_schema,
    clean_line,
    context_block,
    language_name,
    line_entry,
    messages,
    parse_answer,
    token_allowance,
)
from localize.translation.llm_settings import LLMSettings
from localize.translation.memory import MemoryKey, TranslationMemory
from localize.translation.protocols import Line, LineResult

PROMPT_VERSION = "subtitle-v2"
CONTEXT_LINES = 3
UNUSABLE_LIMIT = 10  # answers without a usable line, before any had one, that give the endpoint up


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

    def _windows(self, lines: list[Line], missing: list[Line], glossary: Glossary) -> list[Window]:
        """Runs of consecutive missing lines, cut at ``settings.window`` lines."""
        position = {line.id: index for index, line in enumerate(lines)}
        windows: list[Window] = []
        for line in missing:
            current = windows[-1].lines if windows else []
            if current and position[line.id] == position[current[-1].id] + 1 and len(current) < self.settings.window:
                current.append(line)
                continue
            start = position[line.id]
            windows.append(Window([line], lines[max(0, start - CONTEXT_LINES) : start]))
        for window in windows:
            window.terms = {line.id: [t for _, _, t in line.terms(glossary).find(line.source)] for line in window.lines}
        return windows

    def _run(
        self,
        windows: list[Window],
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
            futures: dict[Future, Window] = {pool.submit(self._window, w, glossary, speakers): w for w in windows}
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

    def _window(self, window: Window, glossary: Glossary, speakers: list[str]) -> dict[int, LineResult]:
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

    def _clean(self, text: str, line: Line) -> str | None:
        return clean_line(text, line, self.target, self.settings.secrets)

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self.usage, name, getattr(self.usage, name) + amount)

    def _ask(self, window: Window, lines: list[Line], speakers: list[str], retry: bool = False) -> dict[int, str]:
        """Valid translations by line id from one structured request (the others are left out)."""
        self._count("lines_asked", len(lines))
        note = (
            "Your previous answer lacked these lines or was not valid JSON; answer for exactly these ids."
            if retry
            else ""
        )
        user = (
            context_block(window, speakers, self.context, self.examples)
            + ["Lines to translate:"]
            + [json.dumps(line_entry(line, window.terms[line.id]), ensure_ascii=False) for line in lines]
        )
        reply = self.endpoint.chat(
            messages(self.source, self.target, user, note),
            schema=answer_schema([item.id for item in lines]),
            max_tokens=token_allowance(lines),
        )
        return self._judge(reply, parse_answer(reply, lines, self._clean))

    def _ask_single(self, line: Line, terms: list[Term]) -> str | None:
        """The last rung: one line alone, answered in plain text."""
        rules = [f"at most {line.budget} characters" if line.budget else ""]
        rules += [f"use '{t.rendering}' for {t.source}" for t in terms]
        system = (
            f"You translate one subtitle line from {language_name(self.source)} to {language_name(self.target)}. "
            "Reply with the translation only: no quotes, no notes, no JSON."
        )
        user = "; ".join(r for r in rules if r) + ("\n" if any(rules) else "") + line.source
        reply = self.endpoint.chat(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=token_allowance([line]),
        )
        first = next((row.strip() for row in reply.splitlines() if row.strip()), "")
        return self._judge(reply, {line.id: self._clean(first.strip("\"'“”「」"), line)}).get(line.id)

    def _fix(self, window: Window, results: dict[int, LineResult], glossary: Glossary, speakers: list[str]) -> None:
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
            context_block(window, speakers, self.context, self.examples)
            + ["Fix these lines:"]
            + [
                json.dumps(
                    {
                        **line_entry(line, window.terms[line.id]),
                        "translation": results[line.id].text,
                        "problems": problems[line.id],
                    },
                    ensure_ascii=False,
                )
                for line in lines
            ]
        )
        reply = self.endpoint.chat(
            messages(self.source, self.target, user, "Return a corrected translation for each of these ids."),
            schema=answer_schema([item.id for item in lines]),
            max_tokens=token_allowance(lines),
        )
        for line_id, text in self._judge(reply, parse_answer(reply, lines, self._clean)).items():
            line = next(item for item in lines if item.id == line_id)
            terms = line.terms(glossary)
            if _score(line, text, terms) < _score(line, results[line_id].text, terms):
                results[line_id].text = text


def untranslated_error(left: int, total: int, advice: str = "") -> ModelError:
    """The error for ``left`` of ``total`` lines without a usable answer (``advice`` follows);
    an :class:`EndpointError` when no line got one (the endpoint answers nothing usable)."""
    kind = EndpointError if left >= total else ModelError
    return kind(
        f"{left} of {total} line(s) got no usable translation from the LLM (source text kept)"
        + (f"; {advice}" if advice else "")
    )


def _score(line: Line, text: str, glossary: Glossary) -> tuple[int, int]:
    """Lower is better: missing glossary terms first, then characters over budget."""
    missing = sum(v.expected - v.found for v in verify(line.source, text, glossary))
    return missing, max(0, len(text) - line.budget) if line.budget else 0
