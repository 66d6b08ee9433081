"""Burned-in subtitles: read by real RapidOCR from the hardsub fixture, bad inputs, CLI.

The fixture (fixtures/make_hardsub.py) has the zh reference lines plus "把Joy-Con给我。"
burned in by libass, a logo at the top and a disclaimer under the band all the time.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from localize import load
from localize.cli import cli
from localize.errors import InputError
from localize.hardsub import NoSubtitlesFound, read_hardsubs
from localize.model import is_cjk
from localize.text import edit_distance
from localize.transcription import transcribe

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HARDSUB = FIXTURES / "episode_zh_hardsub" / "episode.mp4"
REFERENCE = FIXTURES / "episode_zh_hardsub" / "reference.srt"
PLAIN = FIXTURES / "episode_zh" / "episode.mp4"
FRAME_MS = 1000 / 30

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance / reference length."""
    return edit_distance(reference, hypothesis) / max(len(reference), 1)


def shown_from(ms: int) -> float:
    """Time of the first 30 fps frame libass draws a cue starting (or ending) at ``ms`` on (ASS keeps centiseconds)."""
    return math.ceil(ms // 10 * 10 / FRAME_MS - 1e-9) * FRAME_MS


def cli_run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def track():
    return read_hardsubs(HARDSUB)


def test_reads_every_line_with_low_cer(track):
    reference = load(REFERENCE)
    assert track.language == "zh" and track.meta["from"] == "hardsub"
    assert len(track) == len(reference)
    assert cer("".join(c.text for c in reference), "".join(c.text for c in track)) <= 0.01
    assert any("Joy-Con" in c.text for c in track)


def test_cue_times_within_one_frame_of_what_was_burned(track):
    for got, want in zip(track, load(REFERENCE)):
        assert abs(got.start - shown_from(want.start)) <= FRAME_MS + 1, (got, want)
        assert abs(got.end - shown_from(want.end)) <= FRAME_MS + 1, (got, want)


def test_variable_frame_rate_times_come_from_each_frames_timestamp(tmp_path):
    """30 fps for 12 s, then 12 fps: frame number / nominal rate would put later cues seconds early."""
    vfr = tmp_path / "vfr.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(HARDSUB),
            "-filter_complex",
            "[0:v]trim=0:12,setpts=PTS-STARTPTS[a];[0:v]trim=12,setpts=PTS-STARTPTS,fps=12[b];[a][b]concat=n=2:v=1[v]",
            "-map",
            "[v]",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            str(vfr),
        ],
        check=True,
    )
    probed = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
            str(vfr),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times = [float(t.strip(",")) * 1000 for t in probed.split()]
    track = read_hardsubs(vfr)
    reference = load(REFERENCE)
    assert len(track) == len(reference)
    for got, want in zip(track, reference):
        for ms, truth in ((got.start, want.start), (got.end, want.end)):
            shown = next((t for t in times if t >= truth // 10 * 10), times[-1] + 1000 / 12)
            assert abs(ms - shown) <= 1000 / 12 + 1, (got, want)


def test_band_is_found_and_static_text_ignored(track):
    top, bottom = track.meta["band"]
    assert 0.7 < top < bottom < 0.9  # the dialogue rows (the disclaimer sits at ~0.96, the logo at the top)
    text = "".join(c.text for c in track)
    assert "短剧" not in text and "虚构" not in text and "SHOT" not in text


def test_ocr_runs_once_per_event_not_per_frame(track):
    assert len(track) <= track.meta["ocr_calls"] <= 2 * len(track)  # 735 frames in the video


def test_band_override_reads_the_same_text(track, tmp_path):
    out = tmp_path / "band.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "hardsub", "--band", "0.75,0.87")
    assert result.exit_code == 0, result.output
    assert [c.text for c in load(out)] == [c.text for c in track]


@pytest.mark.parametrize(
    "band, message",
    [
        ("1.2,0.5", "outside the frame"),
        ("0.5", "give TOP,BOTTOM"),
        ("0.05,0.15", "no text comes and goes in the band"),
    ],
)
def test_bad_band_is_a_one_line_error_and_writes_nothing(tmp_path, band, message):
    out = tmp_path / "x.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "hardsub", "--band", band)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and not list(tmp_path.iterdir())


def test_video_without_subtitles_is_a_clear_error(tmp_path):
    with pytest.raises(NoSubtitlesFound, match="no burned-in subtitles found"):
        read_hardsubs(PLAIN)


def test_audio_only_file_is_refused_for_hardsub(tmp_path):
    audio = tmp_path / "speech.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(PLAIN), "-vn", "-t", "2", str(audio)], check=True)
    out = tmp_path / "x.srt"
    result = cli_run("transcribe", audio, "-o", out, "--source", "hardsub")
    assert result.exit_code == 1 and "has no video stream" in result.output and not out.exists()


def test_unknown_source_is_refused():
    with pytest.raises(InputError, match="unknown source 'pixels'"):
        transcribe(HARDSUB, source="pixels")


def test_auto_picks_hardsub_and_says_so(tmp_path):
    out = tmp_path / "auto.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "auto")
    assert result.exit_code == 0, result.output
    assert "from the hardsub" in result.output
    assert all(any(map(is_cjk, c.text)) for c in load(out))


@pytest.mark.slow
def test_auto_falls_back_to_audio_without_subtitles(tmp_path):
    out = tmp_path / "auto.srt"
    result = cli_run("transcribe", PLAIN, "-o", out, "--source", "auto", "--language", "zh")
    assert result.exit_code == 0, result.output
    assert "no burned-in subtitles found" in result.output and "from the audio" in result.output
    assert len(load(out)) >= 4
