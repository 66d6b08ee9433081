"""Transcribe: accuracy on third-party speech and speed of both engines on the same weights.

1. CER on ../shared/eval/audio_zh (gold and gold-likely rows; Traditional->Simplified,
   punctuation and spaces removed; micro-averaged over reference characters) and WER on
   ../shared/eval/audio_en (lowercase, punctuation removed), per clip and overall, for
   faster-whisper (int8) and openai-whisper (fp32) on the same Whisper base weights (the
   bundled CTranslate2 model and its `localize models convert` checkpoint).
2. Real-time factor (processing time / audio time) of each engine on those clips, end to end
   (ffmpeg decode, VAD, language, recognition, cue cutting).
3. faster-whisper on a ~2-minute English episode built by fixtures/make_fixtures.py.
4. The Mandarin fixture episode (espeak-ng voice) with and without the glossary names.

Both engines use the toolkit defaults (beam 5, VAD on, language forced per set, no
prompt; faster-whisper decodes VAD chunks in batches). Models load once before timing. Skips a part cleanly when its data is absent.

    .venv/bin/python benchmarks/asr.py [--no-openai]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
FIXTURES = ROOT / "fixtures"
ENGINES = ("faster-whisper", "openai-whisper")
#: single digits are spelled out so "1 2 3" and "one two three" compare equal
DIGITS = dict(zip("0123456789", "zero one two three four five six seven eight nine".split()))


def edit_distance(a: list, b: list) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


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


def timed_transcribe(media: Path, **options) -> tuple[object, float]:
    from localize.transcription import transcribe

    start = time.perf_counter()
    track = transcribe(media, **options)
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
            clips.append((row["file"], float(row["duration_s"]), len(ref), err, "".join(hyp) if language == "zh" else " ".join(hyp)))
            errors, total, seconds, audio = errors + err, total + len(ref), seconds + took, audio + float(row["duration_s"])
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


def print_speed(per_set: dict[str, dict[str, dict]]) -> None:
    engines = list(next(iter(per_set.values())))
    print("\n## Real-time factor on the eval clips (processing s / audio s; lower is faster)\n")
    print("| set | audio s | " + " | ".join(f"{e} s | {e} RTF" for e in engines) + " | speed-up |")
    print("|---|---|" + "---|---|" * len(engines) + "---|")
    for name, results in per_set.items():
        cells = " | ".join(f"{results[e]['seconds']:.1f} | {results[e]['seconds'] / results[e]['audio']:.3f}" for e in engines)
        ratio = results[engines[-1]]["seconds"] / results[engines[0]]["seconds"] if len(engines) > 1 else float("nan")
        print(f"| {name} | {results[engines[0]]['audio']:.1f} | {cells} | {ratio:.1f}x |")


def long_episode(tmp: Path) -> None:
    sys.path.insert(0, str(FIXTURES))
    try:
        from make_fixtures import build_episode
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
    from localize.transcription.engines import cpu_threads

    took_by_engine = {}
    for engine in ("faster-whisper", "openai-whisper"):
        track, took = timed_transcribe(media, language="auto", engine=engine)
        took_by_engine[engine] = took
        wer = edit_distance(ref, units(track.text(), "en")) / len(ref)
        print(f"| {engine} | {seconds:.1f} | {cpu_threads()} | {took:.1f} | {seconds / took:.1f}x | {took / seconds:.3f} | {wer:.1%} | {len(track)} | {track.language} |")
    print(f"\nfaster-whisper speed-up over openai-whisper on the episode: "
          f"{took_by_engine['openai-whisper'] / took_by_engine['faster-whisper']:.1f}x")


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
    args = parser.parse_args()
    engines = ENGINES[:1] if args.no_openai else ENGINES
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LOCALIZE_CACHE", str(Path(tmp) / "cache"))
        from localize.transcription import load_engine

        for engine in engines:
            load_engine(engine)  # load (and convert) outside the timings
        print("# ASR benchmark: Whisper base, same weights for both engines")
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
