"""Time stage: subtitles fitted to shot changes and reading speed, and a QC checker.

>>> shots = detect_shots("episode.mp4")                  # cut times in ms
>>> timed = retime(track, "en-vertical", shots, protected=["Lin Wan"])
>>> report = check(timed, "en-vertical", shots)
>>> report.ok, report.summary
>>> inputs = timing_inputs("episode.en.srt", video="episode.mp4")  # track, profile and cuts from files
"""

from localize.timing.check import QCReport, Violation, check
from localize.timing.inputs import TimingInputs, timing_inputs, track_language, video_cuts
from localize.timing.linebreak import break_lines, break_points
from localize.timing.profiles import Profile, builtin_profiles, default_profile_name, load_profile
from localize.timing.retime import retime
from localize.timing.shots import DETECTORS, detect_shot_frames, detect_shots, read_shots

__all__ = [
    "DETECTORS",
    "Profile",
    "QCReport",
    "TimingInputs",
    "Violation",
    "break_lines",
    "break_points",
    "builtin_profiles",
    "check",
    "default_profile_name",
    "detect_shot_frames",
    "detect_shots",
    "load_profile",
    "read_shots",
    "retime",
    "timing_inputs",
    "track_language",
    "video_cuts",
]
