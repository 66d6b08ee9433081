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
"""
from __future__ import annotations

import functools
import json
import platform
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from localize import processes
from localize.errors import LocalizeError
from localize.fileio import atomic_path, refuse_overwrite, sha256_file, write_text_atomic
from localize.media import MediaInfo, check_input, probe
from localize.model import Track
from localize.paths import inside, safe_name
from localize.pipeline.cache import StageCache, canonical, code_version, hash_value
from localize.pipeline.markets import MarketProfile, load_markets
from localize.validate import PATH_TYPES, as_items, as_optional_path, as_path

MANIFEST_VERSION = 1
STAGE_PACKAGES = ("localize.transcription", "localize.translation", "localize.timing", "localize.dubbing", "localize.formats",
                  "localize.hardsub", "localize.delivery")
TOOL_PACKAGES = ("faster-whisper", "ctranslate2", "argostranslate", "scenedetect-headless", "piper-tts", "pyloudnorm",
                 "rapidocr")
PATH_META = ("source", "model_path")
Log = Callable[[str], None]


@dataclass
class Manifest:
    """What a run made and from what. ``run`` holds the only run-specific (non-reproducible) data."""

    episode: str
    key: str
    inputs: dict[str, Any]
    versions: dict[str, Any]
    settings: dict[str, Any]
    source: dict[str, Any]
    markets: dict[str, Any]
    run: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"manifest_version": MANIFEST_VERSION, **self.__dict__}

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("manifest_version", None)
        return cls(**data)

    def outputs(self) -> list[dict[str, Any]]:
        """Every output (path relative to the episode folder, sha256, bytes)."""
        found = list(self.source.get("outputs", []))
        for market in self.markets.values():
            found += market["outputs"]
        return found


@dataclass
class _Context:
    """What every stage of one episode run needs."""

    media: Path
    info: MediaInfo
    episode_dir: Path
    episode: str
    cache: StageCache
    log: Log
    media_sha256: str
    inputs: list[Path] = field(default_factory=list)
    synopsis: str = ""  # the llm engine's context file, read once
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def stage(self, name: str, hit: bool, started: float) -> None:
        self.stages[name] = {"seconds": round(time.perf_counter() - started, 3), "cached": hit}
        self.log(f"{self.episode}: {name} {'(cached)' if hit else 'done'} in {self.stages[name]['seconds']:.1f} s")


def run_episode(
    media: str | Path,
    markets: str | Sequence[str | MarketProfile],
    output_dir: str | Path,
    dub: bool = False,
    source_subs: str | Path | None = None,
    *,
    episode: str | None = None,
    language: str = "auto",
    glossaries: Sequence[str | Path] = (),
    model: str | None = None,
    engine: str = "faster-whisper",
    shots: str | Path | None = None,
    cache_dir: str | Path | None = None,
    log: Log | None = None,
    translate_engine: str | None = None,
    llm_model: str | None = None,
    speakers: str | int = "off",
    source: str = "audio",
    context: str | Path | None = None,
) -> Manifest:
    """Localize one episode for each market; return (and write) its manifest.

    ``source_subs`` skips transcription; ``language`` is the source language ("auto" to
    detect); ``glossaries`` are title-level glossary files added to each market's layers;
    ``shots`` is a cut list file (else cuts are detected in the video). ``translate_engine``
    and ``llm_model``, when given, override each market's ``[translate]`` engine and model;
    ``context`` is a synopsis file for the ``llm`` engine's prompt.
    ``speakers`` ("off", "auto" or a count) labels speakers when transcribing; ``output_dir``
    is the title folder whose speaker registry and ``speakers.toml`` keep labels and dub
    voices the same across episodes. ``source``: where transcription reads the dialogue:
    "audio", "hardsub" (burned-in subtitles) or "auto".
    """
    started_at, started = time.time(), time.perf_counter()
    media = check_input(as_path(media, "media"))
    output_dir, source_subs = as_path(output_dir, "output_dir"), as_optional_path(source_subs, "source_subs")
    glossaries = as_items(glossaries, "glossaries", PATH_TYPES)
    info = probe(media)
    profiles = load_markets(markets if isinstance(markets, str) else as_items(markets, "markets", (*PATH_TYPES, MarketProfile), one=False))
    name = safe_name(episode or media.stem, "episode name")
    inside(output_dir, name)  # a link planted at OUT/<episode> must not lead the outputs elsewhere
    inputs = _inputs(media, info, source_subs, glossaries, shots, context)
    ctx = _Context(media, info, output_dir / name, name, StageCache(cache_dir or output_dir / ".cache"),
                   log or _quiet, inputs["media"]["sha256"],
                   [media, *(Path(p) for p in (source_subs, shots, context) if p is not None), *map(Path, glossaries)],
                   _synopsis(context))
    profiles = [_with_engine(m, translate_engine, llm_model) for m in profiles]
    settings = _settings(dub, language, model, engine, profiles)
    if str(speakers) != "off":
        settings["speakers"] = str(speakers)
    if source != "audio":  # the default keeps the keys (and caches) of earlier runs
        settings["source"] = source
    versions = _versions()
    key = hash_value({"inputs": _strip_paths(inputs), "settings": settings, "code": versions["code"],
                      "argos": versions["argos_packages"]})
    ctx.cache.sweep()  # leftovers of killed runs
    previous = _finished(ctx.episode_dir, key)
    if previous is not None:
        ctx.log(f"{name}: up to date")
        previous.run = {**previous.run, "up_to_date": True}  # this object only; the file keeps its run
        return previous
    (ctx.episode_dir / "manifest.json").unlink(missing_ok=True)  # present only while outputs match it
    source_track, source_info = _source(ctx, inputs, source_subs, language, model, engine, profiles, glossaries,
                                        speakers, source)
    cuts = _shots(ctx, inputs, shots)
    source_info["shots"] = cuts
    results = {m.code: _market_or_say_which(ctx, m, source_track, cuts, glossaries, dub) for m in profiles}
    versions["models"] = {"transcribe": source_info.pop("model", None),
                          "voices": {c: r.get("dub", {}).get("voice") for c, r in results.items() if r.get("dub")}}
    manifest = Manifest(
        episode=name, key=key, inputs=inputs, versions=versions, settings=settings, source=source_info,
        markets=results, run={"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
                              "seconds": round(time.perf_counter() - started, 3), "stages": ctx.stages},
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

    return replace(market, translate_engine=engine, translate_model=load_settings(model or market.translate_model).model)


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
        expected = {o["path"]: o["sha256"] for o in manifest.outputs()}
    except (ValueError, TypeError, KeyError, AttributeError):  # unreadable: run again
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


# --- inputs, settings, versions -------------------------------------------------------


def _inputs(media: Path, info: MediaInfo, subs: str | Path | None, glossaries: Sequence[str | Path],
            shots: str | Path | None, context: str | Path | None) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "media": {**_file_entry(media), "duration_ms": info.duration, "has_video": info.has_video,
                  "fps": str(info.fps) if info.fps else None, "width": info.width, "height": info.height},
        "glossaries": [_file_entry(check_input(g)) for g in glossaries],
    }
    if subs is not None:
        inputs["source_subs"] = _file_entry(check_input(subs))
    if shots is not None:
        inputs["shots"] = _file_entry(check_input(shots))
    if context is not None:
        inputs["context"] = _file_entry(check_input(context))
    return inputs


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": str(path.resolve()), "sha256": sha256_file(path), "bytes": path.stat().st_size}


def _strip_paths(value: Any) -> Any:
    """Inputs minus their paths: moving a file elsewhere does not invalidate results."""
    if isinstance(value, dict):
        return {k: _strip_paths(v) for k, v in value.items() if k != "path"}
    if isinstance(value, list):
        return [_strip_paths(v) for v in value]
    return value


def _settings(dub: bool, language: str, model: str | None, engine: str,
              profiles: list[MarketProfile]) -> dict[str, Any]:
    return {"dub": dub, "language": language, "model": model, "engine": engine,
            "markets": {m.code: m.to_dict() for m in profiles}}


def _versions() -> dict[str, Any]:
    return {
        "localize": _package_version("localize"),
        "python": platform.python_version(),
        "ffmpeg": _ffmpeg_version(),
        "packages": {name: _package_version(name) for name in TOOL_PACKAGES},
        "code": {name: code_version(name) for name in (*STAGE_PACKAGES, "localize.pipeline")},
        "argos_packages": _argos_packages(),
    }


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def _ffmpeg_version() -> str | None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    words = processes.run([ffmpeg, "-version"], text=True).stdout.split()
    return words[2] if len(words) > 2 else None  # "ffmpeg version 6.1.1 ..."


def _argos_packages() -> list[dict[str, Any]]:
    """Installed translation packages with a hash of each model: new models mean new translations."""
    try:
        from localize.translation import installed_pairs
    except ImportError:
        return []
    found = []
    for package in installed_pairs():
        model = package.path / "model" / "model.bin"
        stat = model.stat() if model.is_file() else None
        digest = _model_digest(str(model), stat.st_size, stat.st_mtime_ns) if stat else None
        found.append({"pair": package.pair, "version": package.version, "model_sha256": digest})
    return found


@functools.cache
def _model_digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


# --- track (de)serialization for the cache ---------------------------------------------


def _cached_track(ctx: _Context, stage: str, key: dict[str, Any], build: Callable[[], Track]) -> Track:
    started = time.perf_counter()
    data, hit = ctx.cache.read_json(stage, hash_value(key), lambda: build().to_dict())
    ctx.stage(stage, hit, started)
    return Track.from_dict(data)


# --- stages -----------------------------------------------------------------------------


def _source(ctx: _Context, inputs: dict[str, Any], subs: str | Path | None, language: str, model: str | None,
            engine: str, profiles: list[MarketProfile], glossaries: Sequence[str | Path],
            speakers: str | int = "off", source: str = "audio") -> tuple[Track, dict[str, Any]]:
    """The source-language track: the given subtitles, or a (cached) transcription."""
    if subs is not None:
        key = {"subs": inputs["source_subs"]["sha256"], "language": language, "code": code_version("localize.formats")}
        track = _cached_track(ctx, "source", key, lambda: _load_subs(Path(subs), language))
    else:
        terms = _bias_terms(profiles, glossaries)
        key = {"media": inputs["media"]["sha256"], "language": language, "model": model, "engine": engine,
               "terms": terms, "code": code_version("localize.transcription"),
               "lib": _package_version("faster-whisper")}
        if str(speakers) != "off":
            key |= {"speakers": str(speakers), "speakers_code": code_version("localize.speakers")}
        if source != "audio":
            key |= {"source": source, "ocr": code_version("localize.hardsub"), "ocr_lib": _package_version("rapidocr")}
        title = ctx.episode_dir.parent
        track = _cached_track(ctx, "transcribe", key,
                              lambda: _transcribe(ctx.media, language, model, engine, terms, speakers, title, source))
    if ctx.info.fps:
        track = track.replace(fps=ctx.info.fps)
    lang = (track.language or "und").lower()
    outputs = [_write_subs(ctx, track, ctx.episode_dir / f"{ctx.episode}.{lang}.{fmt}") for fmt in ("json", "srt")]
    origin = "subtitles" if subs is not None else ("hardsub" if track.meta.get("from") == "hardsub" else "transcription")
    info = {"language": lang, "from": origin, "cues": len(track),
            "outputs": outputs, "model": {k: track.meta.get(k) for k in ("engine", "model", "model_sha256")
                                          if k in track.meta} or None}
    return track, info


def _load_subs(path: Path, language: str) -> Track:
    from localize.formats import load
    from localize.language import detect_language

    track = load(path)
    if language != "auto":
        return track.replace(language=language)
    if track.language:
        return track
    detected = detect_language(track.text())
    if detected is None:
        raise LocalizeError(f"{path}: cannot tell the language of these subtitles; give it with --language")
    return track.replace(language=detected)


def _transcribe(media: Path, language: str, model: str | None, engine: str, terms: list[str],
                speakers: str | int = "off", title: Path | None = None, source: str = "audio") -> Track:
    from localize.transcription import transcribe

    track = transcribe(media, language=language, model=model, engine=engine, glossary=terms or None,
                       speakers=speakers, title=title if str(speakers) != "off" else None, source=source)
    # machine-specific paths stay out of outputs (the manifest records the inputs)
    return track.replace(meta={k: v for k, v in track.meta.items() if k not in PATH_META})


def _bias_terms(profiles: list[MarketProfile], glossaries: Sequence[str | Path]) -> list[str]:
    """Source terms of all glossaries, to bias recognition towards names."""
    paths = sorted({*map(str, glossaries), *(g for m in profiles for g in m.glossaries)})
    if not paths:
        return []
    from localize.translation import load_glossaries

    return sorted({t.source for t in load_glossaries(paths).terms})


def _shots(ctx: _Context, inputs: dict[str, Any], shots: str | Path | None) -> list[int]:
    """Cut times in ms: from a cut list, detected in the video, or none for audio."""
    from localize import timing

    started = time.perf_counter()
    if shots is not None:
        cuts = list(timing.read_shots(shots))
        ctx.stage("shots", False, started)
        return cuts
    if not ctx.info.has_video:
        return []
    key = {"media": inputs["media"]["sha256"], "code": code_version("localize.timing")}
    cuts, hit = ctx.cache.read_json("shots", hash_value(key), lambda: list(timing.detect_shots(ctx.media, cache=False)))
    ctx.stage("shots", hit, started)
    return cuts


def _market_or_say_which(ctx: _Context, market: MarketProfile, *args: Any) -> dict[str, Any]:
    try:
        return _market(ctx, market, *args)
    except LocalizeError as error:
        raise type(error)(f"{market.code}: {error}") from None  # the kind stays (a batch counts endpoint failures)


def _market(ctx: _Context, market: MarketProfile, source: Track, cuts: list[int],
            title_glossaries: Sequence[str | Path], dub: bool) -> dict[str, Any]:
    """Translate, time, check, write and (optionally) dub one market; its manifest entry."""
    from localize import timing

    layers = [*market.glossaries, *map(str, title_glossaries)]
    glossary = _load_glossary(layers, market.code)
    layer_files = [_file_entry(Path(p)) for p in layers]
    profile_name, profile = _timing_profile(market)
    translated = _translate(ctx, market, source, glossary, [f["sha256"] for f in layer_files], profile)
    applicable = glossary.for_target(market.language, market.code) if glossary else None
    protected = applicable.targets() if applicable else []
    key = {"track": hash_value(translated.to_dict()), "profile": asdict(profile), "shots": cuts,
           "protected": protected, "code": code_version("localize.timing")}
    timed = _cached_track(ctx, f"time-{market.code}", key, lambda: timing.retime(translated, profile, cuts, protected))
    qc = timing.check(timed, profile, cuts).to_dict()
    report = translated.translation.glossary.to_dict() if translated.translation else None
    folder = ctx.episode_dir / market.code
    inside(ctx.episode_dir, market.code)  # a planted link must not lead the market's outputs elsewhere
    lang = market.language.lower()
    outputs = [_write_subs(ctx, timed, folder / f"{ctx.episode}.{lang}.{fmt}") for fmt in market.formats]
    entry: dict[str, Any] = {
        "language": market.language, "timing_profile": profile_name, "cues": len(timed), "qc": qc,
        "glossary": {"layers": layer_files,
                     "report": report,
                     "usage": glossary_usage(translated, applicable, report)},
        "translation": _translation_entry(translated),
        "outputs": outputs,
    }
    if dub:
        entry["loudness_target"] = market.loudness
        entry["dub"], dub_outputs = _dub(ctx, market, timed, folder, cuts, source.language)
        entry["outputs"] += dub_outputs
    if market.burn and ctx.info.has_video:
        entry["burn"], burned = _burn(ctx, market, timed, folder, dub)
        entry["outputs"].append(burned)
    return entry


def _load_glossary(layers: list[str], market: str) -> Any:
    if not layers:
        return None
    from localize.translation import load_glossaries

    return load_glossaries(layers, market=market)


def _same_language(a: str | None, b: str) -> bool:
    return (a or "").lower().split("-")[0] == b.lower().split("-")[0]


def _translate(ctx: _Context, market: MarketProfile, source: Track, glossary: Any, layer_hashes: list[str],
               profile: Any) -> Track:
    if _same_language(source.language, market.language):
        return source.replace(language=market.language)
    engine, llm_model = market.translate_engine, market.translate_model
    key = {"track": hash_value(source.to_dict()), "target": market.language,
           "glossaries": layer_hashes, "market": market.code, "engine": engine,
           "engine_model": llm_model if engine == "llm" else _argos_packages(), "budgets": asdict(profile),
           "synopsis": hash_value(ctx.synopsis) if engine == "llm" else None,
           "code": code_version("localize.translation")}
    # The LLM's answers go to a memory beside the stage cache, window by window: an
    # interrupted run asks again only for the lines it lacks.
    memory = ctx.cache.root / "llm-memory.sqlite3" if engine == "llm" else False

    def build() -> Track:
        from localize.translation import translate

        return translate(source, market.language, source=source.language,
                         glossaries=[glossary] if glossary else (), cache=memory, market=market.code,
                         engine=engine, model=llm_model, profile=profile, context=ctx.synopsis)

    stage = f"translate-{market.code}"
    track = _cached_track(ctx, stage, key, build)
    if track.translation is not None and track.translation.usage.lines_untranslated:
        # source text is no translation: nothing is timed, dubbed or burned; the next run asks
        # again only for these lines (the others are in the memory)
        ctx.cache.discard(stage, hash_value(key))
        from localize.translation import untranslated_error

        raise untranslated_error(track.translation.usage.lines_untranslated, track.translation.budget.cues,
                                 "nothing timed, dubbed or burned; run again to ask for those lines only")
    return track


def _translation_entry(track: Track) -> dict[str, Any] | None:
    """Engine, model, requests and tokens, and budget overruns, for the manifest."""
    info = track.translation
    if info is None:
        return None
    return {"engine": info.engine, "model": info.model, "usage": asdict(info.usage), "budget": asdict(info.budget)}


def _timing_profile(market: MarketProfile) -> tuple[str, Any]:
    """The market's timing profile, or its documented fallback when that one does not exist."""
    from localize.timing import builtin_profiles, load_profile

    name = market.profile
    exists = name in builtin_profiles() or Path(name).is_file()
    if not exists and market.fallback_profile:
        name = market.fallback_profile
    return name, load_profile(name)


def glossary_usage(track: Track, glossary: Any, report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per glossary term in the source text: its approved rendering, occurrences, and the
    translations that miss it (from the translator's own sentence-level verification)."""
    if glossary is None:
        return {}
    counts = Counter(term.source for cue in track.cues for _, _, term in glossary.find(cue.source or ""))
    misses: dict[str, list[str]] = {}
    for violation in (report or {}).get("violations", []):
        misses.setdefault(violation.get("term"), []).append(violation.get("found", ""))
    renderings = {t.source: t.rendering for t in glossary.terms}
    return {source: {"target": renderings[source], "occurrences": n, "misses": misses.get(source, [])}
            for source, n in sorted(counts.items())}


def _write_subs(ctx: _Context, track: Track, target: Path) -> dict[str, Any]:
    from localize.formats import save

    refuse_overwrite([target], ctx.inputs)
    save(track, target)  # atomic
    return _output_entry(ctx, target)


def _output_entry(ctx: _Context, path: Path) -> dict[str, Any]:
    return {"path": path.relative_to(ctx.episode_dir).as_posix(), "sha256": sha256_file(path),
            "bytes": path.stat().st_size}


def _cast(ctx: _Context, market: MarketProfile, timed: Track) -> dict[str, Any]:
    """The voices the title's speakers get in this market (part of the dub's cache key)."""
    from localize.dubbing import cast_speakers

    cast = cast_speakers(timed.cues, timed.language, market.voice, market.voices, ctx.episode_dir.parent, market.code)
    return {"voices": cast.voices, "names": cast.names, "aliases": cast.aliases}


def _dub(ctx: _Context, market: MarketProfile, timed: Track, folder: Path, cuts: list[int],
         source_language: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Dub (and mux) into the cache, then copy the files into the market folder."""
    mux = market.mux and ctx.info.has_video
    key = {"track": hash_value(timed.to_dict()), "media": ctx.media_sha256, "voice": market.voice,
           "voices": market.voices, "loudness": market.loudness, "true_peak": market.true_peak,
           "max_speed": market.max_speed, "mux": mux, "mux_subtitles": market.mux_subtitles, "shots": cuts,
           "original_language": source_language, "cast": _cast(ctx, market, timed),
           "code": [code_version("localize.dubbing"), code_version("localize.formats")]}

    def build(entry: Path) -> None:
        from localize.dubbing import dub
        from localize.formats import save

        subtitles = []
        for fmt in market.mux_subtitles if mux else ():
            subtitles.append((save(timed, entry / f"subtitles.{fmt}"), market.language))
        report = dub(timed, entry / "dub.wav", video=ctx.media if ctx.info.has_video else None,
                     voice=market.voice, voices=market.voices or None, loudness=market.loudness,
                     true_peak=market.true_peak, mux=entry / "muxed.mp4" if mux else None,
                     subtitles=subtitles, max_speed=market.max_speed, shots=cuts, original_language=source_language,
                     title=ctx.episode_dir.parent, market=market.code)
        data = {k: v for k, v in report.to_dict().items() if k not in ("output", "mux")}  # temp paths
        (entry / "report.json").write_bytes(canonical({**data, "voice": market.voice}))

    started = time.perf_counter()
    entry, hit = ctx.cache.compute(f"dub-{market.code}", hash_value(key), build)
    ctx.stage(f"dub-{market.code}", hit, started)
    outputs = []
    for name in ("dub.wav", "muxed.mp4"):
        if (entry / name).is_file():
            refuse_overwrite([folder / name], ctx.inputs)
            with atomic_path(folder / name) as tmp:
                shutil.copyfile(entry / name, tmp)
            outputs.append(_output_entry(ctx, folder / name))
    return json.loads((entry / "report.json").read_text(encoding="utf-8")), outputs


def _burn(ctx: _Context, market: MarketProfile, timed: Track, folder: Path,
          dubbed: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The market's subtitles burned into the video (over the dub when there is one), via the cache."""
    key = {"track": hash_value(timed.to_dict()), "media": ctx.media_sha256, "cover": market.burn_cover,
           "style": market.burn_style, "dub": dubbed and (folder / "dub.wav").is_file(),
           "code": [code_version("localize.delivery"), code_version("localize.hardsub"), code_version("localize.formats")]}
    dub_wav = folder / "dub.wav" if key["dub"] else None

    def build(entry: Path) -> None:
        from localize.delivery import burn

        report = burn(ctx.media, timed, entry / "burned.mp4", cover=market.burn_cover, style=market.burn_style,
                      audio=dub_wav)
        data = {k: v for k, v in report.to_dict().items() if k != "output"}  # a temp path
        (entry / "report.json").write_bytes(canonical(data))

    started = time.perf_counter()
    entry, hit = ctx.cache.compute(f"burn-{market.code}", hash_value(key), build)
    ctx.stage(f"burn-{market.code}", hit, started)
    refuse_overwrite([folder / "burned.mp4"], ctx.inputs)
    with atomic_path(folder / "burned.mp4") as tmp:
        shutil.copyfile(entry / "burned.mp4", tmp)
    return json.loads((entry / "report.json").read_text(encoding="utf-8")), _output_entry(ctx, folder / "burned.mp4")
