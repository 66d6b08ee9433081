"""Transcribe: accuracy on third-party speech and speed of both engines on the same weights.

0. Ablation (decoder settings x eval sets, both engines side by side, one run): every
   setting that could cost accuracy, on the eval clips split in two halves (tune: rows
   0, 2, 4, ... of each transcripts.tsv; held: rows 1, 3, ...), each half also made
   into harder sets in numpy (nothing downloaded): "joined", 2-3 clips of different
   speakers joined with pauses of 0.3-1.5 s over faint noise (a longer, spontaneous
   stretch of talk in one 30 s window), and "noisy", each clip under babble (other clips
   reversed, zh) or music (chords, en) at 5 dB SNR. Speed: decoding seconds / audio seconds.
1. CER on ../shared/eval/audio_zh (gold and gold-likely rows; Traditional->Simplified,
   punctuation and spaces removed; micro-averaged over reference characters) and WER on
   ../shared/eval/audio_en (lowercase, punctuation removed), per clip and overall, for
   faster-whisper (float32) and openai-whisper (fp32) on the same Whisper base weights (the
   bundled CTranslate2 model and its `localize models convert` checkpoint).
2. Real-time factor (processing time / audio time) of each engine on those clips, end to end
   (ffmpeg decode, VAD, language, recognition, cue cutting).
3. faster-whisper on a ~2-minute English episode built by fixtures/make_fixtures.py.
4. The Mandarin fixture episode (espeak-ng voice) with and without the glossary names.

Both engines use the toolkit defaults (beam 5, VAD on, language forced per set, no
prompt; faster-whisper decodes VAD chunks in batches). Models load once before timing. Skips a part cleanly when its data is absent.

    .venv/bin/python -m benchmarks.asr [--no-openai] [--ablation-only]
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
    """Per engine: per-clip errors, totals and timing on one eval language set."""
    results: dict[str, dict] = {}
    for engine in engines:
        clips, errors, total, seconds, audio = [], 0, 0, 0.0, 0.0
        for row in eval_rows(language):
            track, took = timed_transcribe(EVAL / f"audio_{language}" / row["file"], language=language, engine=engine)
            ref, hyp = units(row["reference_text"], language), units(track.text(), language)
            err = edit_distance(ref, hyp)
            clips.append(
                (
                    row["file"],
                    float(row["duration_s"]),
                    len(ref),
                    err,
                    "".join(hyp) if language == "zh" else " ".join(hyp),
                )
            )
            errors, total, seconds, audio = (
                errors + err,
                total + len(ref),
                seconds + took,
                audio + float(row["duration_s"]),
            )
        results[engine] = {"clips": clips, "rate": errors / max(total, 1), "seconds": seconds, "audio": audio}
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

#: (name, faster-whisper compute type, DecodeOptions overrides); the first is the default
CONFIGS = [
    ("default: float32, VAD chunks packed in 30 s, skipped speech decoded again", "float32", {}),
    ("int8 (the previous compute type)", "int8", {}),
    ("previous default: int8, no re-decode of skipped speech", "int8", {"fill_skipped": False}),
    (
        "each stretch of speech decoded alone (no 30 s packing)",
        "float32",
        {"merge_chunks": False, "fill_skipped": False},
    ),
    ("with timestamp tokens", "float32", {"without_timestamps": False}),
    ("beam 1", "float32", {"beam_size": 1}),
    ("no VAD: 30 s windows in sequence, temperature fallback, previous text", "float32", {"vad": False}),
]
SNR_DB = 5
Clip = tuple[str, np.ndarray, str]  # name, 16 kHz audio, reference


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    noise = np.resize(noise, speech.shape)
    gain = np.sqrt(np.mean(speech**2) / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    return (speech + gain * noise).astype(np.float32)


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Chords of harmonics changing every half second, with a little hiss."""
    t = np.arange(int(seconds * 16000)) / 16000
    out = np.zeros_like(t)
    for start in np.arange(0, seconds, 0.5):
        part = (t >= start) & (t < start + 0.5)
        for root in rng.choice([220.0, 261.6, 329.6, 392.0, 440.0], 3):
            out[part] += sum(np.sin(2 * np.pi * root * k * t[part]) / k for k in (1, 2, 3))
    return (out + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def joined(clips: list[Clip], language: str, rng: np.random.Generator) -> list[Clip]:
    """Two clips of 2-3 speakers each, joined with 0.3-1.5 s pauses over faint noise (40 dB below)."""
    glue = "" if language == "zh" else " "
    out = []
    for first in range(min(2, len(clips))):
        picked = [clips[(first + k) % len(clips)] for k in range(min(3, len(clips)))]
        parts = [p for _, audio, _ in picked for p in (audio, np.zeros(int(16000 * rng.uniform(0.3, 1.5)), np.float32))]
        audio = np.concatenate(parts)
        audio = mix(audio, rng.standard_normal(audio.size).astype(np.float32), 40)
        out.append(("+".join(n.split(".")[0][:12] for n, _, _ in picked), audio, glue.join(r for _, _, r in picked)))
    return out


def noisy(clips: list[Clip], language: str, rng: np.random.Generator) -> list[Clip]:
    """Each clip under babble (the others reversed, zh) or music (en) at ``SNR_DB``."""
    out = []
    for i, (name, audio, ref) in enumerate(clips):
        if language == "zh":
            others = [a[::-1] for j, (_, a, _) in enumerate(clips) if j != i] or [audio[::-1]]
            noise = sum(np.resize(a, audio.size) for a in others)
        else:
            noise = music(audio.size / 16000, rng)
        out.append((name, mix(audio, noise, SNR_DB), ref))
    return out


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
    return sets


def decoders(engines: tuple[str, ...]) -> list[tuple[str, Callable[[np.ndarray, str], str]]]:
    """(row name, decode(audio, language) -> text) for each ablation row; engines load here, outside the timings."""
    from localize.transcription.core import decode_options, recognize
    from localize.transcription.engines import FasterWhisperEngine, load_engine
    from localize.transcription.models import resolve_model

    model = resolve_model(None)
    loaded = {"float32": load_engine("faster-whisper"), "int8": FasterWhisperEngine(model, compute_type="int8")}
    rows = []
    for name, compute, overrides in CONFIGS:

        def decode(audio, language, engine=loaded[compute], overrides=overrides):
            options = replace(decode_options(language, [], True), **overrides)
            return " ".join(w.text for w in recognize(engine, audio, options))

        rows.append((name, decode))
    if "openai-whisper" in engines:
        openai = load_engine("openai-whisper")
        rows.append(
            (
                "openai-whisper (reference: fp32, beam 5, VAD-cut audio)",
                lambda audio, language: " ".join(
                    w.text for w in openai.words(audio, decode_options(language, [], True))
                ),
            )
        )
    return rows


def run_ablation(engines: tuple[str, ...]) -> None:
    sets = ablation_sets()
    if not sets:
        print(f"\n(ablation skipped: {EVAL} is absent)")
        return
    audio_s = sum(a.size / 16000 for halves in sets.values() for clips in halves.values() for _, a, _ in clips)
    print(f"\n## Ablation: CER (zh) / WER (en) per set, tune | held half; {audio_s:.0f} s of audio per row\n")
    columns = [f"{s} {h}" for s in sets for h in ("tune", "held")]
    print("| setting | " + " | ".join(columns) + " | decode s | RTF |")
    print("|---|" + "---|" * (len(columns) + 2))
    for name, decode in decoders(engines):
        cells, took = [], 0.0
        for set_name, halves in sets.items():
            language = set_name.split()[0]
            for half in ("tune", "held"):
                errors = total = 0
                for _, audio, ref in halves[half]:
                    start = time.perf_counter()
                    text = decode(audio, language)
                    took += time.perf_counter() - start
                    truth = units(ref, language)
                    errors, total = errors + edit_distance(truth, units(text, language)), total + len(truth)
                cells.append(f"{errors / max(total, 1):.1%}")
        print(f"| {name} | " + " | ".join(cells) + f" | {took:.0f} | {took / audio_s:.3f} |", flush=True)


def print_speed(per_set: dict[str, dict[str, dict]]) -> None:
    engines = list(next(iter(per_set.values())))
    print("\n## Real-time factor on the eval clips (processing s / audio s; lower is faster)\n")
    print("| set | audio s | " + " | ".join(f"{e} s | {e} RTF" for e in engines) + " | speed-up |")
    print("|---|---|" + "---|---|" * len(engines) + "---|")
    for name, results in per_set.items():
        cells = " | ".join(
            f"{results[e]['seconds']:.1f} | {results[e]['seconds'] / results[e]['audio']:.3f}" for e in engines
        )
        ratio = results[engines[-1]]["seconds"] / results[engines[0]]["seconds"] if len(engines) > 1 else float("nan")
        print(f"| {name} | {results[engines[0]]['audio']:.1f} | {cells} | {ratio:.1f}x |")


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
    args = parser.parse_args()
    engines = ENGINES[:1] if args.no_openai else ENGINES
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LOCALIZE_CACHE", str(Path(tmp) / "cache"))
        from localize.transcription import load_engine

        for engine in engines:
            load_engine(engine)  # load (and convert) outside the timings
        print("# ASR benchmark: Whisper base, same weights for both engines")
        run_ablation(engines)
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
                print_speed(per_set)
        long_episode(Path(tmp))
        mandarin_fixture()


if __name__ == "__main__":
    main()
