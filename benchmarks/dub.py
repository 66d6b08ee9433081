"""Benchmark the dub stage: real-time factor and how the lines fit their slots.

Runs ``localize.dubbing.dub`` (synthesis + fit + mix + loudness + write) on:

- the fixture English episode, redubbed in English (the script's own timing);
- the fixture Chinese episode dubbed into English (English text at Mandarin timing:
  the real use case, where the translation rarely matches the original's length);
- ~2-minute English and Chinese episodes built by ``fixtures/make_fixtures.py --long``;
- the 2-minute English episode with every cue and cut time squeezed to 80%, 65% and 50%,
  stress cases standing in for translations 25%, 54% and 100% longer than the original.

Usage: ``.venv/bin/python -m benchmarks.dub [--minutes 2]``. Prints one table.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks._scripts import load_script
from localize.dubbing import dub, resolve_voice
from localize.model import Cue, Track

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
VOICE = "piper:en_US-joe-medium"


def english_track(folder: Path, scale: float = 1.0) -> Track:
    """The episode's subtitles with English text (the script's translation where it has one), times x ``scale``."""
    script = json.loads((folder / "script.json").read_text(encoding="utf-8"))
    cues = [
        Cue(
            round(line["start"] * scale),
            round(line["end"] * scale),
            line.get("translation", line["text"]),
            speaker=line.get("speaker"),
        )
        for line in script["lines"]
    ]
    return Track(cues, language="en")


def build_long(out: Path, language: str, minutes: float) -> Path:
    load_script("fixtures/make_fixtures.py").build_episode(out, language, minutes)
    return out


def run(name: str, folder: Path, work: Path, scale: float = 1.0) -> dict:
    """Dub one episode; ``scale`` < 1 squeezes the cue and cut times (a faster-spoken original)."""
    track = english_track(folder, scale)
    cuts = [round(cut * scale) for cut in json.loads((folder / "script.json").read_text(encoding="utf-8"))["cuts_ms"]]
    started = time.perf_counter()
    report = dub(track, work / f"{name}.wav", video=folder / "episode.mp4", voice=VOICE, shots=cuts)
    elapsed = time.perf_counter() - started
    counts = report.fit_counts()
    lines = len(report.lines)
    return {
        "episode": name,
        "seconds": report.duration_ms / 1000,
        "lines": lines,
        "dub_s": elapsed,
        "rtf": elapsed / (report.duration_ms / 1000),
        "lufs": report.loudness_lufs,
        "dbtp": report.true_peak_dbtp,
        **{key: 100 * value / lines for key, value in counts.items()},
        "max_speed": max(line.speed for line in report.lines),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the long episodes")
    args = parser.parse_args()
    if not (FIXTURES / "episode_en" / "episode.mp4").exists():
        raise SystemExit("fixtures missing: run .venv/bin/python fixtures/make_fixtures.py first")
    started = time.perf_counter()
    resolve_voice(VOICE)
    load_s = time.perf_counter() - started
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-dub-") as tmp:
        work = Path(tmp)
        rows.append(run("en fixture, en dub", FIXTURES / "episode_en", work))
        rows.append(run("zh fixture, en dub", FIXTURES / "episode_zh", work))
        for language in ("en", "zh"):
            folder = build_long(work / f"long_{language}", language, args.minutes)
            rows.append(run(f"{args.minutes:g} min {language}, en dub", folder, work))
        for scale in (0.8, 0.65, 0.5):
            rows.append(run(f"{args.minutes:g} min en, times x{scale:g}", work / "long_en", work, scale=scale))
    print(
        f"dub stage, voice {VOICE} (load {load_s:.2f} s, once), {os.cpu_count()} CPU cores; "
        "RTF = dub seconds / episode seconds; fit shares in % of lines"
    )
    header = (
        f"{'episode':<24} {'len s':>6} {'lines':>5} {'dub s':>6} {'RTF':>6} {'as is':>6} {'<=1.15x':>8} "
        f"{'<=1.3x':>7} {'overflow':>8} {'max x':>6} {'LUFS':>6} {'dBTP':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['episode']:<24} {row['seconds']:>6.1f} {row['lines']:>5} {row['dub_s']:>6.2f} {row['rtf']:>6.3f} "
            f"{row['as_is']:>6.0f} {row['comfortable']:>8.0f} {row['capped']:>7.0f} {row['overflow']:>8.0f} "
            f"{row['max_speed']:>6.2f} {row['lufs']:>6.1f} {row['dbtp']:>6.1f}"
        )


if __name__ == "__main__":
    main()
