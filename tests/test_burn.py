"""``burn``: target subtitles rendered in, source ones covered; real ffmpeg/libass, fonts, RapidOCR.

A 4 s clip of the hardsub fixture holds one burned-in Chinese line (on 0.7 s to ~3.13 s);
the English line burned over it comes on later (2.5 s), so each can be measured alone.
"""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from localize import burn
from localize.cli import cli
from localize.errors import LocalizeError
from localize.hardsub import load_ocr
from localize.hardsub.frames import frames
from localize.imaging import text_mask
from localize.model import Cue, Track, is_cjk
from localize.pipeline import load_market
from support import isolated_env, run_cli

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HARDSUB = FIXTURES / "episode_zh_hardsub"
OFF, ON, BOTH = 300, 2000, 2800  # ms into the clip: nothing on / the source line / source and target
ENGLISH = Track(cues=[Cue(2500, 3600, "Hello there")], language="en")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-ss",
            "3.9",
            "-i",
            str(HARDSUB / "episode.mp4"),
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path


def stream_facts(path: Path) -> dict[str, tuple]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_type,r_frame_rate,nb_read_frames:format=duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    streams = {s["codec_type"]: s for s in data["streams"]}
    video = streams["video"]
    return {
        "video": (video["r_frame_rate"], int(video["nb_read_frames"])),
        "audio": ("audio" in streams,),
        "duration": (float(data["format"]["duration"]),),
    }


def luma_at(path: Path, ms: int) -> np.ndarray:
    return next(f.luma for f in frames(path) if f.time >= ms).astype(np.int16)


def text_pixels(luma: np.ndarray, box: list[int]) -> int:
    left, top, right, bottom = box
    return int(text_mask(luma[top:bottom, left:right].astype(np.uint8)).sum())


def longest_run(rows: np.ndarray) -> np.ndarray:
    """The longest run of consecutive row numbers in ``rows``."""
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    return max(runs, key=len)


@pytest.mark.parametrize("cover", ["blur", "box", "inpaint", "none"])
def test_burn_covers_source_and_renders_target(clip, tmp_path, cover):
    out = tmp_path / f"{cover}.mp4"
    report = burn(clip, ENGLISH, out, cover=cover, band=(0.7, 0.9))
    assert report.cover == cover and report.cues == 1
    facts_in, facts_out = stream_facts(clip), stream_facts(out)
    assert facts_out["video"] == facts_in["video"] and facts_out["audio"] == (True,)
    assert abs(facts_out["duration"][0] - facts_in["duration"][0]) < 0.05
    box = report.cover_box or burn(clip, ENGLISH, tmp_path / "probe.mp4", cover="box", band=(0.7, 0.9)).cover_box
    before, after = luma_at(clip, ON), luma_at(out, ON)
    source_text, left_text = text_pixels(before, box), text_pixels(after, box)
    if cover == "none":
        assert left_text > 0.8 * source_text > 0
    else:
        assert left_text < 0.1 * source_text
        # before the line comes on, the picture in the box is untouched
        assert np.abs(luma_at(out, OFF)[box[1] : box[3]] - luma_at(clip, OFF)[box[1] : box[3]]).mean() < 3
    both = luma_at(out, BOTH)
    new_text = text_mask(both.astype(np.uint8)) & ~text_mask(after.astype(np.uint8))
    new_text[: box[1] - 60] = False  # the logo and picture text above flicker with compression
    rows = longest_run(np.flatnonzero(new_text.sum(axis=1) > 3))  # the disclaimer below flickers too
    assert rows.size > 5, "no target subtitle pixels near the source band"
    cols = np.flatnonzero(new_text[rows].sum(axis=0) > 1)
    target = both[rows[0] - 6 : rows[-1] + 6, cols[0] - 6 : cols[-1] + 6].astype(np.uint8)
    if cover == "none":
        return  # drawn over the uncovered Chinese line: not cleanly readable, which is why we cover
    text, _ = load_ocr().read_line(target)
    assert "Hello" in text
    if cover in ("box", "inpaint"):
        remains, confidence = load_ocr().read_line(after[box[1] : box[3], box[0] : box[2]].astype(np.uint8))
        assert not any(map(is_cjk, remains)) or confidence < 0.5


def test_auto_cover_finds_and_blurs(clip, tmp_path):
    report = burn(clip, ENGLISH, tmp_path / "auto.mp4")
    assert report.cover == "blur" and report.covered_events == 1 and 0.7 < report.band[0] < report.band[1] < 0.9


def test_output_that_is_an_input_is_refused(clip, tmp_path):
    before = clip.read_bytes()
    with pytest.raises(LocalizeError, match="is an input of this command"):
        burn(clip, ENGLISH, clip)
    assert clip.read_bytes() == before


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cover": "smear"}, "unknown cover 'smear'"),
        ({"style": "Fontsize=72,Colour=red"}, "bad style 'Colour=red'"),
    ],
)
def test_bad_options_are_refused_before_work(clip, tmp_path, kwargs, message):
    with pytest.raises(LocalizeError, match=message):
        burn(clip, ENGLISH, tmp_path / "x.mp4", **kwargs)
    assert not list(tmp_path.iterdir())


def test_failed_burn_leaves_no_partial_output(clip, tmp_path):
    not_audio = tmp_path / "dub.wav"  # an audio stream no decoder reads: ffmpeg fails mid-burn
    fmt = struct.pack("<HHIIHH", 0x7777, 1, 16000, 32000, 2, 16)
    data = bytes(8000)
    not_audio.write_bytes(
        b"RIFF"
        + struct.pack("<I", 20 + len(fmt) + len(data))
        + b"WAVEfmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    with pytest.raises(LocalizeError, match="burning subtitles failed"):
        burn(clip, ENGLISH, tmp_path / "out.mp4", cover="box", audio=not_audio)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dub.wav"]


def test_cli_burn_and_its_errors(clip, tmp_path):
    subs = tmp_path / "en.srt"
    subs.write_text("1\n00:00:00,600 --> 00:00:03,100\nHello there\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["burn", str(clip), str(subs), "-o", str(tmp_path / "o.mp4"), "--cover", "box", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cover"] == "box"
    result = runner.invoke(cli, ["burn", str(clip), str(subs), "-o", str(tmp_path / "o2.mp4"), "--band", "0.9,0.2"])
    assert result.exit_code == 1 and result.output.startswith("Error: band 0.9,0.2 is outside the frame")
    assert not (tmp_path / "o2.mp4").exists()


@pytest.mark.parametrize(
    "burn_table, key",
    [
        ("enabled = 'yes'", "[burn] enabled"),
        ("enabled = true\ncover = 3", "[burn] cover"),
        ("enabled = true\nstyle = ['x']", "[burn] style"),
    ],
)
def test_market_burn_settings_are_type_checked(tmp_path, burn_table, key):
    path = tmp_path / "m.toml"
    path.write_text(f"[market]\ncode = 'x'\nlanguage = 'en'\n[burn]\n{burn_table}\n", encoding="utf-8")
    with pytest.raises(LocalizeError) as error:
        load_market(path)
    assert str(path) in str(error.value) and key in str(error.value) and "\n" not in str(error.value)


@pytest.mark.slow
def test_run_from_hardsub_matches_run_from_true_script(tmp_path, argos_packages):
    env = isolated_env(tmp_path / "env", argos_packages)
    market = tmp_path / "en-XB.toml"
    market.write_text(
        "[market]\ncode = 'en-XB'\nlanguage = 'en'\n[subtitles]\nprofile = 'en-vertical'\n"
        "formats = ['srt']\n[burn]\nenabled = true\ncover = 'box'\n",
        encoding="utf-8",
    )
    media = HARDSUB / "episode.mp4"
    ocr = run_cli(["run", media, "-m", market, "--source", "hardsub", "-o", tmp_path / "ocr"], env)
    true = run_cli(
        ["run", media, "-m", market, "--source-subs", HARDSUB / "reference.srt", "-l", "zh", "-o", tmp_path / "true"],
        env,
    )
    assert ocr.returncode == 0 and true.returncode == 0, ocr.stderr + true.stderr
    from localize import load

    a, b = (load(tmp_path / run / "episode" / "en-XB" / "episode.en.srt") for run in ("ocr", "true"))
    assert [c.text for c in a] == [c.text for c in b] and len(a) >= 5
    assert all(abs(x.start - y.start) <= 67 and abs(x.end - y.end) <= 67 for x, y in zip(a, b))
    manifest = json.loads((tmp_path / "ocr" / "episode" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"]["from"] == "hardsub" and manifest["markets"]["en-XB"]["burn"]["cover"] == "box"
    burned = tmp_path / "ocr" / "episode" / "en-XB" / "burned.mp4"
    assert stream_facts(burned)["video"] == stream_facts(media)["video"]
    report = (tmp_path / "ocr" / "report.html").read_text(encoding="utf-8")
    assert report.count("src='data:image/jpeg;base64,") == len(a)  # a thumbnail of the burned video per cue


def test_two_line_chinese_target_renders_with_a_cjk_font_and_reads_back(tmp_path):
    clip = tmp_path / "plain.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(FIXTURES / "episode_zh" / "episode.mp4"),
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "copy",
            str(clip),
        ],
        check=True,
    )
    two_lines = "林晚，你终于回来了。\n总裁在楼上等你。"
    chinese = Track(cues=[Cue(500, 3500, two_lines)], language="zh")
    report = burn(clip, chinese, tmp_path / "zh.mp4")
    assert report.font == "Noto Sans CJK SC" and report.cover == "none"  # nothing burned in before
    from localize.hardsub import read_hardsubs

    [cue] = read_hardsubs(tmp_path / "zh.mp4").cues  # tofu boxes would not read back; one OCR call a line
    assert cue.text == two_lines and abs(cue.start - 500) <= 34 and abs(cue.end - 3500) <= 34


def test_batch_reads_burned_in_subtitles_too(tmp_path, argos_packages):
    env = isolated_env(tmp_path / "env", argos_packages)
    season = tmp_path / "season"
    season.mkdir()
    (season / "ep01.mp4").write_bytes((HARDSUB / "episode.mp4").read_bytes())
    result = run_cli(["batch", season, "-m", "en-US", "--source", "hardsub", "-o", tmp_path / "out"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "out" / "ep01" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"]["from"] == "hardsub" and manifest["settings"]["source"] == "hardsub"
