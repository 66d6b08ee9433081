"""Shot changes (hard cuts): detected from the video, cached per file, or read from an
editor's cut list (CSV or CMX3600 EDL). Cut times are ms of the first frame of each new shot.

Two detectors, measured side by side in ``benchmarks/shots.py``:

- ``scenedetect``: PySceneDetect's ContentDetector on luma only (threshold 18). Colour
  channels (hue, saturation) turn to noise in near-black frames, so a fade from black
  looks like a cut to the default detector; the luma difference of a fade is spread over
  many frames and stays far below a cut's.
- ``ffmpeg``: ffmpeg's ``scene`` score (select filter) above 0.1.

Both drop a cut closer than 15 frames to the previous one (PySceneDetect's default
minimum scene length), so a flash or a fast fade cannot produce a burst of cuts.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from localize import processes
from localize.errors import InputError, LocalizeError, OptionError
from localize.fileio import sha256_file, write_text_atomic
from localize.media import MediaInfo, ffmpeg_reading, frame_times, probe
from localize.model import DEFAULT_FPS, frame_rate, frames_to_ms
from localize.paths import cache_dir
from localize.validate import as_flag, as_number, as_path, as_text, public

MIN_SHOT_FRAMES = 15
CACHE_VERSION = 2  # 2: cut times are frames' presentation times (variable frame rate)


@dataclass(frozen=True)
class ShotDetector:
    """A named detector: ``detect(video, info, threshold)`` returns the cuts as the
    approximate presentation times (seconds) of each new shot's first frame."""

    name: str
    threshold: float
    detect: Callable[[Path, MediaInfo, float], list[float]]


def _detect_scenedetect(video: Path, info: MediaInfo, threshold: float) -> list[float]:
    from scenedetect import ContentDetector, SceneManager, open_video

    logging.getLogger("pyscenedetect").setLevel(logging.WARNING)  # it logs progress at INFO
    manager = SceneManager()
    manager.add_detector(ContentDetector(threshold=threshold, min_scene_len=MIN_SHOT_FRAMES, luma_only=True))
    try:
        manager.detect_scenes(open_video(str(video.absolute())))  # never a protocol or an option
    except Exception as error:  # OpenCV/PyAV failures arrive as many exception types
        raise InputError(f"{video}: PySceneDetect could not read the video ({error})") from None
    # On variable frame rate video its frame numbers are not frame indexes; its times are.
    return [start.seconds for start, _ in manager.get_scene_list()[1:]]


_FFMPEG_FRAME = re.compile(r"frame:(\d+)\s+pts:\S+\s+pts_time:([-0-9.e+]+)\s+lavfi\.scene_score=([0-9.]+)")


def _detect_ffmpeg(video: Path, info: MediaInfo, threshold: float) -> list[float]:
    cmd = [
        *ffmpeg_reading(video),
        "-map",
        "0:v:0",
        "-an",
        "-vf",
        "select='gte(scene,0)',metadata=print:file=-",
        "-f",
        "null",
        "-",
    ]
    result = processes.run(cmd, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise InputError(f"{video}: ffmpeg scene detection failed ({reason})")
    frames = [(int(n), float(t), float(s)) for n, t, s in _FFMPEG_FRAME.findall(result.stdout)]
    cuts = _spaced([n for n, _, score in frames if n > 0 and score > threshold])
    seconds = {n: t for n, t, _ in frames}
    return [seconds[n] for n in cuts]


def _spaced(frames: list[int], minimum: int = MIN_SHOT_FRAMES) -> list[int]:
    """Cuts at least ``minimum`` frames after the start and after the previous cut."""
    kept: list[int] = []
    for frame in frames:
        if frame - (kept[-1] if kept else 0) >= minimum:
            kept.append(frame)
    return kept


DETECTORS: dict[str, ShotDetector] = {
    "scenedetect": ShotDetector("scenedetect", 18.0, _detect_scenedetect),
    "ffmpeg": ShotDetector("ffmpeg", 0.1, _detect_ffmpeg),
}


@public()
def detect_shots(
    video: str | Path, method: str = "scenedetect", cache: bool = True, threshold: float | None = None
) -> list[int]:
    """Hard cuts of ``video`` in ms, frame-accurate. Cached per file content and settings."""
    return [ms for _, ms in detect_shot_frames(video, method, cache, threshold)]


def detect_shot_frames(
    video: str | Path, method: str = "scenedetect", cache: bool = True, threshold: float | None = None
) -> list[tuple[int, int]]:
    """Hard cuts of ``video`` as (frame index, ms) pairs: the index of each new shot's first
    frame in display order and that frame's presentation time, so variable frame rate
    video is timed as it plays. Without timestamps in the file: the nominal rate."""
    if as_text(method, "method", error=OptionError) not in DETECTORS:
        raise OptionError(f"unknown shot detection method '{method}' (known: {', '.join(DETECTORS)})")
    detector, cache = DETECTORS[method], as_flag(cache, "cache")
    threshold = detector.threshold if threshold is None else as_number(threshold, "threshold", 0, error=OptionError)
    video = as_path(video, "video")
    info = probe(video)
    if not info.has_video:
        raise InputError(f"{video}: has no video stream, so no shot changes to detect")
    key = f"{sha256_file(video)[:32]}-{method}-{threshold:g}-v{CACHE_VERSION}"
    cached = cache_dir("shots") / f"{key}.json" if cache else None
    if cached is not None and (hit := _read_cache(cached)) is not None:
        return hit
    times = frame_times(video)
    cuts = [_on_frame(seconds, times, info.fps or DEFAULT_FPS) for seconds in detector.detect(video, info, threshold)]
    if cached is not None:
        payload = {"video": str(video), "method": method, "threshold": threshold, "cuts": cuts}
        write_text_atomic(cached, json.dumps(payload))
    return cuts


def _read_cache(path: Path) -> list[tuple[int, int]] | None:
    """The cached cuts, or None when there are none or the entry is damaged (detect again)."""
    try:
        return [(int(frame), int(ms)) for frame, ms in json.loads(path.read_text())["cuts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _on_frame(seconds: float, times: list[int], fps: Fraction) -> tuple[int, int]:
    """The frame shown at ``seconds`` (a detector's approximate time): its index and exact
    presentation time from ``times``, or from the nominal rate when there are none."""
    if not times:
        frame = round(Fraction(seconds) * fps)
        return frame, frames_to_ms(frame, fps)
    ms = seconds * 1000
    index = bisect.bisect_left(times, ms)
    if index == len(times) or (index > 0 and ms - times[index - 1] < times[index] - ms):
        index -= 1
    return index, times[index]


# --- cut lists --------------------------------------------------------------------------


@public()
def read_shots(path: str | Path, fps: float | str | Fraction | None = None) -> list[int]:
    """Cut times (ms) from a shot list: CSV (PySceneDetect's scene list, or any table
    with a start time/timecode/frame column, or one cut per line), CMX3600 ``.edl``, or
    JSON (``{"cuts_ms": [...]}`` or ``{"cuts": [frames], "fps": N}``).

    ``fps`` converts frame numbers and HH:MM:SS:FF timecodes (default 30). An editor's
    list counts frames on the nominal grid (as an NLE's timeline does), so its frames stay
    ``frame / fps`` even for a variable frame rate file; detected cuts use the frames'
    presentation times instead (:func:`detect_shot_frames`).
    """
    path = as_path(path, "path")
    if not path.is_file():
        raise InputError(f"{path}: no such shot list")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: shot list is not UTF-8 text") from None
    rate = frame_rate(fps) if fps is not None else DEFAULT_FPS
    suffix = path.suffix.lower()
    reader = _read_edl if suffix == ".edl" else _read_json if suffix == ".json" else _read_csv
    cuts = reader(text, rate, path)
    return sorted({c for c in cuts if c > 0})


def parse_timecode(value: str, fps: Fraction) -> int:
    """``HH:MM:SS:FF`` (or ``;FF``) by frames, ``HH:MM:SS.mmm``/``,mmm`` by ms -> ms."""
    match = re.fullmatch(r"(\d+):(\d{1,2}):(\d{1,2})(?:([.,])(\d{1,3})|[:;](\d{1,3}))?", value.strip())
    if not match:
        raise ValueError(f"not a timecode: {value!r}")
    hours, minutes, seconds, _, fraction, frames = match.groups()
    ms = (int(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1000
    if fraction is not None:
        return ms + int(fraction.ljust(3, "0"))
    if frames is not None:
        return ms + frames_to_ms(int(frames), fps)
    return ms


def _read_edl(text: str, fps: Fraction, path: Path) -> list[int]:
    """Record-in times of the cut (``C``) events, relative to the first event."""
    record_ins: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or not fields[0].isdigit():
            if fields and fields[0].upper().startswith("FCM") and "DROP" in line.upper() and "NON" not in line.upper():
                raise InputError(f"{path}:{number}: drop-frame timecode is not supported")
            continue
        try:
            timecodes = [parse_timecode(f, fps) for f in fields[-4:]]
            transition = fields[3].upper()
        except (ValueError, IndexError):
            raise InputError(
                f"{path}:{number}: malformed EDL event line (expected 'NNN REEL CH C SRC-IN SRC-OUT REC-IN REC-OUT')"
            ) from None
        if transition == "C":
            record_ins.append(timecodes[2])
    if not record_ins:
        raise InputError(f"{path}: no cut events found in the EDL")
    origin = min(record_ins)
    return [t - origin for t in record_ins]


def _read_json(text: str, fps: Fraction, path: Path) -> list[int]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}:{error.lineno}: malformed JSON ({error.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("cuts_ms"), list):
        values, in_frames = data["cuts_ms"], False
    elif isinstance(data, dict) and isinstance(data.get("cuts"), list):
        values, in_frames = data["cuts"], True
        if "fps" in data:
            try:
                fps = frame_rate(data["fps"])
            except LocalizeError:
                raise InputError(f"{path}: 'fps' must be a positive frame rate, got {data['fps']!r}") from None
    else:
        raise InputError(f"{path}: expected a JSON object with 'cuts_ms' or 'cuts' (frames)")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise InputError(f"{path}: cut times must be numbers")
    return [frames_to_ms(int(v), fps) if in_frames else round(v) for v in values]


# Column names that hold a shot's start, best first, with how to read them.
_COLUMNS: list[tuple[str, str]] = [
    (r"^(start[ _]?)?(time )?\(?ms\)?$|^start[ _]ms$|^time \(ms\)$", "ms"),
    (r"^(start[ _])?time \(seconds\)$|^(start[ _])?seconds$", "seconds"),
    (r"^(start[ _])?timecode$", "timecode"),
    (r"^(start[ _])?frame$", "frame"),
]


def _read_csv(text: str, fps: Fraction, path: Path) -> list[int]:
    rows = [(n, [c.strip() for c in row]) for n, row in enumerate(csv.reader(io.StringIO(text)), 1)]
    if rows and rows[0][1] and rows[0][1][0].lower().startswith("timecode list"):
        rows = rows[1:]  # PySceneDetect's first line repeats the cuts; the table follows
    rows = _first_block(rows)
    if not rows:
        raise InputError(f"{path}: shot list is empty")
    header = [c.lower() for c in rows[0][1]]
    column, kind = _start_column(header)
    if column is None:
        return [_cell(path, n, row[0], "auto", fps) for n, row in rows if row and row[0]]
    return [_cell(path, n, row[column] if column < len(row) else "", kind, fps) for n, row in rows[1:]]


def _first_block(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Rows up to the first blank one (tools append notes after the table)."""
    start = next((i for i, (_, row) in enumerate(rows) if any(row)), len(rows))
    block = []
    for number, row in rows[start:]:
        if not any(row):
            break
        block.append((number, row))
    return block


def _start_column(header: Sequence[str]) -> tuple[int | None, str]:
    for pattern, kind in _COLUMNS:
        for index, name in enumerate(header):
            if re.search(pattern, name):
                return index, kind
    return None, "auto"


def _cell(path: Path, number: int, value: str, kind: str, fps: Fraction) -> int:
    try:
        if kind == "ms":
            return round(float(value))
        if kind == "seconds":
            return round(float(value) * 1000)
        if kind == "frame":
            return frames_to_ms(int(float(value)), fps)
        if kind == "timecode" or ":" in value:
            return parse_timecode(value, fps)
        return frames_to_ms(int(value), fps)
    except (ValueError, OverflowError):
        raise InputError(f"{path}:{number}: cannot read a cut time from {value!r}") from None
