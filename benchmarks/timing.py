"""Timing: QC compliance before and after retime, and retime speed.

1. Violations per rule before -> after `retime`, on the fixture episodes (reference
   subtitles; the English lines on the Chinese episode's speech, as a translation would
   arrive; the same squeezed into 40% of the speech time) with their cuts, and on every
   file of ../shared/eval/subtitles that parses (no shots there). "unexpl." counts
   violations left after retime without a flag explaining why no timing can fix them.
2. Time to retime and check 10,000 to 80,000 random cues (a cut every 1-3 s): the
   time per cue stays flat (O(n log n)); 10,000 cues must take under a second.
3. Time to retime one absurdly long one-line cue (the hardening review's F9 input,
   "abcdefghij " repeated, 4 s of speech): linear in the line's length. Before the fix
   (every candidate break sliced the whole text) 100 KB took 11 s, 200 KB 42-71 s and
   1.1 MB over 5 minutes.

    .venv/bin/python -m benchmarks.timing
"""

from __future__ import annotations

import json
import random
import time
from fractions import Fraction
from pathlib import Path

from localize.errors import LocalizeError
from localize.formats import load
from localize.model import Cue, Track
from localize.timing import check, default_profile_name, retime
from localize.timing.grid import RULES

ROOT = Path(__file__).resolve().parent.parent
EVAL_SUBTITLES = ROOT.parent / "shared" / "eval" / "subtitles"
SHORT = {
    "reading_speed": "cps",
    "line_length": "len",
    "line_count": "lines",
    "min_duration": "min",
    "max_duration": "max",
    "gap": "gap",
    "shot_change": "shot",
    "overlap": "ovl",
}


def fixture_cases() -> list[tuple[str, Track, str, list[int]]]:
    cases = []
    scripts = {}
    for lang in ("en", "zh"):
        folder = ROOT / "fixtures" / f"episode_{lang}"
        if not (folder / "script.json").exists():
            continue
        scripts[lang] = json.loads((folder / "script.json").read_text())
        track = load(folder / "reference.srt")
        cases.append((f"episode_{lang} reference.srt", track, f"{lang}-vertical", scripts[lang]["cuts_ms"]))
    if len(scripts) == 2:
        for stretch in (1.0, 0.4):
            cases.append(
                (
                    f"English on zh speech x{stretch:g}",
                    translated(scripts, stretch),
                    "en-vertical",
                    scripts["zh"]["cuts_ms"],
                )
            )
    return cases


def translated(scripts: dict, stretch: float) -> Track:
    zh, en = scripts["zh"]["lines"], scripts["en"]["lines"]
    cues = [
        Cue(z["start"], z["start"] + round((z["end"] - z["start"]) * stretch), e["text"], source=z["text"])
        for z, e in zip(zh, en)
    ]
    return Track(cues=cues, language="en", fps=Fraction(30))


def eval_cases() -> list[tuple[str, Track, str, list[int]]]:
    cases = []
    for path in sorted(EVAL_SUBTITLES.rglob("*")) if EVAL_SUBTITLES.exists() else []:
        if not path.is_file():
            continue
        try:
            track = load(path)
        except LocalizeError:
            continue
        if track.cues:
            language = track.language or ("zh" if "gb" in path.name else None)
            cases.append((str(path.relative_to(EVAL_SUBTITLES)), track, default_profile_name(language), []))
    return cases


def compliance() -> None:
    print("Compliance: violations per rule, before -> after retime")
    header = (
        f"{'data':<44} {'profile':<12} {'cues':>9} "
        + " ".join(f"{SHORT[r]:>7}" for r in RULES)
        + f" {'total':>9} {'unexpl.':>7} {'ms':>6}"
    )
    print(header)
    print("-" * len(header))
    totals = [0, 0, 0]
    for name, track, profile, shots in fixture_cases() + eval_cases():
        before = check(track, profile, shots)
        began = time.perf_counter()
        timed = retime(track, profile, shots)
        elapsed = (time.perf_counter() - began) * 1000
        after = check(timed, profile, shots)
        cells = " ".join(f"{before.summary[r]:>3}>{after.summary[r]:<3}" for r in RULES)
        total = f"{len(before.violations)}>{len(after.violations)}"
        print(
            f"{name[:44]:<44} {profile:<12} {len(track):>4}>{len(timed):<4} {cells} {total:>9} {len(after.unexplained()):>7} {elapsed:>6.0f}"
        )
        totals[0] += len(before.violations)
        totals[1] += len(after.violations)
        totals[2] += len(after.unexplained())
    print(f"all files: {totals[0]} violations before, {totals[1]} after, {totals[2]} of them unexplained")


def random_track(count: int, seed: int = 7) -> tuple[Track, list[int]]:
    rng = random.Random(seed)
    words = "the man said no and then she went home to see her old friend at the station before dark".split()
    cues, clock = [], 0
    for _ in range(count):
        clock += rng.randint(200, 3500)
        cues.append(Cue(clock, clock + rng.randint(300, 6000), " ".join(rng.choices(words, k=rng.randint(1, 16)))))
    shots, cut = [], 0
    while cut < clock:
        cut += rng.randint(1000, 3000)
        shots.append(cut)
    return Track(cues=cues, language="en"), shots


def speed() -> None:
    print("\nSpeed: retime and check of random cues (overlapping speech, a cut every 1-3 s), best of 3")
    print(f"{'cues':>7} {'shots':>7} {'retime s':>9} {'us/cue':>7} {'check s':>8} {'cues out':>9} {'unexpl.':>8}")
    for count in (10_000, 40_000, 80_000):
        track, shots = random_track(count)
        best_retime = best_check = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            timed = retime(track, "en", shots)
            best_retime = min(best_retime, time.perf_counter() - began)
            began = time.perf_counter()
            report = check(timed, "en", shots)
            best_check = min(best_check, time.perf_counter() - began)
        per_cue = best_retime / count * 1e6
        print(
            f"{count:>7} {len(shots):>7} {best_retime:>9.3f} {per_cue:>7.1f} {best_check:>8.3f} {len(timed):>9} {len(report.unexplained()):>8}"
        )


def long_lines() -> None:
    print("\nLong lines: one cue of 'abcdefghij ' repeated, 4 s of speech, profile en")
    print(f"{'bytes':>9} {'retime s':>9} {'us/byte':>8} {'cues out':>9} {'longest line':>13}")
    for size in (50_000, 200_000, 1_100_000):
        text = ("abcdefghij " * (size // 11)).strip()
        began = time.perf_counter()
        timed = retime(Track(cues=[Cue(1000, 5000, text)], language="en"), "en")
        elapsed = time.perf_counter() - began
        longest = max(len(line) for cue in timed for line in cue.text.split("\n"))
        print(f"{size:>9} {elapsed:>9.2f} {elapsed / size * 1e6:>8.1f} {len(timed):>9} {longest:>13}")


if __name__ == "__main__":
    compliance()
    speed()
    long_lines()
