"""Read every third-party subtitle file in ../shared/eval/subtitles and grade the result.

Each file must either read with the cue count and text its README gives, or be rejected
with a one-line error naming the file and the line. Prints a table; exits 1 on a miss.
Run: .venv/bin/python -m benchmarks.subtitles
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from localize.errors import LocalizeError
from localize.formats import load

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "subtitles"

GB2312 = [
    (27000, 30730, "宇宙守护神  保护我们远离邪恶"),
    (31500, 34100, "他能徒手抓住子弹  拦住疾速的火车"),
    (34100, 36570, "轻轻一跳就能飞跃高楼"),
]
#: file -> expected cue count (None: must be rejected)
EXPECTED: dict[str, int | None] = {
    "pysrt/utf-8.srt": 1332,
    "pysrt/windows-1252.srt": 1332,
    **{f"pysrt/bom-{e}.srt": 7 for e in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")},
    "pysrt/no-indexes.srt": 7,
    "pysrt/empty.srt": 7,
    "pysrt/invalid.srt": None,
    "cdown_srt/gb2312.srt": 3,
    "webvtt_py/sample.vtt": 16,
    "webvtt_py/sample.srt": 5,
    "webvtt_py/empty.vtt": None,
}
MUST_FAIL_PREFIXES = ("invalid", "missing_timeframe", "invalid_timeframe")


def expectation(name: str) -> int | None | str:
    if name in EXPECTED:
        return EXPECTED[name]
    if Path(name).name.startswith(MUST_FAIL_PREFIXES):
        return None
    return "any"


def grade(path: Path) -> tuple[str, str, str]:
    name = str(path.relative_to(EVAL))
    want = expectation(name)
    try:
        track = load(path)
    except LocalizeError as error:
        message = str(error)
        named = path.name in message and "\n" not in message
        verdict = "ok" if want in (None, "any") and named else "MISS"
        return name, f"rejected: {message.split(': ', 1)[1][:58]}", verdict
    got = f"{len(track)} cues, {track.meta['encoding']}"
    if want is None:
        return name, got, "MISS (should be rejected)"
    if want != "any" and len(track) != want:
        return name, got, f"MISS (want {want})"
    if name == "cdown_srt/gb2312.srt" and [(c.start, c.end, c.text) for c in track] != GB2312:
        return name, got, "MISS (text)"
    if name == "webvtt_py/sample.srt" and (track[2].start, track[2].end) != (11890, 16320):
        return name, got, "MISS (caption 2 times)"
    return name, got, "ok"


def main() -> int:
    if not EVAL.is_dir():
        print(f"skipped: {EVAL} not present")
        return 0
    started = time.perf_counter()
    rows = [grade(p) for p in sorted(EVAL.rglob("*")) if p.is_file()]
    elapsed = time.perf_counter() - started
    print(f"{'file':<40} {'result':<70} verdict")
    for name, got, verdict in rows:
        print(f"{name:<40} {got:<70} {verdict}")
    misses = sum(1 for *_, v in rows if v != "ok")
    print(f"\n{len(rows)} files, {len(rows) - misses} as expected, {misses} missed, {elapsed:.2f} s")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
