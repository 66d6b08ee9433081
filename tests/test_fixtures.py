"""The committed fixtures match their scripts and README (checked with ffmpeg and codecs, not localize)."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EPISODES = ["episode_en", "episode_zh"]
RATE = 16000
SMALL = (36, 64)  # frames decoded at this size to compare colours


def load_script(name: str) -> dict:
    return json.loads((FIXTURES / name / "script.json").read_text(encoding="utf-8"))


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def decode_audio(path: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32)


def frame_means(path: Path) -> np.ndarray:
    """Mean RGB colour of every frame, shape (frames, 3)."""
    w, h = SMALL
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-an",
            "-vf",
            f"scale={w}:{h}:flags=area",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, h * w, 3).mean(axis=1)


def dbfs(samples: np.ndarray) -> float:
    return 20 * np.log10(max(float(np.sqrt(np.mean(samples**2))), 1e-10))


def window(audio: np.ndarray, start_ms: int, end_ms: int) -> np.ndarray:
    return audio[max(0, start_ms * RATE // 1000) : end_ms * RATE // 1000]


@pytest.fixture(scope="module", params=EPISODES)
def episode(request) -> tuple[dict, Path]:
    return load_script(request.param), FIXTURES / request.param / "episode.mp4"


@pytest.fixture(scope="module")
def audio(episode) -> np.ndarray:
    return decode_audio(episode[1])


def test_video_matches_script(episode):
    script, path = episode
    info = ffprobe(path)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p")
    assert (video["width"], video["height"]) == (script["width"], script["height"]) == (360, 640)
    assert video["r_frame_rate"] == video["avg_frame_rate"] == "30/1"
    assert int(video["nb_frames"]) == script["total_frames"]
    assert audio and audio[0]["codec_name"] == "aac"
    assert abs(float(info["format"]["duration"]) * 1000 - script["duration_ms"]) <= 40
    assert 20_000 <= script["duration_ms"] <= 26_000


def test_script_is_consistent(episode):
    script, path = episode
    assert script["fps"] == 30 and script["language"] in ("en", "zh")
    assert script["cuts_ms"] == [round(c * 1000 / 30) for c in script["cuts"]]
    assert script["cuts"] == sorted(set(script["cuts"]))
    shots = np.diff([0, *script["cuts"], script["total_frames"]])
    assert shots.min() >= 24 and shots.max() <= 100  # 0.8-3.3 s shots
    lines = script["lines"]
    assert len(lines) == 6
    assert all(a["end"] + 500 < b["start"] for a, b in zip(lines, lines[1:]))
    relations = {r for line in lines for r in line["relations"]}
    assert {"starts_after_cut", "ends_before_cut", "spans_cut"} <= relations


def test_cuts_are_real(episode):
    script, path = episode
    means = frame_means(path)
    assert len(means) == script["total_frames"]
    jumps = np.abs(np.diff(means, axis=0)).sum(axis=1)  # jumps[i]: frame i -> i + 1
    at_cuts = jumps[[c - 1 for c in script["cuts"]]]
    within = np.delete(jumps, [c - 1 for c in script["cuts"]])
    assert at_cuts.min() > 60, at_cuts
    assert within.max() < 10, within.max()


def test_lines_are_audible_and_gaps_silent(episode, audio):
    script, _ = episode
    assert abs(len(audio) * 1000 / RATE - script["duration_ms"]) <= 40
    for line in script["lines"]:
        assert dbfs(window(audio, line["start"], line["end"])) > -30, line["text"]
        # the first and last audible samples sit within 10 ms of the script's times
        peak = lambda a, b: float(np.abs(window(audio, a, b)).max())  # noqa: E731
        start, end = line["start"], line["end"]
        assert peak(start - 20, start - 5) < 0.003 < 0.005 < peak(start, start + 10), line["text"]
        assert peak(end + 5, end + 20) < 0.008, line["text"]  # AAC rings a little after abrupt ends
        assert peak(end + 20, end + 100) < 0.003 < peak(end - 10, end), line["text"]
    edges = [0] + [t for line in script["lines"] for t in (line["start"] - 100, line["end"] + 100)]
    edges.append(script["duration_ms"])
    for start, end in zip(edges[::2], edges[1::2]):
        assert dbfs(window(audio, start, end)) < -60, (start, end)


def test_shots_csv_and_reference_srt_match_script(episode):
    script, path = episode
    with (path.parent / "shots.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    starts = [int(r["start_frame"]) for r in rows]
    assert starts == [0, *script["cuts"]]
    assert int(rows[-1]["end_frame"]) == script["total_frames"]
    assert [int(r["start_ms"]) for r in rows[1:]] == script["cuts_ms"]
    srt = (path.parent / "reference.srt").read_text(encoding="utf-8")
    cues = re.findall(r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+)", srt)
    ms = lambda h, m, s, f: ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(f)  # noqa: E731
    assert [(ms(*c[:4]), ms(*c[4:8]), c[8]) for c in cues] == [
        (line["start"], line["end"], line["text"]) for line in script["lines"]
    ]


def test_mne_bed_is_quiet_and_as_long_as_the_video():
    import pyloudnorm
    import soundfile as sf

    bed, rate = sf.read(FIXTURES / "episode_en" / "mne.wav")
    assert abs(len(bed) * 1000 / rate - load_script("episode_en")["duration_ms"]) <= 1
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(bed) - -30) < 1


def readme_rows() -> list[dict]:
    table = (FIXTURES / "subtitles" / "README.md").read_text(encoding="utf-8").split("|---|---|---|---|---|\n")[1]
    rows = []
    for line in table.strip().splitlines():
        name, encoding, cues, first, _ = [cell.strip() for cell in line.strip("|").split(" | ")]
        rows.append({"name": name, "encoding": encoding, "cues": cues, "first": first.replace("\\n", "\n")})
    return rows


@pytest.mark.parametrize("row", readme_rows(), ids=lambda row: row["name"])
def test_subtitle_files_decode_as_documented(row):
    data = (FIXTURES / "subtitles" / row["name"]).read_bytes()
    if row["encoding"] == "-":
        assert not data or data.count(b"-->") == 0
        return
    text = data.decode(row["encoding"])
    assert "\ufeff" not in text and "\r" not in text.replace("\r\n", "")
    if row["cues"] == "-":
        return
    marker = {".ass": "Dialogue:", ".ttml": "<p "}.get(Path(row["name"]).suffix, "-->")
    assert text.count(marker) == int(row["cues"])
    first = row["first"]
    if row["name"].endswith(".ass"):
        assert re.sub(r"\{[^}]*\}", "", text.split("Dialogue:")[1].split(",,", 1)[1]).startswith(first)
    elif row["name"].endswith(".ttml"):
        assert re.search(r"<p [^>]*>(?:<span[^>]*>)?" + re.escape(first), text)
    else:
        assert first.replace("\n", "\r\n" if "\r\n" in text else "\n") in text.split("-->", 2)[1]


def test_chinese_subtitles_share_one_text():
    rows = {r["name"]: r for r in readme_rows()}
    texts = {
        name: (FIXTURES / "subtitles" / name).read_bytes().decode(rows[name]["encoding"]).replace("\r\n", "\n")
        for name in ("zh_gbk.srt", "zh_utf16le_bom.srt", "zh_utf16be_bom.srt", "zh_utf8_bom.srt", "zh_utf8.srt")
    }
    assert len(set(texts.values())) == 1
    text = texts["zh_utf8.srt"]
    assert any(len(line) > 16 for line in text.splitlines())
    assert (FIXTURES / "subtitles" / "zh_gb18030.srt").read_bytes().decode("gb18030") == text.replace(
        "明天我们回家。\n", "明天我们回家。😊\n"
    )
    with pytest.raises(UnicodeDecodeError):
        (FIXTURES / "subtitles" / "zh_gb18030.srt").read_bytes().decode("gbk")


@pytest.fixture
def make_fixtures(monkeypatch):
    """fixtures/make_fixtures.py imported by path, without writing bytecode into the repo."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_fixtures", module)
    spec.loader.exec_module(module)
    return module


def test_subtitle_fixtures_are_up_to_date(make_fixtures, tmp_path):
    make_fixtures.write_subtitles(tmp_path)
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (FIXTURES / "subtitles" / path.name).read_bytes(), path.name


def test_long_episode_plan(make_fixtures):
    """The --long planner (no synthesis): two minutes of lines with 0.8-3.3 s shots."""
    lengths = [1.9, 2.3, 1.5, 1.8, 3.0, 1.0]  # seconds, like the English clips
    texts = make_fixtures.LINES_EN
    clips = {text: np.ones(int(s * make_fixtures.SAMPLE_RATE)) for text, s in zip(texts, lengths)}
    order, gaps = make_fixtures.schedule(clips, texts, 2)
    episode = make_fixtures.plan_episode(
        "en",
        clips,
        [texts[i] for i in order],
        ["A"] * len(order),
        [make_fixtures.RELATIONS[k % 6] for k in range(len(order))],
        gaps,
        [None] * len(order),
    )
    script = episode.script()
    assert 118_000 <= script["duration_ms"] <= 125_000
    shots = np.diff([0, *script["cuts"], script["total_frames"]])
    assert shots.min() >= 24 and shots.max() <= 100
    lines = script["lines"]
    assert all(a["end"] < b["start"] for a, b in zip(lines, lines[1:]))
    assert sum("starts_after_cut" in line["relations"] for line in lines) >= 5
