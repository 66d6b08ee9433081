"""Benchmark the incremental re-render: one corrected line vs the cold run, per stage.

The episode: the hardsub fixture (burned-in Chinese subtitles, Mandarin speech) scaled to
1080x1920 and looped to 2 minutes (35 cues). The market: English, dubbed with espeak-ng
(fast), burned in over a blur cover of the Chinese subtitles, with the dub as its audio.

- cold: ``dub`` with an empty line cache, then ``rerender_burn`` with no previous output
  (a full burn: cover search, static text, x264 of every frame);
- re-render: one line in the middle corrected, then ``dub`` with the line cache (one line
  synthesized, the mix spliced) and ``rerender_burn`` given the cold output (the GOPs the
  cue touches encoded again, the rest copied).

Usage: ``.venv/bin/python benchmarks/rerender.py [--minutes 2] [--work DIR]`` (``--work`` keeps
the generated episode between runs). Prints one table.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks._table import print_table
from localize.delivery.smartburn import rerender_burn
from localize.dubbing import dub
from localize.formats import load
from localize.model import Cue, Track

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "fixtures" / "episode_zh_hardsub"
VOICE = "espeak:en-us"
LINES = [
    "Lin Wan, you are finally back.",
    "The CEO is waiting for you upstairs.",
    "I don't want to see Lu Jingchen.",
    "Young Master, she is your wife.",
    "He is not a live-in son-in-law, he is the God of War.",
    "Tomorrow we go home.",
    "Give me the Joy-Con.",
]


def episode(work: Path, minutes: float) -> tuple[Path, Track]:
    """The 1080x1920 episode (made once per ``work`` folder) and its English track (every line different)."""
    video = work / f"episode-{minutes:g}min.mp4"
    seconds = round(minutes * 60)
    if not video.exists():
        loops = int(seconds * 1000 // 24500) + 1
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-stream_loop",
                str(loops),
                "-i",
                str(SOURCE / "episode.mp4"),
                "-t",
                str(seconds),
                "-vf",
                "scale=1080:1920:flags=lanczos",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "18",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                str(video),
            ],
            check=True,
        )
    source = load(SOURCE / "reference.srt").cues
    cues = [
        Cue(cue.start + loop * 24500, cue.end + loop * 24500, f"{LINES[n % len(LINES)]} ({loop + 1})")
        for loop in range(seconds * 1000 // 24500 + 1)
        for n, cue in enumerate(source)
    ]
    return video, Track([cue for cue in cues if cue.end < seconds * 1000], language="en")


def render(video: Path, track: Track, out: Path, tag: str, previous: Path | None) -> tuple[dict[str, float], str]:
    """Dub then burn; seconds per stage, and what the burn did."""
    times = {}
    started = time.perf_counter()
    report = dub(track, out / f"dub-{tag}.wav", video=video, voice=VOICE, line_cache=out / "cache" / "dub-lines")
    times["dub"] = time.perf_counter() - started
    started = time.perf_counter()
    burned = rerender_burn(
        video,
        track,
        out / f"burned-{tag}.mp4",
        out / "cache" / "burn",
        previous=previous,
        cover="blur",
        audio=out / f"dub-{tag}.wav",
    )
    times["burn"] = time.perf_counter() - started
    what = (
        f"dub: {report.cache}; burn: {burned.mode}, {burned.reencoded}/{burned.frames} frames re-encoded "
        f"{burned.runs}{' (' + burned.reason + ')' if burned.reason else ''}"
    )
    return times, what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--work", type=Path, help="folder that keeps the generated episode (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rerender-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        video, track = episode(work, args.minutes)
        with tempfile.TemporaryDirectory(prefix="run-", dir=work) as run:
            out = Path(run)
            cold, cold_what = render(video, track, out, "cold", None)
            middle = len(track.cues) // 2
            edited = track.replace(
                cues=[
                    cue if n != middle else Cue(cue.start, cue.end, "The boss is waiting upstairs.")
                    for n, cue in enumerate(track.cues)
                ]
            )
            warm, warm_what = render(video, edited, out, "edit", out / "burned-cold.mp4")
    rows = [[stage, f"{cold[stage]:.1f}", f"{warm[stage]:.1f}", f"{warm[stage] / cold[stage]:.1%}"] for stage in cold]
    total_cold, total_warm = sum(cold.values()), sum(warm.values())
    rows.append(["dub + burn", f"{total_cold:.1f}", f"{total_warm:.1f}", f"{total_warm / total_cold:.1%}"])
    print(f"{args.minutes:g}-minute 1080x1920 episode, {len(track.cues)} cues, one line edited (cue {middle + 1})")
    print_table(["stage", "cold s", "re-render s", "ratio"], rows)
    print(f"cold: {cold_what}\nre-render: {warm_what}")


if __name__ == "__main__":
    main()
