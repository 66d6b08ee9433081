"""One episode through the whole chain: transcribe once, then per market translate, time, dub.

Output layout (``OUT`` is ``output_dir``)::

    OUT/<episode>/manifest.json                      inputs, versions, settings, outputs, QC
    OUT/<episode>/<episode>.<src>.json|srt           the source transcript (or given subtitles)
    OUT/<episode>/<market>/<episode>.<lang>.<fmt>    subtitles per market (srt, vtt, ttml, ass)
    OUT/<episode>/<market>/dub.wav                   dubbed dialogue (with ``dub=True``)
    OUT/<episode>/<market>/muxed.mp4                 video + dub + soft subtitles (``dub=True``)
    OUT/<episode>/<market>/burned.mp4                subtitles burned in, source ones covered (market ``[burn]``)
    OUT/.cache/                                      stage results by content hash

Every stage result is cached by the hash of its inputs, settings and versions (see
:mod:`localize.pipeline.cache`), every output is written atomically, and the manifest is
written last: a run killed at any point is finished by running it again.

The jobs are split: :mod:`~localize.pipeline.keys` (options, inputs, versions),
:mod:`~localize.pipeline.source` (the source track and the cuts), this module (the flow
and each market's translate, time and check), :mod:`~localize.pipeline.deliver` (files
written, dub and burn through the cache) and :mod:`~localize.pipeline.manifest` (the result).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from localize.errors import InputError, LocalizeError, OptionError
from localize.fileio import sha256_file
from localize.media import check_input, probe
from localize.model import GlossaryReport, Track
from localize.paths import inside, safe_name
from localize.pipeline.cache import StageCache, code_version, hash_value
from localize.pipeline.deliver import Log, _burn, _cached_track, _Context, _dub, _write_subs
from localize.pipeline.edits import edited_track, edits_key, remember_delivered, take_edits, with_approved
from localize.pipeline.keys import RunOptions, _checked, _episode_key, _file_entry, _inputs, _settings, _versions
from localize.pipeline.manifest import (
    GlossaryResult,
    Manifest,
    MarketResult,
    RunInfo,
    TermUsage,
    TranslationResult,
    burn_report,
    dub_report,
)
from localize.pipeline.markets import MarketProfile, load_markets
from localize.pipeline.source import _shots, _source
from localize.review.suspect import suspect_flags
from localize.validate import (
    PATH_TYPES,
    as_flag,
    as_folder,
    as_items,
    as_optional_path,
    as_optional_text,
    as_path,
    public,
)


@public(options=RunOptions)
def run_episode(
    media: str | Path,
    markets: str | Sequence[str | MarketProfile],
    output_dir: str | Path,
    dub: bool = False,
    source_subs: str | Path | None = None,
    *,
    options: RunOptions | None = None,
    episode: str | None = None,
    log: Log | None = None,
) -> Manifest:
    """Localize one episode for each market; return (and write) its manifest.

    ``source_subs`` skips transcription; ``options`` (a :class:`RunOptions`) says how: source
    language, glossaries, models and engines, speakers, cut list, cache folder. ``output_dir``
    is the title folder whose speaker registry and ``speakers.toml`` keep labels and dub
    voices the same across episodes; ``episode`` names the episode folder (default: the
    media file name); ``log`` is told each stage as it finishes.

    >>> run_episode("ep01.mp4", "en-US", "out", options=RunOptions(language="zh", shots="ep01.csv"))
    """
    started_at, started = time.time(), time.perf_counter()
    options = _checked(options)
    media = check_input(as_path(media, "media"))
    output_dir, source_subs = as_folder(output_dir, "output_dir"), as_optional_path(source_subs, "source_subs")
    dub, episode = as_flag(dub, "dub"), as_optional_text(episode, "episode")
    glossaries = options.glossaries
    info = probe(media)
    profiles = load_markets(
        markets if isinstance(markets, str) else as_items(markets, "markets", (*PATH_TYPES, MarketProfile), one=False)
    )
    name = safe_name(episode or media.stem, "episode name")
    inside(output_dir, name)  # a link planted at OUT/<episode> must not lead the outputs elsewhere
    shots, context = options.shots, options.context
    inputs = _inputs(media, info, source_subs, glossaries, shots, context)
    ctx = _Context(
        media,
        info,
        output_dir / name,
        name,
        StageCache(as_folder(options.cache_dir or output_dir / ".cache", "cache_dir", error=OptionError)),
        log or _quiet,
        inputs.media.sha256,
        [media, *(Path(p) for p in (source_subs, shots, context) if p is not None), *map(Path, glossaries)],
        _synopsis(context),
    )
    profiles = [_with_engine(m, options.translate_engine, options.llm_model) for m in profiles]
    settings, versions = _settings(dub, options, profiles), _versions()
    ctx.cache.sweep()  # leftovers of killed runs
    # a person's changes to the delivered files are read back before anything is rewritten
    ctx.edits = take_edits(ctx.episode_dir, [m.code for m in profiles], options.edits, ctx.cache, ctx.log)
    edited = edits_key(ctx.edits, [m.code for m in profiles])
    key = _episode_key(inputs, settings, versions, edited)
    previous = _finished(ctx.episode_dir, key)
    if previous is not None:
        ctx.log(f"{name}: up to date")
        return replace(previous, run=replace(previous.run, up_to_date=True))  # this object only; the file keeps its run
    (ctx.episode_dir / "manifest.json").unlink(missing_ok=True)  # present only while outputs match it
    source_track, source_result, source_model = _source(
        ctx, inputs, source_subs, options, profiles, _source_edits(ctx) if ctx.edits.source else None
    )
    remember_delivered(ctx.cache, source_result.outputs, source_track)
    cuts = _shots(ctx, inputs, shots)
    results = {m.code: _market_or_say_which(ctx, m, source_track, cuts, glossaries, dub) for m in profiles}
    versions["models"] = {"transcribe": source_model, "voices": {c: r.voice for c, r in results.items() if r.dub}}
    manifest = Manifest(
        episode=name,
        key=key,
        inputs=inputs,
        versions=versions,
        settings=settings,
        source=replace(source_result, shots=cuts),
        markets=results,
        run=RunInfo(
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
            round(time.perf_counter() - started, 3),
            ctx.stages,
        ),
    )
    manifest.save(ctx.episode_dir / "manifest.json")
    return manifest


def _with_engine(market: MarketProfile, engine: str | None, model: str | None) -> MarketProfile:
    """The market with the translation engine and model given on the command line, if any;
    an llm market without a model takes the configured one (so it is part of the cache key)."""
    engine = engine or market.translate_engine
    if engine != "llm":
        return replace(market, translate_engine=engine, translate_model=None)
    from localize.translation import load_settings

    return replace(
        market, translate_engine=engine, translate_model=load_settings(model or market.translate_model).model
    )


def _source_edits(ctx: _Context) -> Callable[[Track], Track]:
    """The source transcript's edit layer put onto the machine's source track."""

    def edit(track: Track) -> Track:
        edited, taken, notes = edited_track(ctx.episode_dir, ctx.edits.source, track)
        for note in notes:
            ctx.log(note)
        ctx.log(f"{ctx.episode}: {taken} source line(s) taken from edits")
        return edited

    return edit


def _edited(ctx: _Context, code: str, machine: Track) -> tuple[Track, int]:
    """The market's machine track with its edit layer applied (if any); how many lines it changed."""
    layer = ctx.edits.layers.get(code) if ctx.edits is not None else None
    if layer is None:
        return machine, 0
    track, taken, notes = edited_track(ctx.episode_dir, layer, machine)
    for note in notes:
        ctx.log(note)
    return track, taken


def _quiet(_: str) -> None:
    """Default log: say nothing."""


def _finished(episode_dir: Path, key: str) -> Manifest | None:
    """The manifest of an earlier identical run whose outputs are all intact, else None."""
    path = episode_dir / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = Manifest.load(path)
        if manifest.key != key:
            return None
        expected = {o.path: o.sha256 for o in manifest.outputs()}
    except (InputError, ValueError):  # unreadable: run again
        return None
    for rel, digest in expected.items():
        file = episode_dir / rel
        if not file.is_file() or sha256_file(file) != digest:
            return None
    return manifest


def _synopsis(path: str | Path | None) -> str:
    """The text of the ``llm`` engine's context file, or "" without one."""
    if path is None:
        return ""
    from localize.translation import read_context

    return read_context(path)


def _market_or_say_which(ctx: _Context, market: MarketProfile, *args: Any) -> MarketResult:
    try:
        return _market(ctx, market, *args)
    except LocalizeError as error:
        raise type(error)(f"{market.code}: {error}") from None  # the kind stays (a batch counts endpoint failures)


def _market(
    ctx: _Context,
    market: MarketProfile,
    source: Track,
    cuts: list[int],
    title_glossaries: Sequence[str | Path],
    dub: bool,
) -> MarketResult:
    """Translate, time, check, write and (optionally) dub one market; its result."""
    from localize import timing

    layers = [*market.glossaries, *map(str, title_glossaries)]
    glossary = _load_glossary(layers, market.code)
    layer_files = [_file_entry(Path(p)) for p in layers]
    profile_name, profile = _timing_profile(market)
    known = _approved(ctx, market, source)
    translated = _translate(ctx, market, source, glossary, [f.sha256 for f in layer_files], profile, known)
    translated, approved = with_approved(translated, known)
    applicable = glossary.for_target(market.language, market.code) if glossary else None
    protected = applicable.targets() if applicable else []
    key = {
        "track": hash_value(translated.to_dict()),
        "profile": asdict(profile),
        "shots": cuts,
        "protected": protected,
        "code": code_version("localize.timing"),
    }
    timed = _cached_track(ctx, f"time-{market.code}", key, lambda: timing.retime(translated, profile, cuts, protected))
    timed, edited = _edited(ctx, market.code, timed)
    qc = timing.check(timed, profile, cuts)
    report = translated.translation.glossary if translated.translation else None
    folder = ctx.episode_dir / market.code
    inside(ctx.episode_dir, market.code)  # a planted link must not lead the market's outputs elsewhere
    lang = market.language.lower()
    outputs = [_write_subs(ctx, timed, folder / f"{ctx.episode}.{lang}.{fmt}") for fmt in market.formats]
    remember_delivered(ctx.cache, outputs, timed)
    result = MarketResult(
        market.language,
        profile_name,
        len(timed),
        qc,
        GlossaryResult(layer_files, report, glossary_usage(translated, applicable, report)),
        _translation_entry(translated),
        outputs,
        edited_lines=edited,
        approved_lines=approved,
        suspect={} if _same_language(source.language, market.language) else suspect_flags(timed, applicable),
    )
    if dub:
        dubbed, dub_outputs = _dub(ctx, market, timed, folder, cuts, source.language)
        outputs += dub_outputs
        result = replace(
            result, loudness_target=market.loudness, voice=dubbed["voice"], dub=dub_report(dubbed, outputs)
        )
    if market.burn and ctx.info.has_video:
        burned, burned_file = _burn(ctx, market, timed, folder, dub)
        outputs.append(burned_file)
        result = replace(result, burn=burn_report(burned, outputs))
    return result


def _load_glossary(layers: list[str], market: str) -> Any:
    if not layers:
        return None
    from localize.translation import load_glossaries

    return load_glossaries(layers, market=market)


def _same_language(a: str | None, b: str) -> bool:
    return (a or "").lower().split("-")[0] == b.lower().split("-")[0]


def _approved(ctx: _Context, market: MarketProfile, source: Track) -> dict[str, Any]:
    """The title's approved lines for this market from other episodes (normalized source -> pair)."""
    if _same_language(source.language, market.language):
        return {}
    from localize.translation.approved import ApprovedMemory

    return ApprovedMemory(ctx.episode_dir.parent).lookup((source.language or "und").lower(), market.code, ctx.episode)


def _translate(
    ctx: _Context,
    market: MarketProfile,
    source: Track,
    glossary: Any,
    layer_hashes: list[str],
    profile: Any,
    approved: dict[str, Any],
) -> Track:
    if _same_language(source.language, market.language):
        return source.replace(language=market.language)
    from localize.translation import backend_fingerprint

    engine, llm_model = market.translate_engine, market.translate_model
    examples = _examples(approved, source) if engine == "llm" else []
    key = {
        "track": hash_value(source.to_dict()),
        "target": market.language,
        "glossaries": layer_hashes,
        "market": market.code,
        "engine": engine,
        "engine_model": backend_fingerprint(engine, llm_model),
        "budgets": asdict(profile),
        "synopsis": hash_value(ctx.synopsis) if engine == "llm" else None,
        "code": code_version("localize.translation", "localize.language", "localize.chinese"),
        **({"examples": examples} if examples else {}),
    }
    # The engines' answers go to a memory beside the stage cache (the LLM's window by window):
    # an interrupted run, or one after a source line was corrected, asks only for the lines it lacks.
    memory = ctx.cache.root / ("llm-memory.sqlite3" if engine == "llm" else "memory.sqlite3")

    def build() -> Track:
        from localize.translation import translate
        from localize.translation.backends import get_translator

        translator = None
        if examples:  # approved pairs of earlier episodes, shown to the llm in its prompt
            translator = get_translator(source.language or "auto", market.language, engine, llm_model, ctx.synopsis)
            translator.examples = examples  # type: ignore[attr-defined]
        return translate(
            source,
            market.language,
            source=source.language,
            glossaries=[glossary] if glossary else (),
            cache=memory,
            market=market.code,
            options=market.translation_options(profile, ctx.synopsis),
            translator=translator,
        )

    stage = f"translate-{market.code}"
    track = _cached_track(ctx, stage, key, build)
    if track.translation is not None and track.translation.usage.lines_untranslated:
        # source text is no translation: nothing is timed, dubbed or burned; the next run asks
        # again only for these lines (the others are in the memory)
        ctx.cache.discard(stage, hash_value(key))
        from localize.translation import untranslated_error

        raise untranslated_error(
            track.translation.usage.lines_untranslated,
            track.translation.budget.cues,
            "nothing timed, dubbed or burned; run again to ask for those lines only",
        )
    return track


def _examples(approved: dict[str, Any], source: Track) -> list[tuple[str, str]]:
    from localize.translation.approved import examples

    return examples(approved, [c.plain_text for c in source.cues])


def _translation_entry(track: Track) -> TranslationResult | None:
    """Engine, model, requests and tokens, and budget overruns, for the manifest."""
    info = track.translation
    if info is None:
        return None
    return TranslationResult(info.engine, info.model, info.usage, info.budget)


def _timing_profile(market: MarketProfile) -> tuple[str, Any]:
    """The market's timing profile, or its documented fallback when that one does not exist."""
    from localize.timing import builtin_profiles, load_profile

    name = market.profile
    exists = name in builtin_profiles() or Path(name).is_file()
    if not exists and market.fallback_profile:
        name = market.fallback_profile
    return name, load_profile(name)


def glossary_usage(track: Track, glossary: Any, report: GlossaryReport | None) -> dict[str, TermUsage]:
    """Per glossary term in the source text: its approved rendering, occurrences, and the
    translations that miss it (from the translator's own sentence-level verification)."""
    if glossary is None:
        return {}
    counts = Counter(term.source for cue in track.cues for _, _, term in glossary.find(cue.source or ""))
    misses: dict[str, list[str]] = {}
    for violation in report.violations if report else []:
        misses.setdefault(violation.term, []).append(violation.found)
    renderings = {t.source: t.rendering for t in glossary.terms}
    return {source: TermUsage(renderings[source], n, misses.get(source, [])) for source, n in sorted(counts.items())}
