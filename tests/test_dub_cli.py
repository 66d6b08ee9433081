"""``localize dub`` on the command line: a real run, and every bad input as a one-line error."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from localize.cli import cli
from support import assert_one_line_error

EPISODE = Path(__file__).resolve().parent.parent / "fixtures" / "episode_en"
pytestmark = pytest.mark.skipif(not (EPISODE / "episode.mp4").exists(), reason="fixture episode not generated")


def run(*args: str):
    return CliRunner().invoke(cli, ["dub", *map(str, args)])


def assert_nothing_written(folder: Path, *before: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)


def test_cli_dubs_and_reports(tmp_path):
    result = run(
        EPISODE / "reference.srt",
        "-o",
        tmp_path / "dub.wav",
        "--video",
        EPISODE / "episode.mp4",
        "--voices",
        "A=piper:en_US-joe-medium,B=espeak:en-us",
        "--shots",
        EPISODE / "shots.csv",
        "--report",
        tmp_path / "report.json",
        "--json",
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    saved = json.loads((tmp_path / "report.json").read_text())
    assert printed == saved
    assert len(saved["lines"]) == 6 and saved["duration_ms"] > 0
    assert abs(saved["loudness_lufs"] - -16.0) <= 0.5 and saved["true_peak_dbtp"] <= -1.0
    assert soundfile.info(tmp_path / "dub.wav").samplerate == 48_000
    script = json.loads((EPISODE / "script.json").read_text())
    for line, cue in zip(saved["lines"], script["lines"]):  # each window ends at the first cut after its cue
        later = [cut for cut in script["cuts_ms"] if cut >= cue["end"]] + [script["duration_ms"]]
        assert line["cue_start"] + line["window_ms"] <= min(later)


def test_cli_mux_tags_the_detected_language(tmp_path):
    result = run(
        EPISODE / "reference.srt",
        "-o",
        tmp_path / "dub.m4a",
        "--video",
        EPISODE / "episode.mp4",
        "--mux",
        tmp_path / "dub.mkv",
        "--original-language",
        "en",
    )
    assert result.exit_code == 0, result.output
    assert "muxed" in result.stdout and "6 lines" in result.stdout
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(tmp_path / "dub.mkv")],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(probe.stdout)["streams"]
    assert [(s["codec_type"], s["codec_name"]) for s in found] == [
        ("video", "h264"),
        ("audio", "aac"),
        ("audio", "aac"),
        ("subtitle", "subrip"),
    ]
    assert [s["tags"]["language"] for s in found[1:]] == ["eng", "eng", "eng"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dub.m4a", "dub.mkv"]


def test_list_voices():
    result = run("--list-voices")
    assert result.exit_code == 0
    voices = result.stdout.split()
    assert "piper:en_US-joe-medium" in voices and "espeak:es" in voices and "espeak:cmn" in voices


def test_unknown_voice(tmp_path):
    result = run(EPISODE / "reference.srt", "-o", tmp_path / "dub.wav", "--voice", "piper:nobody-here")
    assert_one_line_error(result, "nobody-here", "piper:en_US-joe-medium")
    assert_nothing_written(tmp_path)
    result = run(EPISODE / "reference.srt", "-o", tmp_path / "dub.wav", "--voice", "festival:kal")
    assert_one_line_error(result, "unknown voice", "espeak:<language>", "piper:en_US-joe-medium")
    result = run(EPISODE / "reference.srt", "-o", tmp_path / "dub.wav", "--voice", "espeak:elvish-quenya")
    assert_one_line_error(result, "elvish-quenya")
    assert_nothing_written(tmp_path)


def test_bed_shorter_than_video(tmp_path):
    bed = tmp_path / "short.wav"
    soundfile.write(bed, np.zeros(48_000 * 5, dtype=np.float32), 48_000)
    result = run(
        EPISODE / "reference.srt",
        "-o",
        tmp_path / "dub.wav",
        "--video",
        EPISODE / "episode.mp4",
        "--bed",
        bed,
        "--mux",
        tmp_path / "dub.mp4",
    )
    assert_one_line_error(result, "short.wav", "shorter than the video")
    assert_nothing_written(tmp_path, "short.wav")


def test_subtitles_longer_than_video(tmp_path):
    srt = tmp_path / "long.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:05:00,000 --> 00:05:02,000\nToo late.\n")
    result = run(srt, "-o", tmp_path / "dub.wav", "--video", EPISODE / "episode.mp4")
    assert_one_line_error(result, "run past the video", "cue 2")
    assert_nothing_written(tmp_path, "long.srt")


@pytest.mark.parametrize(
    "case",
    [
        "missing subs",
        "missing video",
        "text as video",
        "bad output",
        "bad mux",
        "mux without video",
        "bad loudness",
        "bad speeds",
        "bad voices",
    ],
)
def test_bad_files(tmp_path, case):
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    srt, out, video = EPISODE / "reference.srt", tmp_path / "dub.wav", EPISODE / "episode.mp4"
    args, expected = {
        "missing subs": ((tmp_path / "nope.srt", "-o", out), "nope.srt"),
        "missing video": ((srt, "-o", out, "--video", tmp_path / "nope.mp4"), "nope.mp4"),
        "text as video": ((srt, "-o", out, "--video", text), "notes.txt"),
        "bad output": ((srt, "-o", tmp_path / "dub.mp3"), "dub.mp3"),
        "bad mux": ((srt, "-o", out, "--video", video, "--mux", tmp_path / "dub.avi"), "dub.avi"),
        "mux without video": ((srt, "-o", out, "--mux", tmp_path / "dub.mp4"), "--video"),
        "bad loudness": ((srt, "-o", out, "--loudness", "3"), "out of range"),
        "bad speeds": ((srt, "-o", out, "--max-speed", "1.1"), "comfortable"),
        "bad voices": ((srt, "-o", out, "--voices", "A"), "speaker=voice"),
    }[case]
    result = run(*args)
    assert_one_line_error(result, expected)
    assert_nothing_written(tmp_path, "notes.txt")
