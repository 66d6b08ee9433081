"""Pipeline benchmark: wall time per stage on a 2-minute episode, batch throughput, re-run cost.

    .venv/bin/python -m benchmarks.pipeline [--minutes 2] [--episodes 4] [--out out/bench/pipeline]

1. Builds a Mandarin episode of ``--minutes`` with ``fixtures/make_fixtures.py --long``
   (kept under the output folder and reused) and runs the whole chain on it: Whisper base,
   the tiny Argos packages from fixtures/argos (zh->en, en->es pivot), timing, dub
   (Piper for en-US, espeak-ng for es-419), for markets en-US and es-419.
2. Cuts that episode into ``--episodes`` distinct parts and runs them as a batch with
   1 and with 2 worker processes (on this 2-core machine), then re-runs the finished
   batch to measure what resuming costs (goal: under 5% of the first run).

Everything runs with HOME, LOCALIZE_CACHE and ARGOS_PACKAGES_DIR inside the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKETS = "en-US,es-419"


def isolate(out: Path) -> None:
    """Point every cache and model folder a library writes to into ``out``."""
    for name, sub in (("HOME", "home"), ("LOCALIZE_CACHE", "cache"), ("ARGOS_PACKAGES_DIR", "argos")):
        os.environ[name] = str(out / sub)
        (out / sub).mkdir(parents=True, exist_ok=True)


def install_argos() -> None:
    from localize.translation import install_file

    for pair in ("zh_en", "en_es"):
        package = ROOT / "fixtures" / "argos" / f"{pair}.argosmodel"
        if not package.is_file():
            sys.exit(f"{package} is missing: run fixtures/argos/build_argos_model.py first")
        install_file(package)


def long_episode(folder: Path, minutes: float) -> Path:
    media = folder / "episode.mp4"
    if not media.is_file():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "fixtures" / "make_fixtures.py"),
                "--long",
                str(folder),
                "--minutes",
                str(minutes),
                "--language",
                "zh",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return media


def split(media: Path, folder: Path, parts: int, duration_ms: int) -> list[Path]:
    """``parts`` distinct consecutive pieces of ``media`` (re-encoded, so each has its own bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    length = duration_ms / 1000 / parts
    pieces = []
    for index in range(parts):
        piece = folder / f"part{index + 1:02d}.mp4"
        if not piece.is_file():
            subprocess.run(
                [
                    "ffmpeg",
                    "-nostdin",
                    "-v",
                    "error",
                    "-y",
                    "-ss",
                    f"{index * length:.3f}",
                    "-i",
                    str(media),
                    "-t",
                    f"{length:.3f}",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                    "-c:a",
                    "aac",
                    str(piece),
                ],
                check=True,
            )
        pieces.append(piece)
    return pieces


def stage_table(manifest) -> list[tuple[str, float]]:
    return [(name, info.seconds) for name, info in manifest.run.stages.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench" / "pipeline")
    args = parser.parse_args()
    out = args.out.resolve()
    isolate(out)
    install_argos()
    from localize.media import probe
    from localize.pipeline import RunOptions, batch, run_episode

    media = long_episode(out / "long_zh", args.minutes)
    duration = probe(media).duration
    single = out / "single"
    shutil.rmtree(single, ignore_errors=True)
    started = time.perf_counter()
    manifest = run_episode(media, MARKETS, single, dub=True, options=RunOptions(language="zh"))
    total = time.perf_counter() - started

    print(
        f"\n## One {duration / 60000:.1f}-minute Mandarin episode, markets {MARKETS}, with dub "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} after the run)\n"
    )
    print("| stage | wall s | x real time |\n|---|---:|---:|")
    for name, seconds in stage_table(manifest):
        speed = f"{duration / 1000 / seconds:.0f}" if seconds >= 0.01 else "-"
        print(f"| {name} | {seconds:.2f} | {speed} |")
    print(f"| total (incl. probing, hashing, writing outputs) | {total:.2f} | {duration / 1000 / total:.1f} |")

    pieces = split(media, out / "parts", args.episodes, duration)
    rows = []
    for jobs in (1, 2):
        target = out / f"batch-j{jobs}"
        shutil.rmtree(target, ignore_errors=True)
        result = batch(pieces, MARKETS, target, jobs=jobs, dub=True, options=RunOptions(language="zh"))
        assert result.ok, result.table()
        rows.append((f"first run, {jobs} worker(s)", result.seconds))
    rerun = batch(pieces, MARKETS, out / "batch-j2", jobs=2, dub=True, options=RunOptions(language="zh"))
    assert rerun.ok and all(r.cached for r in rerun.results), rerun.table()
    rows.append(("re-run of the finished batch, 2 workers", rerun.seconds))

    media_minutes = duration / 60000
    load = f"load average {os.getloadavg()[0]:.1f} after the runs: other processes share these cores"
    print(
        f"\n## Batch: {args.episodes} episodes of {duration / args.episodes / 1000:.0f} s "
        f"({media_minutes:.1f} media minutes), markets {MARKETS}, with dub ({load})\n"
    )
    print("| run | wall s | episodes/min | media min per wall min |\n|---|---:|---:|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} | {args.episodes / seconds * 60:.1f} | {media_minutes / seconds * 60:.2f} |")
    ratio = rows[2][1] / rows[1][1]
    print(
        f"\nre-run cost: {rows[2][1]:.2f} s = {ratio:.1%} of the first 2-worker run "
        f"({'meets' if ratio < 0.05 else 'MISSES'} the under-5% goal)"
    )
    print(json.dumps({"stages": dict(stage_table(manifest)), "batch": dict(rows), "rerun_ratio": round(ratio, 4)}))


if __name__ == "__main__":
    main()
