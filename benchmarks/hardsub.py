"""Burned-in subtitles: OCR reading quality and speed, and burn speed, per cover mode.

Data: the committed hardsub fixture (24.5 s, 360x640) and a 2-minute 1080x1920 Mandarin
episode built with ``fixtures/make_fixtures.py --long`` and ``fixtures/make_hardsub.py
--size 1080x1920`` (cached under ``--out``). Truth: the lines burned in and their
frame-exact on/off times (libass draws a cue on the frames whose timestamps fall in its
centisecond-rounded interval).

Rows: ``read_hardsubs`` (band search, frame-exact change detection, one OCR call per
event), and for comparison OCR of the band on every frame (the per-call cost measured
on 60 frames, times the frame count, plus the decode); then ``burn`` per cover mode.

Style rows (``fixtures/make_hardsub_styles.py``): full-width lines (17-18 characters
across the 9:16 frame), yellow serif on a translucent box and white on an opaque box,
over cuts, a white fade and a title card. The reader was tuned on clips from the
``tune`` text pool (seeds 1-5); these rows use the disjoint ``report`` pool and other seeds.

    .venv/bin/python -m benchmarks.hardsub [--minutes 2] [--out out/bench/hardsub]
    .venv/bin/python -m benchmarks.hardsub --styles-only --size 360x640 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

from localize import load
from localize.delivery import burn
from localize.errors import LocalizeError
from localize.hardsub import load_ocr, locate, read_hardsubs
from localize.hardsub.frames import frames
from localize.media import probe
from localize.text import edit_distance

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "episode_zh_hardsub"


def long_hardsub(folder: Path, minutes: float) -> Path:
    """The 1080x1920 hardsub episode, built once."""
    media = folder / "hardsub" / "episode.mp4"
    if not media.is_file():
        plain = folder / "plain"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "fixtures" / "make_fixtures.py"),
                "--long",
                str(plain),
                "--minutes",
                str(minutes),
                "--language",
                "zh",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "fixtures" / "make_hardsub.py"),
                "--input",
                str(plain / "episode.mp4"),
                "--subs",
                str(plain / "reference.srt"),
                "--size",
                "1080x1920",
                "--no-extra",
                "--out",
                str(media.parent),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return media


def cer(reference: str, hypothesis: str) -> float:
    return edit_distance(list(reference), list(hypothesis)) / max(len(reference), 1)


def shown_from(ms: int, fps: Fraction) -> float:
    """First frame time at or after ``ms`` rounded down to centiseconds (what libass shows)."""
    frame = 1000 / fps
    return math.ceil(ms // 10 * 10 / frame - 1e-9) * frame


def timing_errors(track, reference, fps: Fraction) -> tuple[float, float]:
    """(mean, max) |error| in frames of on and off times, cues paired in order."""
    frame = 1000 / float(fps)
    errors = [
        abs(got - shown_from(want, fps)) / frame
        for a, b in zip(track, reference)
        for got, want in ((a.start, b.start), (a.end, b.end))
    ]
    return sum(errors) / max(len(errors), 1), max(errors, default=0.0)


def every_frame_seconds(video: Path, frame_count: int) -> float:
    """Estimated time to OCR the band on every frame: decode + per-call OCR time x frames."""
    band, events = locate(video)
    started = time.perf_counter()
    sum(1 for _ in frames(video))
    decode = time.perf_counter() - started
    ocr, crops = load_ocr(), []
    for frame in frames(video):
        crops.append(frame.luma[band.top : band.bottom].copy())
        if len(crops) == 60:
            break
    ocr.read_line(crops[0])  # warm-up
    started = time.perf_counter()
    for crop in crops:
        ocr.read_line(crop)
    return decode + (time.perf_counter() - started) / len(crops) * frame_count


def read_row(name: str, video: Path, reference_path: Path) -> dict:
    info = probe(video)
    frame_count = sum(1 for _ in frames(video, keyframes_only=False))
    started = time.perf_counter()
    track = read_hardsubs(video)
    seconds = time.perf_counter() - started
    reference = load(reference_path)
    mean_err, max_err = timing_errors(track, reference, info.fps)
    naive = every_frame_seconds(video, frame_count)
    return {
        "data": f"{name} ({info.width}x{info.height}, {info.duration / 1000:.1f} s)",
        "cues": f"{len(track)}/{len(reference)}",
        "cer": cer("".join(c.text for c in reference), "".join(c.text for c in track)),
        "timing_mean_frames": mean_err,
        "timing_max_frames": max_err,
        "ocr_calls": track.meta["ocr_calls"],
        "frames": frame_count,
        "seconds": seconds,
        "s_per_min": seconds / (info.duration / 60000),
        "every_frame_s": naive,
        "speedup": naive / seconds,
    }


def style_rows(out: Path, size: str, seconds: float, seeds: list[int]) -> list[dict]:
    """Read generated clips of each style (report texts, unseen seeds) against their truth."""
    rows = []
    for style in ("fullwidth", "translucent", "opaque"):
        for seed in seeds:
            folder = out / f"style-{style}-{seed}-{size}-{seconds:g}"
            if not (folder / "clip.json").is_file():  # written last: a finished clip
                subprocess.run(
                    [
                        sys.executable,
                        str(ROOT / "fixtures" / "make_hardsub_styles.py"),
                        style,
                        "--seed",
                        str(seed),
                        "--size",
                        size,
                        "--seconds",
                        str(seconds),
                        "--texts",
                        "report",
                        "--out",
                        str(folder),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            reference = load(folder / "reference.srt")
            started = time.perf_counter()
            try:
                track = read_hardsubs(folder / "episode.mp4")
            except LocalizeError as error:
                rows.append({"data": f"{style} seed {seed}", "cues": f"0/{len(reference)}", "error": str(error)})
                continue
            mean_err, max_err = timing_errors(track, reference, probe(folder / "episode.mp4").fps)
            rows.append(
                {
                    "data": f"{style} seed {seed}",
                    "cues": f"{len(track)}/{len(reference)}",
                    "cer": cer("".join(c.text for c in reference), "".join(c.text for c in track)),
                    "timing_mean_frames": mean_err,
                    "timing_max_frames": max_err,
                    "flagged": sum(bool(c.flags) for c in track),
                    "seconds": time.perf_counter() - started,
                }
            )
    return rows


def print_styles(rows: list[dict], size: str, seconds: float) -> None:
    print(
        f"\n## Subtitle styles over cuts and a white fade ({size}, {seconds:g} s clips; tuned on the 'tune' texts, "
        "seeds 1-5; reported on the 'report' texts and these seeds)\n"
    )
    print(
        "| clip | cues read / truth | CER | on/off error, frames (mean / max) | flagged ocr | wall s |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    for r in rows:
        if "error" in r:
            print(f"| {r['data']} | {r['cues']} | - | - | - | {r['error']} |")
            continue
        print(
            f"| {r['data']} | {r['cues']} | {r['cer']:.2%} | {r['timing_mean_frames']:.2f} / "
            f"{r['timing_max_frames']:.2f} | {r['flagged']} | {r['seconds']:.1f} |"
        )


def burn_rows(video: Path, reference_path: Path, out: Path, modes: list[str]) -> list[dict]:
    info = probe(video)
    english = load(reference_path).replace(language="en")
    english.cues = [c.__class__(c.start, c.end, f"Line {i}: they are finally home") for i, c in enumerate(english, 1)]
    rows = []
    for mode in modes:
        started = time.perf_counter()
        burn(video, english, out / f"burned-{mode}.mp4", cover=mode)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "data": f"{info.width}x{info.height}, {info.duration / 1000:.1f} s",
                "cover": mode,
                "seconds": seconds,
                "x_real_time": info.duration / 1000 / seconds,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench" / "hardsub")
    parser.add_argument("--styles-only", action="store_true", help="only the generated style clips")
    parser.add_argument("--size", default="1080x1920", help="style clips' frame size")
    parser.add_argument("--seconds", type=float, default=20.0, help="style clips' length")
    parser.add_argument("--seeds", default="21,22", help="style clips' seeds (unseen while tuning)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    styles = style_rows(args.out, args.size, args.seconds, [int(s) for s in args.seeds.split(",")])
    print_styles(styles, args.size, args.seconds)
    if args.styles_only:
        print(json.dumps({"styles": styles}, default=str))
        return
    long_video = long_hardsub(args.out, args.minutes)
    datasets = [
        ("fixture episode_zh_hardsub", FIXTURE / "episode.mp4", FIXTURE / "reference.srt"),
        (f"{args.minutes:g}-min episode", long_video, long_video.parent / "reference.srt"),
    ]
    reads = [read_row(*data) for data in datasets]
    print(f"\n## Reading burned-in subtitles ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})\n")
    print(
        "| data | cues read | CER | on/off error, frames (mean / max) | OCR calls / frames | wall s | s per video min "
        "| OCR every frame, est. s | speed-up |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for r in reads:
        print(
            f"| {r['data']} | {r['cues']} | {r['cer']:.2%} | {r['timing_mean_frames']:.2f} / {r['timing_max_frames']:.2f} "
            f"| {r['ocr_calls']} / {r['frames']} | {r['seconds']:.1f} | {r['s_per_min']:.1f} | {r['every_frame_s']:.0f} "
            f"| {r['speedup']:.0f}x |"
        )
    burns = burn_rows(FIXTURE / "episode.mp4", FIXTURE / "reference.srt", args.out, ["none", "blur", "box", "inpaint"])
    burns += burn_rows(long_video, long_video.parent / "reference.srt", args.out, ["none", "blur", "box"])
    print(f"\n## Burning subtitles in (x264 veryfast crf 20; load average {os.getloadavg()[0]:.1f})\n")
    print("| data | cover | wall s | x real time |\n|---|---|---:|---:|")
    for r in burns:
        print(f"| {r['data']} | {r['cover']} | {r['seconds']:.1f} | {r['x_real_time']:.1f} |")
    print(json.dumps({"styles": styles, "read": reads, "burn": burns}, default=str))


if __name__ == "__main__":
    main()
