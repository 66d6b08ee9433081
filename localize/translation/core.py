"""``translate()``: a track in, a translated track out, every glossary term enforced."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from localize.errors import InputError, ModelError, OptionError
from localize.formats import markup
from localize.language import base_language, detect_language, is_unspaced
from localize.model import (
    BudgetReport,
    Cue,
    EngineUsage,
    GlossaryReport,
    GlossaryViolation,
    Track,
    TranslationInfo,
    require_track,
)
from localize.timing import Profile, default_profile_name, load_profile
from localize.translation.backends import CachedTranslator, get_translator
from localize.translation.enforce import Protected, Violation, protect, repair, restore, verify
from localize.translation.glossary import Glossary, load_glossaries, with_variants
from localize.translation.memory import TranslationMemory
from localize.translation.options import TranslationOptions
from localize.translation.protocols import Line, LineTranslator, Translator
from localize.translation.sentences import Sentence, group_sentences, spread
from localize.validate import as_flag, as_optional_text, as_options, as_path, public

FLAG = "glossary"
UNTRANSLATED_FLAG = "llm: no usable translation; source text kept"
ARTICLE = re.compile(r"^(the|a|an|el|la|los|las|un|una|le|les|der|die|das)\s+", re.IGNORECASE)


@dataclass
class Outcome:
    """One sentence's translation and what enforcement found."""

    text: str
    violations: list[Violation] = field(default_factory=list)
    repaired: int = 0


@public(options=TranslationOptions)
def translate(
    track: Track,
    target: str,
    source: str | None = None,
    glossaries: Sequence[str | Path | Glossary] = (),
    market: str | None = None,
    options: TranslationOptions | None = None,
    *,
    cache: bool | str | Path = True,
    strict: bool = False,
    translator: Translator | None = None,
) -> Track:
    """Translate ``track`` into ``target`` (an ISO 639-1 code or a tag such as ``es-419``).

    Each cue keeps its original text in ``.source``. ``options`` picks the engine
    (:class:`TranslationOptions`, default Argos): with ``argos`` sentences spread over
    several cues are translated whole and spread back by time; with ``llm`` every cue gets
    one line, asked in windows with a character budget from the timing profile. Glossary
    terms (``glossaries``, with the rows for ``market``) are enforced, verified and
    repaired; what stays wrong is flagged on the cue and listed in
    ``result.translation.glossary``; with ``strict`` that raises :class:`LocalizeError`, as
    do lines the LLM left untranslated. ``cache`` is True (default memory), False, or a
    path to a memory file. ``translator``: an engine object to use instead of ``options.engine``.
    """
    options = as_options(options, TranslationOptions)
    as_optional_text(source, "source"), as_optional_text(market, "market"), as_flag(strict, "strict")
    cache = cache if isinstance(cache, bool) else as_path(cache, "cache", error=OptionError)
    marked, track = require_track(track), _unmarked(track)
    if not track.cues or not any(c.plain_text.strip() for c in track.cues):
        raise InputError("nothing to translate: the subtitle track has no text")
    target_language = base_language(target)
    unspaced = is_unspaced(target_language)
    source_language = _source_language(track, source)
    market = market or (target if target_language != target else None)
    # per-character terms of address (speaker/addressee rows) need line context
    # (localize.speakers.context); the general rows are enforced on every line
    terms = load_glossaries(glossaries, market).for_target(target_language, market)
    glossary = terms.for_line(None, None)
    timing = load_profile(options.profile or default_profile_name(target_language))
    translator = translator or get_translator(
        source_language, target_language, options.engine, options.model, options.context
    )
    digest = terms.digest()
    memory = TranslationMemory(None if cache is True else cache) if cache else None
    over_before: int | None = None
    try:
        if isinstance(translator, LineTranslator):
            result, report, over_before = _translate_lines(
                track, translator, terms, timing, memory, digest, options.enforce
            )
            result.language = target
        else:
            cached = CachedTranslator(translator, memory, digest) if memory is not None else translator
            sentences = group_sentences(track.cues)
            outcomes = _translate_sentences(sentences, glossary, cached, unspaced, options.enforce)
            result = _apply(track, sentences, outcomes, glossary, unspaced, target)
            report = _report(sentences, outcomes, glossary)
    finally:
        if memory is not None:
            memory.close()
    _remarked(result, marked)
    result.translation = TranslationInfo(
        source_language,
        target,
        translator.engine,
        translator.model_version,
        digest,
        report,
        _budget(result, timing, over_before),
        getattr(translator, "usage", EngineUsage()),
    )
    violations = result.translation.glossary.violations
    if strict and result.translation.usage.lines_untranslated:
        from localize.translation.llm import untranslated_error

        raise untranslated_error(result.translation.usage.lines_untranslated, result.translation.budget.cues)
    if strict and violations:
        first = violations[0]
        raise ModelError(
            f"{len(violations)} glossary violation(s) remain; first: cue {first.cue}: "
            f"'{first.term}' should be '{first.expected}', found: {first.found}"
        )
    return result


def _unmarked(track: Track) -> Track:
    """``track`` as engines and glossaries see it: cue text without markup (:mod:`localize.formats.markup`)."""
    return Track([replace(c, text=markup.plain(c.text)) for c in track.cues], track.language, track.fps, track.meta)


def _remarked(result: Track, marked: Track) -> None:
    """Each translation styled as its whole source cue was (an italic off-screen line stays italic);
    the sources keep their markup. Styling of part of a cue has no place to go in another language."""
    for cue, source in zip(result.cues, marked.cues):
        cue.text = markup.compose([(cue.text, markup.whole_look(source.text))])
        cue.source = source.text


def _translate_lines(
    track: Track,
    translator: LineTranslator,
    glossary: Glossary,
    timing: Profile,
    memory: TranslationMemory | None,
    digest: str,
    enforce: bool,
) -> tuple[Track, GlossaryReport, int]:
    """One line per cue from a line translator, each verified, repaired or flagged; also the
    number of lines over budget before the engine's re-ask. ``glossary`` may hold
    per-character terms of address: each line is held to the rows for its speaker and
    likely addressee (:func:`localize.speakers.context.line_context`)."""
    from localize.speakers import line_context

    cues = [Cue(c.start, c.end, "", c.text, c.speaker, [], list(c.flags), list(c.line_speakers)) for c in track.cues]
    lines = [
        Line(n, c.plain_text, c.start, c.end, c.speaker, timing.char_budget(c.duration), who.addressee)
        for n, (c, who) in enumerate(zip(track.cues, line_context(track.cues)), 1)
        if c.plain_text.strip()
    ]
    results = translator.translate_lines(lines, glossary, memory, digest)
    report = GlossaryReport()
    for line, result in zip(lines, results):
        cue = cues[line.id - 1]
        if result.untranslated:
            cue.flags.append(UNTRANSLATED_FLAG)
        applicable = line.terms(glossary)
        outcome = _enforce(line.source, result.text, Protected(result.text), applicable, False, enforce)
        cue.text = outcome.text
        _count_line(report, applicable, line.source, outcome, result.glossary_reask)
        report.violations += [
            GlossaryViolation(v.term.source, v.term.rendering, v.expected, v.found, line.id, [line.id], outcome.text)
            for v in outcome.violations
        ]
        for violation in outcome.violations:
            cue.flags.append(f"{FLAG}: '{violation.term.source}' should be '{violation.term.rendering}'")
    over_before = sum(r.over_before_reask for r in results)
    return Track(cues, track.language, track.fps, copy.deepcopy(track.meta)), report, over_before


def _count_line(report: GlossaryReport, glossary: Glossary, source: str, outcome: Outcome, reasked: bool) -> None:
    """Add one translated unit to the report's term and line counts."""
    found = len(glossary.find(source))
    report.terms_checked += found
    report.repaired += outcome.repaired
    if not found:
        return
    report.lines_with_terms += 1
    if outcome.violations:
        report.lines_flagged += 1
    elif outcome.repaired:
        report.lines_repaired += 1
    elif reasked:
        report.right_after_reask += 1
    else:
        report.right_first_time += 1


def _budget(track: Track, timing: Profile, over_before: int | None) -> BudgetReport:
    """Cues longer than their timing allows, before (when the engine re-asks) and after."""
    spoken = [c for c in track.cues if c.source and c.source.strip()]
    over = sum(len(c.plain_text) > timing.char_budget(c.duration) for c in spoken)
    return BudgetReport(timing.name, len(spoken), over if over_before is None else over_before, over)


def read_context(path: str | Path) -> str:
    """A synopsis file for the ``llm`` engine's prompt (UTF-8 text), or an InputError."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: context file not found") from None
    except (UnicodeDecodeError, OSError) as error:
        raise InputError(f"{path}: cannot read the context file ({type(error).__name__})") from None


def _source_language(track: Track, source: str | None) -> str:
    if source and source != "auto":
        return base_language(source)
    if track.language:
        return base_language(track.language)
    text = track.text()
    detected = detect_language(text)
    if detected is None:
        raise InputError("cannot tell the source language; pass it with --from")
    return base_language(detected)


def _translate_sentences(
    sentences: list[Sentence], glossary: Glossary, translator: Translator, unspaced: bool, enforce: bool
) -> list[Outcome]:
    protected = [protect(s.text, glossary) if enforce else Protected(s.text) for s in sentences]
    raw = translator.translate([p.text for p in protected])
    outcomes = [_enforce(s.text, r, p, glossary, unspaced, enforce) for s, r, p in zip(sentences, raw, protected)]
    if enforce:
        _second_chance(sentences, outcomes, glossary, translator, unspaced)
    return outcomes


def _enforce(source: str, raw: str, protected: Protected, glossary: Glossary, unspaced: bool, enforce: bool) -> Outcome:
    text = restore(raw, protected, unspaced)  # also drops placeholders the engine invented
    violations = verify(source, text, glossary)
    if not enforce or not violations:
        return Outcome(text, violations)
    fixed = repair(text, violations, glossary)
    left = verify(source, fixed, glossary)
    return Outcome(fixed, left, _missing(violations) - _missing(left))


def _missing(violations: list[Violation]) -> int:
    """Term occurrences whose target is missing."""
    return sum(v.expected - v.found for v in violations)


def _second_chance(
    sentences: list[Sentence], outcomes: list[Outcome], glossary: Glossary, translator: Translator, unspaced: bool
) -> None:
    """Retry sentences still in violation two ways and keep whatever leaves fewest misses:
    protecting only the missed terms (an engine that drops one of two placeholders keeps
    one), and the unprotected translation. Both are repaired with the engine's own
    rendering of each missed term (the term translated alone) learned as a wrong variant."""
    failing = [i for i, o in enumerate(outcomes) if o.violations]
    if not failing:
        return
    terms = list(dict.fromkeys(v.term for i in failing for v in outcomes[i].violations))
    renderings = dict(zip(terms, translator.translate([t.source for t in terms])))
    learned = Glossary([with_variants(t, [_bare(renderings[t])]) if t in renderings else t for t in glossary.terms])
    partial = [protect(sentences[i].text, Glossary([v.term for v in outcomes[i].violations])) for i in failing]
    retries = zip(
        translator.translate([p.text for p in partial]), translator.translate([sentences[i].text for i in failing])
    )
    for index, protected, (partly, plain) in zip(failing, partial, retries):
        source = sentences[index].text
        for text in (outcomes[index].text, restore(partly, protected, unspaced), plain):
            fixed = repair(text, verify(source, text, learned), learned)
            left = verify(source, fixed, glossary)
            before = outcomes[index]
            if _missing(left) < _missing(before.violations):
                outcomes[index] = Outcome(fixed, left, before.repaired + _missing(before.violations) - _missing(left))


def _bare(rendering: str) -> str:
    """An engine's rendering of a lone term, without final stop or leading article."""
    return ARTICLE.sub("", rendering.strip().rstrip(".。!！")).strip()


def _apply(
    track: Track, sentences: list[Sentence], outcomes: list[Outcome], glossary: Glossary, unspaced: bool, target: str
) -> Track:
    """The translated track: each sentence spread over its cues, violations flagged on them."""
    cues = [Cue(c.start, c.end, "", c.text, c.speaker, [], list(c.flags), list(c.line_speakers)) for c in track.cues]
    keep = glossary.targets()
    for sentence, outcome in zip(sentences, outcomes):
        group = [cues[i] for i in sentence.cues]
        for cue, text in zip(group, spread(outcome.text, group, unspaced, keep)):
            cue.text = text
        for violation in outcome.violations:
            for cue in group:
                cue.flags.append(f"{FLAG}: '{violation.term.source}' should be '{violation.term.rendering}'")
    return Track(cues, target, track.fps, copy.deepcopy(track.meta))  # new cues: no need to copy the old ones


def _report(sentences: list[Sentence], outcomes: list[Outcome], glossary: Glossary) -> GlossaryReport:
    report = GlossaryReport()
    for sentence, outcome in zip(sentences, outcomes):
        _count_line(report, glossary, sentence.text, outcome, False)
        numbers = [i + 1 for i in sentence.cues]
        report.violations += [
            GlossaryViolation(v.term.source, v.term.rendering, v.expected, v.found, numbers[0], numbers, outcome.text)
            for v in outcome.violations
        ]
    return report
