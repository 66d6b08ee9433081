"""Incremental re-render after a corrected line: the per-line dub cache and the smart burn.

Real espeak-ng (its calls counted through a wrapper on PATH), real ffmpeg/x264/libass; frames
compared by their decoded MD5 (``ffmpeg -f framemd5``).
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from localize.delivery.smartburn import rerender_burn
from localize.dubbing import dub, mix, remix
from localize.model import Cue, Track

SHOTS = (
    "testsrc2=s=360x640:r=30:d=2",
    "mandelbrot=s=360x640:r=30,trim=duration=2",
    "smptebars=s=360x640:r=30:d=2",
    "rgbtestsrc=s=360x640:r=30:d=2",
)  # x264 starts a GOP at each cut: frames 0, 60, 120, 180
LINES = ["Where were you last night?", "I waited for an hour.", "The CEO is waiting for you.", "Then let him wait."]
EDITED = 2


def track(lines: list[str]) -> Track:
    return Track(cues=[Cue(k * 2000 + 300, k * 2000 + 1500, text) for k, text in enumerate(lines)], language="en")


EDITED_LINES = [*LINES[:EDITED], "The boss is waiting for you.", *LINES[EDITED + 1 :]]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """8 s, 360x640, 30 fps: four very different 2 s shots, a tone."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    inputs = [arg for shot in SHOTS for arg in ("-f", "lavfi", "-i", shot)]
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            *inputs,
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:duration=8",
            "-filter_complex",
            "[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv420p[v]",
            "-map",
            "[v]",
            "-map",
            "4:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture
def espeak_calls(tmp_path, monkeypatch) -> Path:
    """A wrapper for espeak-ng first on PATH that logs every synthesis (``-w``) into the returned file."""
    real = subprocess.run(["which", "espeak-ng"], capture_output=True, text=True, check=True).stdout.strip()
    folder, log = tmp_path / "bin", tmp_path / "espeak.log"
    folder.mkdir()
    wrapper = folder / "espeak-ng"
    wrapper.write_text(f'#!/bin/sh\ncase " $* " in *" -w "*) echo "$*" >> "{log}";; esac\nexec {real} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


def calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_redub_with_the_line_cache_synthesizes_only_the_edited_line(clip, tmp_path, espeak_calls):
    cache = tmp_path / "cache"
    first = dub(track(LINES), tmp_path / "a.wav", video=clip, voice="espeak:en-us", line_cache=cache)
    assert calls(espeak_calls) == len(LINES) and first.cache == {"synthesized": 4, "reused": 0, "mix": "normalized"}
    second = dub(track(EDITED_LINES), tmp_path / "b.wav", video=clip, voice="espeak:en-us", line_cache=cache)
    assert calls(espeak_calls) == len(LINES) + 1
    assert second.cache == {"synthesized": 1, "reused": 3, "mix": "spliced"}
    assert abs(second.loudness_lufs - -16.0) <= 0.5 and second.true_peak_dbtp <= -1.0
    a, rate = soundfile.read(tmp_path / "a.wav", dtype="int32")
    b, _ = soundfile.read(tmp_path / "b.wav", dtype="int32")
    start, next_start = (round(ms * rate / 1000) for ms in (EDITED * 2000 + 300, (EDITED + 1) * 2000 + 300))
    assert len(a) == len(b) == 8 * rate
    assert np.array_equal(a[:start], b[:start]) and np.array_equal(a[next_start:], b[next_start:])
    assert np.count_nonzero(a[start:next_start] != b[start:next_start]) > rate // 10  # the new line sounds
    dub(track(LINES), tmp_path / "plain.wav", video=clip, voice="espeak:en-us")  # no cache: what it always made
    assert np.array_equal(soundfile.read(tmp_path / "plain.wav", dtype="int32")[0], a)
    synthesized = calls(espeak_calls)
    again = dub(track(EDITED_LINES), tmp_path / "c.wav", video=clip, voice="espeak:en-us", line_cache=cache)
    assert calls(espeak_calls) == synthesized and again.cache["synthesized"] == 0
    assert np.array_equal(soundfile.read(tmp_path / "c.wav", dtype="int32")[0], b)


def frame_md5s(path: Path) -> list[str]:
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if not line.startswith("#")]


def pitch(path: Path) -> float:
    """The strongest frequency (Hz) of the decoded audio."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-ac",
            "1",
            "-ar",
            "48000",
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(raw, dtype=np.float32)
    return float(np.argmax(np.abs(np.fft.rfft(samples))) * 48000 / len(samples))


def probe_facts(path: Path) -> tuple[str, str]:
    """(stream and format facts, ffprobe's error output) with every frame counted."""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_type,nb_read_frames,duration:format=duration",
            "-of",
            "compact",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout, result.stderr


def test_smart_burn_reencodes_only_the_gop_of_the_edited_cue(clip, tmp_path):
    state, first_dub, new_dub = tmp_path / "state", tmp_path / "dub1.wav", tmp_path / "dub2.wav"
    for path, frequency in ((first_dub, 500), (new_dub, 700)):
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={frequency}:duration=8",
                "-ar",
                "48000",
                str(path),
            ],
            check=True,
        )
    cold = rerender_burn(clip, track(LINES), tmp_path / "a.mp4", state, cover="none", audio=first_dub)
    assert cold.mode == "full" and cold.reason == "no previous output given" and cold.frames == 240
    smart = rerender_burn(
        clip, track(EDITED_LINES), tmp_path / "b.mp4", state, previous=tmp_path / "a.mp4", cover="none", audio=new_dub
    )
    assert smart.mode == "smart" and smart.runs == [(120, 180)] and smart.reencoded == 60, smart.reason
    old, new = frame_md5s(tmp_path / "a.mp4"), frame_md5s(tmp_path / "b.mp4")
    assert len(old) == len(new) == 240
    assert old[:120] == new[:120] and old[180:] == new[180:]  # copied GOPs: bit-identical frames
    showing = range(round(4.3 * 30) + 1, round(5.5 * 30) - 1)  # frames showing the edited cue
    assert all(old[n] != new[n] for n in showing)
    facts, errors = probe_facts(tmp_path / "b.mp4")
    assert errors == "" and facts == probe_facts(tmp_path / "a.mp4")[0]
    decode = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(tmp_path / "b.mp4"), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert decode.returncode == 0 and decode.stderr == ""
    # the smart result is itself a recorded previous output: an edit back touches the same GOP only
    assert abs(pitch(tmp_path / "a.mp4") - 500) < 2 and abs(pitch(tmp_path / "b.mp4") - 700) < 2  # the new dub
    back = rerender_burn(
        clip, track(LINES), tmp_path / "b.mp4", state, previous=tmp_path / "b.mp4", cover="none", audio=new_dub
    )
    assert back.mode == "smart" and back.runs == [(120, 180)]
    assert frame_md5s(tmp_path / "b.mp4")[:120] == old[:120]


def test_smart_burn_falls_back_to_a_full_burn_when_the_previous_output_does_not_match(clip, tmp_path):
    state = tmp_path / "state"
    rerender_burn(clip, track(LINES), tmp_path / "a.mp4", state, cover="none")
    other = rerender_burn(
        clip,
        track(EDITED_LINES),
        tmp_path / "b.mp4",
        state,
        previous=tmp_path / "a.mp4",
        cover="none",
        style="Fontsize=80",
    )
    assert other.mode == "full" and "other options" in other.reason and other.reencoded == 240
    unknown = rerender_burn(clip, track(EDITED_LINES), tmp_path / "c.mp4", state, previous=clip, cover="none")
    assert unknown.mode == "full" and "no render state" in unknown.reason
    assert len(frame_md5s(tmp_path / "c.mp4")) == 240


def test_remix_normalizes_again_when_the_spliced_mix_would_miss_the_loudness_target(tmp_path):
    rate, length = mix.SAMPLE_RATE, 6 * mix.SAMPLE_RATE
    tone = (0.1 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate)).astype(np.float32)
    lines = [(0, tone), (2 * rate, tone), (4 * rate, tone)]
    memory = remix.MixMemory(tmp_path, {"episode": 1})

    def render(placed):
        regions = [(start, start + len(audio)) for start, audio in placed]
        return remix.normalize(mix.place(placed, length), placed, regions, -16.0, -1.0, None, memory)

    first, _, how = render(lines)
    assert how == "normalized"
    quiet, measured, how = render([*lines[:2], (4 * rate, tone * 0.9)])  # 0.9 dB quieter line: within 0.5 LU
    assert how == "spliced" and np.array_equal(quiet[: 4 * rate], first[: 4 * rate])
    assert abs(measured.integrated - -16.0) <= 0.5
    loud, measured, how = render([*lines[:2], (4 * rate, tone * 4)])  # 12 dB louder: the whole mix again
    assert how == "normalized" and abs(measured.integrated - -16.0) <= 0.1 and measured.true_peak <= -1.0
    assert not np.array_equal(loud[: 2 * rate], quiet[: 2 * rate])
