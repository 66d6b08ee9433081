"""What timing and QC need from files: the track at the right frame rate, a profile, the cuts."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from localize.errors import InputError
from localize.formats import load
from localize.language import looks_chinese
from localize.media import probe
from localize.model import Track
from localize.timing.profiles import Profile, default_profile_name, load_profile
from localize.timing.shots import detect_shots, read_shots


@dataclass
class TimingInputs:
    """A track (at the timing grid's frame rate), its timing profile and the cut times (ms)."""

    track: Track
    profile: Profile
    shots: list[int]


def timing_inputs(
    subs: str | Path,
    video: str | Path | None = None,
    shots_file: str | Path | None = None,
    profile: str | Path | None = None,
    fps: Fraction | None = None,
    method: str = "scenedetect",
) -> TimingInputs:
    """Load ``subs`` for :func:`retime` and :func:`check`.

    The frame rate is ``fps``, else the video's, else the file's. The profile is ``profile``,
    else the default for the track's language (``-vertical`` for 9:16 video). Cuts are
    detected in ``video`` (cached) or read from ``shots_file`` (one of them, or neither).
    """
    track = load(subs)
    info = probe(video) if video else None
    if info is not None and not info.has_video:
        raise InputError(f"{video}: has no video stream, so no shot changes to detect")
    rate = fps or (info.fps if info else None) or track.fps
    track = track.replace(fps=rate)
    vertical = bool(info and info.width and info.height and info.height > info.width)
    chosen = load_profile(profile or default_profile_name(track_language(track), vertical))
    if video:
        shots = detect_shots(video, method=method)
    elif shots_file:
        shots = read_shots(shots_file, fps=rate)
    else:
        shots = []
    return TimingInputs(track, chosen, shots)


def video_cuts(path: str | Path, video: str | Path | None = None) -> list[int]:
    """Cut times from a cut list; frame numbers count at ``video``'s frame rate (else 30)."""
    return read_shots(path, fps=probe(video).fps if video else None)


def track_language(track: Track) -> str | None:
    """The track's language, else ``zh`` when its text looks Chinese."""
    return track.language or ("zh" if looks_chinese(track.text()) else None)
