"""Transcribe: accuracy on third-party speech and speed of both engines on the same weights.

0. Ablation (decoder settings x eval sets, both engines side by side, one run): every
   setting that could cost accuracy, on the eval clips split in two halves (tune: rows
   0, 2, 4, ... of each transcripts.tsv; held: rows 1, 3, ...), each half also made
   into harder sets in numpy (nothing downloaded): "joined", 2-3 clips of different
   speakers joined with pauses of 0.3-1.5 s over faint noise (a longer, spontaneous
   stretch of talk in one 30 s window); "noisy", each clip under babble (other clips
   reversed, zh) or music (chords, en) at 5 dB SNR; "meeting", the joined turns with
   gaps of -0.2 (overlap) to 0.4 s, each speaker at its own level and in room reverb,
   under babble or music at 15 dB. Every row decodes a clip before the next clip is
   taken (interleaved, so changes in machine load fall on all rows alike). Speed:
   decoding seconds / audio seconds, and the ratio to the last row (openai-whisper).
1. CER on ../shared/eval/audio_zh (gold and gold-likely rows; Traditional->Simplified,
   punctuation and spaces removed; micro-averaged over reference characters) and WER on
   ../shared/eval/audio_en (lowercase, punctuation removed), per clip and overall, for
   faster-whisper (float32) and openai-whisper (fp32) on the same Whisper base weights (the
   bundled CTranslate2 model and its `localize models convert` checkpoint).
2. Wall time of each engine on those clips, end to end per file (ffmpeg decode, VAD,
   language, recognition, cue cutting), engines interleaved clip by clip, with and without
   one model load (timed from the cache) per set; then the cost of one 30 s window
   (encoder alone, whole decode) per engine, which bounds the speed-up on short clips.
3. faster-whisper on a ~2-minute English episode built by fixtures/make_fixtures.py.
4. The Mandarin fixture episode (espeak-ng voice) with and without the glossary names.

Both engines use the toolkit defaults (beam 5, VAD on, language forced per set, no
prompt; the VAD-cut audio decoded in 30 s windows in sequence with temperature fallback and
the previous text, as openai-whisper does). Skips a part cleanly when its data is absent.

    .venv/bin/python -m benchmarks.asr [--no-openai] [--ablation-only | --no-ablation] [--no-episode]
        [--rows 0,1,...] [--sets 'zh meeting,en meeting']
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks._asr_sets import Clip, joined, meeting, noisy
from benchmarks._scripts import load_script
from localize.text import edit_distance

ROOT = Path(__file__).resolve().parent.parent
#: ../shared/eval beside the checkout (or beside its parent, for a git worktree one level down)
EVAL = next(
    (p for p in (ROOT.parent / "shared" / "eval", ROOT.parent.parent / "shared" / "eval") if p.is_dir()),
    ROOT.parent / "shared" / "eval",
)
FIXTURES = ROOT / "fixtures"
ENGINES = ("faster-whisper", "openai-whisper")
#: single digits are spelled out so "1 2 3" and "one two three" compare equal
DIGITS = dict(zip("0123456789", "zero one two three four five six seven eight nine".split()))


def units(text: str, language: str) -> list[str]:
    """Characters (zh, Simplified, no punctuation/space) or words (en, lowercase, no punctuation)."""
    from localize.transcription import to_script

    if language == "zh":
        return [c for c in to_script(text) if not unicodedata.category(c).startswith(("P", "Z", "S", "C"))]
    words = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()
    return [DIGITS.get(w, w) for w in words]


def eval_rows(language: str) -> list[dict]:
    table = EVAL / f"audio_{language}" / "transcripts.tsv"
    if not table.is_file():
        return []
    with table.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if r["reference_quality"] in ("gold", "gold-likely")]


def timed_transcribe(media: Path, engine: str = "faster-whisper", **options) -> tuple[object, float]:
    from localize.transcription import TranscriptionOptions, transcribe

    start = time.perf_counter()
    track = transcribe(media, options=TranscriptionOptions(engine), **options)
    return track, time.perf_counter() - start


def eval_set(language: str, engines: tuple[str, ...]) -> dict[str, dict]:
    """Per engine: per-clip errors, totals and timing on one eval language set; the engines take
    turns clip by clip (interleaved, so a change in machine load falls on both alike)."""
    results = {e: {"clips": [], "errors": 0, "total": 0, "seconds": 0.0, "audio": 0.0} for e in engines}
    for row in eval_rows(language):
        for engine in engines:
            track, took = timed_transcribe(EVAL / f"audio_{language}" / row["file"], language=language, engine=engine)
            ref, hyp = units(row["reference_text"], language), units(track.text(), language)
            err, shown = edit_distance(ref, hyp), "".join(hyp) if language == "zh" else " ".join(hyp)
            result = results[engine]
            result["clips"].append((row["file"], float(row["duration_s"]), len(ref), err, shown))
            result["errors"] += err
            result["total"] += len(ref)
            result["seconds"] += took
            result["audio"] += float(row["duration_s"])
    for result in results.values():
        result["rate"] = result["errors"] / max(result["total"], 1)
    return results


def print_eval(language: str, results: dict[str, dict]) -> None:
    metric = "CER" if language == "zh" else "WER"
    engines = list(results)
    print(f"\n## {metric} on ../shared/eval/audio_{language} (gold + gold-likely)\n")
    print("| clip | s | ref | " + " | ".join(f"{e} {metric}" for e in engines) + " | faster-whisper output |")
    print("|---|---|---|" + "---|" * len(engines) + "---|")
    first = results[engines[0]]["clips"]
    for i, (name, seconds, ref, _, hyp) in enumerate(first):
        rates = " | ".join(f"{results[e]['clips'][i][3] / max(ref, 1):.1%}" for e in engines)
        print(f"| {name} | {seconds:.1f} | {ref} | {rates} | {hyp[:60]} |")
    overall = " | ".join(f"**{results[e]['rate']:.1%}**" for e in engines)
    print(f"| overall (micro) | {first and sum(c[1] for c in first):.1f} | {sum(c[2] for c in first)} | {overall} | |")


# ------------------------------------------------------------------ ablation

#: (name, faster-whisper compute type, DecodeOptions overrides); the first is the default. On CPU
#: CTranslate2's "int8" is "int8_float32" (int8 weights and matrix products, float32 elsewhere).
CONFIGS = [
    (
        "default: float32, VAD-cut audio in 30 s windows in sequence (openai-whisper's pipeline), "
        "skipped speech decoded again",
        "float32",
        {},
    ),
    ("int8 (= int8_float32 on CPU; the compute type before issue 19)", "int8", {}),
    ("no re-decode of skipped speech (openai-whisper's pipeline on CTranslate2)", "float32", {"fill_skipped": False}),
    (
        "batched: VAD chunks packed in 30 s, 8 at a time, text tokens only, skipped speech decoded again "
        "(the default before the second round of issue 19)",
        "float32",
        {"batched": True},
    ),
    (
        "previous default: batched, int8, no re-decode of skipped speech",
        "int8",
        {"batched": True, "fill_skipped": False},
    ),
    (
        "batched, each stretch of speech decoded alone (no 30 s packing)",
        "float32",
        {"batched": True, "merge_chunks": False, "fill_skipped": False},
    ),
    ("batched with timestamp tokens", "float32", {"batched": True, "without_timestamps": False}),
    ("beam 1", "float32", {"beam_size": 1}),
    ("no VAD: 30 s windows of the whole audio in sequence", "float32", {"vad": False}),
]


def ablation_sets() -> dict[str, dict[str, list[Clip]]]:
    """{set name: {"tune"/"held": clips}} built from the eval clips (empty without them)."""
    from localize.media import load_audio

    rng = np.random.default_rng(19)
    sets: dict[str, dict[str, list[Clip]]] = {}
    for language in ("zh", "en"):
        rows = eval_rows(language)
        clips = [(r["file"], load_audio(EVAL / f"audio_{language}" / r["file"]), r["reference_text"]) for r in rows]
        halves = {"tune": clips[0::2], "held": clips[1::2]}
        if not clips:
            continue
        sets[language] = halves
        sets[f"{language} joined"] = {h: joined(c, language, rng) for h, c in halves.items()}
        sets[f"{language} noisy"] = {h: noisy(c, language, rng) for h, c in halves.items()}
        sets[f"{language} meeting"] = {h: meeting(c, language, rng) for h, c in halves.items()}
    return sets


def decoders(engines: tuple[str, ...], rows: list[int]) -> list[tuple[str, Callable[[np.ndarray, str], str]]]:
    """(row name, decode(audio, language) -> text) for the chosen ``CONFIGS`` rows, then openai-whisper;
    engines load here, outside the timings."""
    from localize.transcription.core import decode_options, recognize
    from localize.transcription.engines import FasterWhisperEngine, load_engine
    from localize.transcription.models import resolve_model

    loaded = {"float32": load_engine("faster-whisper")}
    if any(CONFIGS[i][1] == "int8" for i in rows):
        loaded["int8"] = FasterWhisperEngine(resolve_model(None), compute_type="int8")
    out = []
    for name, compute, overrides in (CONFIGS[i] for i in rows):

        def decode(audio, language, engine=loaded[compute], overrides=overrides):
            options = replace(decode_options(language, [], True), **overrides)
            return " ".join(w.text for w in recognize(engine, audio, options))

        out.append((name, decode))
    if "openai-whisper" in engines:
        openai = load_engine("openai-whisper")
        out.append(
            (
                "openai-whisper (reference: fp32, beam 5, temperature fallback, previous text, VAD-cut audio)",
                lambda audio, language: " ".join(
                    w.text for w in openai.words(audio, decode_options(language, [], True))
                ),
            )
        )
    return out


def run_ablation(engines: tuple[str, ...], rows: list[int], only: list[str] | None = None) -> None:
    """The ablation table; every row decodes a clip before the next clip is taken (interleaved, so a
    change in machine load falls on all rows alike)."""
    sets = {k: v for k, v in ablation_sets().items() if not only or k in only}
    if not sets:
        print(f"\n(ablation skipped: {EVAL} is absent)")
        return
    audio_s = sum(a.size / 16000 for halves in sets.values() for clips in halves.values() for _, a, _ in clips)
    named = decoders(engines, rows)
    errors = np.zeros((len(named), len(sets) * 2), int)
    totals, took = np.zeros(len(sets) * 2, int), np.zeros(len(named))
    for column, (set_name, half) in enumerate((s, h) for s in sets for h in ("tune", "held")):
        language = set_name.split()[0]
        for _, audio, ref in sets[set_name][half]:
            truth = units(ref, language)
            totals[column] += len(truth)
            for row, (_, decode) in enumerate(named):
                start = time.perf_counter()
                text = decode(audio, language)
                took[row] += time.perf_counter() - start
                errors[row, column] += edit_distance(truth, units(text, language))
    print(f"\n## Ablation: CER (zh) / WER (en) per set, tune | held half; {audio_s:.0f} s of audio per row\n")
    print(
        "| setting | "
        + " | ".join(f"{s} {h}" for s in sets for h in ("tune", "held"))
        + " | decode s | RTF | x faster than last row |"
    )
    print("|---|" + "---|" * (len(sets) * 2 + 3))
    for row, (name, _) in enumerate(named):
        cells = " | ".join(f"{e / max(t, 1):.1%}" for e, t in zip(errors[row], totals))
        print(f"| {name} | {cells} | {took[row]:.0f} | {took[row] / audio_s:.3f} | {took[-1] / took[row]:.1f}x |")


def print_speed(per_set: dict[str, dict[str, dict]], loads: dict[str, float]) -> None:
    """Wall time per engine over each set; the model load (once per process) is added once per set."""
    engines = list(next(iter(per_set.values())))
    print("\n## Wall time on the eval clips (end to end per file, engines interleaved clip by clip)\n")
    print("Model load, once per process: " + ", ".join(f"{e} {s:.1f} s" for e, s in loads.items()) + ".\n")
    print("| set | files | audio s | " + " | ".join(f"{e} s (+ load)" for e in engines) + " | speed-up | with load |")
    print("|---|---|---|" + "---|" * len(engines) + "---|---|")
    for name, results in per_set.items():
        first, last = results[engines[0]], results[engines[-1]]
        cells = " | ".join(f"{results[e]['seconds']:.1f} ({results[e]['seconds'] + loads[e]:.1f})" for e in engines)
        ratio = last["seconds"] / first["seconds"]
        loaded = (last["seconds"] + loads[engines[-1]]) / (first["seconds"] + loads[engines[0]])
        print(f"| {name} | {len(first['clips'])} | {first['audio']:.1f} | {cells} | {ratio:.1f}x | {loaded:.1f}x |")


def window_costs(repeats: int = 3) -> None:
    """Seconds for one 30 s window: the encoder of each engine, and a whole beam-5 decode of a short clip."""
    import torch
    import whisper

    from localize.transcription.engines import FasterWhisperEngine, load_engine
    from localize.transcription.models import resolve_model

    rows = eval_rows("zh")
    if not rows:
        return
    from localize.media import load_audio

    audio = load_audio(EVAL / "audio_zh" / rows[0]["file"])
    mel = whisper.log_mel_spectrogram(torch.from_numpy(whisper.pad_or_trim(audio)), 80)[None]
    openai = load_engine("openai-whisper")
    print(f"\n## Cost of one 30 s window (median of {repeats}; {rows[0]['file']}, {audio.size / 16000:.1f} s)\n")
    print("| engine | encoder s | whole decode s (beam 5, words) |")
    print("|---|---|---|")
    for name, engine in (
        ("faster-whisper float32", load_engine("faster-whisper")),
        ("faster-whisper int8", FasterWhisperEngine(resolve_model(None), compute_type="int8")),
    ):
        features = engine._model.feature_extractor(audio)[..., :3000]
        encode = lambda m=engine._model, f=features: m.encode(whisper.pad_or_trim(f, 3000)[None])  # noqa: E731
        print(
            f"| {name} | {_median(encode, repeats):.2f} | {_median(lambda e=engine: _decode(e, audio), repeats):.2f} |"
        )
    with torch.no_grad():
        encode = lambda: openai._model.encoder(mel)  # noqa: E731
        print(
            f"| openai-whisper fp32 | {_median(encode, repeats):.2f} | {_median(lambda: _decode(openai, audio), repeats):.2f} |"
        )


def _decode(engine, audio: np.ndarray) -> None:
    from localize.transcription.core import decode_options

    engine.words(audio, decode_options("zh", [], True))


def _median(task: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def long_episode(tmp: Path) -> None:
    try:
        build_episode = load_script("fixtures/make_fixtures.py").build_episode
    except ImportError as error:
        print(f"\n(long episode skipped: {error})")
        return
    media = build_episode(tmp / "long", "en", 2.0)
    script = json.loads((tmp / "long" / "script.json").read_text())
    ref = [w for line in script["lines"] for w in units(line["text"], "en")]
    seconds = script["duration_ms"] / 1000
    print("\n## Both engines on a 2-minute English episode (fixtures/make_fixtures.py --long), the real workload\n")
    print("| engine | audio s | cores | processing s | x real time | RTF | WER | cues | language |")
    print("|---|---|---|---|---|---|---|---|---|")
    from localize.processes import cpu_count

    took_by_engine = {}
    for engine in ("faster-whisper", "openai-whisper"):
        track, took = timed_transcribe(media, language="auto", engine=engine)
        took_by_engine[engine] = took
        wer = edit_distance(ref, units(track.text(), "en")) / len(ref)
        print(
            f"| {engine} | {seconds:.1f} | {cpu_count()} | {took:.1f} | {seconds / took:.1f}x | {took / seconds:.3f} | {wer:.1%} | {len(track)} | {track.language} |"
        )
    print(
        f"\nfaster-whisper speed-up over openai-whisper on the episode: "
        f"{took_by_engine['openai-whisper'] / took_by_engine['faster-whisper']:.1f}x"
    )


def mandarin_fixture() -> None:
    folder = FIXTURES / "episode_zh"
    if not (folder / "script.json").is_file():
        return
    script = json.loads((folder / "script.json").read_text())
    ref = [c for line in script["lines"] for c in units(line["text"], "zh")]
    print("\n## Mandarin fixture episode (espeak-ng, cmn-latn-pinyin), language forced to zh\n")
    print("| glossary | CER | names found | output |")
    print("|---|---|---|---|")
    for glossary in ([], ["林晚", "陆景琛"]):
        track, _ = timed_transcribe(folder / "episode.mp4", language="zh", glossary=glossary)
        text = track.text().replace("\n", "")
        found = [n for n in ("林晚", "陆景琛") if n in text]
        cer = edit_distance(ref, units(text, "zh")) / len(ref)
        print(f"| {'、'.join(glossary) or 'none'} | {cer:.1%} | {'、'.join(found) or '-'} | {text} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-openai", action="store_true", help="skip the (slow) openai-whisper engine")
    parser.add_argument("--ablation-only", action="store_true", help="only the ablation table (section 0)")
    parser.add_argument("--no-ablation", action="store_true", help="skip the ablation table (section 0)")
    parser.add_argument(
        "--rows", default=",".join(map(str, range(len(CONFIGS)))), help="ablation rows to run (CONFIGS indices)"
    )
    parser.add_argument("--no-episode", action="store_true", help="skip the fixture episodes (sections 3-4)")
    parser.add_argument("--sets", help="ablation sets to run, comma-separated (e.g. 'zh meeting,en meeting')")
    args = parser.parse_args()
    engines = ENGINES[:1] if args.no_openai else ENGINES
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LOCALIZE_CACHE", str(Path(tmp) / "cache"))
        from localize.transcription import load_engine
        from localize.transcription.engines import _load

        loads = {}
        for engine in engines:  # assemble/convert the model once, then time a plain load from the cache
            load_engine(engine)
            _load.cache_clear()
            start = time.perf_counter()
            load_engine(engine)
            loads[engine] = time.perf_counter() - start
        print("# ASR benchmark: Whisper base, same weights for both engines")
        if not args.no_ablation:
            rows = [int(r) for r in args.rows.split(",") if r]
            run_ablation(engines, rows, args.sets.split(",") if args.sets else None)
        if args.ablation_only:
            return
        if not EVAL.is_dir():
            print(f"\n(eval sets skipped: {EVAL} is absent)")
        else:
            per_set = {}
            for language in ("zh", "en"):
                if eval_rows(language):
                    per_set[f"audio_{language}"] = eval_set(language, engines)
                    print_eval(language, per_set[f"audio_{language}"])
            if per_set:
                print_speed(per_set, loads)
            if "openai-whisper" in engines:
                window_costs()
        if not args.no_episode:
            long_episode(Path(tmp))
            mandarin_fixture()


if __name__ == "__main__":
    main()
