"""Burned-in subtitles where the picture is not the simple case (hardening review 2, R9-R11, R16).

Rotated phone video (display matrix), static text whose background changes, a non-text
object in a user band, static logos in a user band, truncated files, and options that
only speech recognition uses. Clips are cut from the hardsub fixture or burned with
fixtures/make_hardsub.py's layout, by real ffmpeg; subtitles are read by real RapidOCR.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from localize import load
from localize.cli import cli
from localize.delivery import burn
from localize.hardsub import NoSubtitlesFound, load_ocr, read_hardsubs
from localize.hardsub.frames import frames
from localize.media import probe
from localize.model import Cue, Track, is_cjk
from localize.text import edit_distance

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HARDSUB = FIXTURES / "episode_zh_hardsub" / "episode.mp4"
REFERENCE = FIXTURES / "episode_zh_hardsub" / "reference.srt"
PLAIN = FIXTURES / "episode_zh" / "episode.mp4"
FRAME_MS = 1000 / 30
CLIP_S = 8

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")
sys.path.insert(0, str(FIXTURES))
import make_hardsub  # noqa: E402  (the fixture's own subtitle layout)


def ffmpeg(*args: object) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)], check=True)


def cli_run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def burned(folder: Path, name: str, cues: list[tuple[int, int, str]], seconds: float = 6.0) -> Path:
    """The plain fixture episode's first ``seconds`` with ``cues``, the logo and the disclaimer burned in."""
    clip, ass, out = folder / f"{name}.src.mp4", folder / f"{name}.ass", folder / f"{name}.mp4"
    ffmpeg("-i", PLAIN, "-t", seconds, "-c:v", "libx264", "-preset", "veryfast", "-c:a", "copy", clip)
    ass.write_text(make_hardsub.ass_script(cues, round(seconds * 1000), 640), encoding="utf-8")
    make_hardsub.burn(clip, ass, out, None)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """The fixture's first 8 s upright, and stored sideways with a display matrix that turns it upright."""
    folder = tmp_path_factory.mktemp("geometry")
    encode = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "copy")
    made = {"upright": folder / "upright.mp4"}
    ffmpeg("-i", HARDSUB, "-t", CLIP_S, *encode, made["upright"])
    for rotate, transpose in ((270, "cclock"), (90, "clock")):
        sideways, made[str(rotate)] = folder / f"sideways{rotate}.mp4", folder / f"rot{rotate}.mp4"
        ffmpeg("-i", made["upright"], "-vf", f"transpose={transpose}", *encode, sideways)
        ffmpeg("-i", sideways, "-c", "copy", "-metadata:s:v:0", f"rotate={rotate}", made[str(rotate)])
    return made


@pytest.fixture(scope="module")
def upright_track(clips) -> Track:
    return read_hardsubs(clips["upright"])


@pytest.mark.parametrize("rotate", ["90", "270"])
def test_rotated_video_reads_the_same_cues_as_upright(clips, upright_track, rotate):
    info = probe(clips[rotate])
    assert (info.width, info.height) == (360, 640) and info.rotation == (90 if rotate == "270" else 270)
    track = read_hardsubs(clips[rotate])
    assert len(upright_track) >= 2
    assert [c.text for c in track] == [c.text for c in upright_track]
    assert track.meta["band"] == upright_track.meta["band"]
    for got, want in zip(track, upright_track):
        assert abs(got.start - want.start) <= FRAME_MS + 1 and abs(got.end - want.end) <= FRAME_MS + 1


def band_text(video: Path, band: list[float], at_ms: list[int]) -> str:
    """OCR of the band rows (padded) in the frames shown at ``at_ms``, as displayed."""
    ocr, texts, wanted = load_ocr(), [], sorted(at_ms)
    for frame in frames(video):
        if wanted and frame.time >= wanted[0]:
            wanted.pop(0)
            height = frame.luma.shape[0]
            top, bottom = int(band[0] * height) - 4, int(band[1] * height) + 4
            texts.append(ocr.read_line(frame.luma[top:bottom])[0])
    return "\n".join(texts)


@pytest.mark.parametrize("cover", ["blur", "box", "inpaint"])
def test_cover_on_rotated_video_hides_the_chinese(clips, upright_track, cover, tmp_path):
    middles = [(c.start + c.end) // 2 for c in upright_track]
    band = upright_track.meta["band"]
    assert sum(map(is_cjk, band_text(clips["270"], band, middles))) >= 10  # visible before covering
    out = tmp_path / f"{cover}.mp4"
    report = burn(clips["270"], Track([Cue(7500, 7900, "ok")], language="en"), out, cover=cover)
    assert report.cover == cover and report.covered_events >= len(upright_track)
    info = probe(out)
    assert (info.width, info.height, info.rotation) == (360, 640, 0)
    assert not any(map(is_cjk, band_text(out, band, middles)))


def test_cover_box_is_where_the_upright_video_has_it(clips, tmp_path):
    rotated = burn(clips["90"], Track([Cue(7500, 7900, "ok")], language="en"), tmp_path / "r.mp4", cover="blur")
    upright = burn(clips["upright"], Track([Cue(7500, 7900, "ok")], language="en"), tmp_path / "u.mp4", cover="blur")
    assert rotated.cover_box == upright.cover_box


def test_static_disclaimer_over_changing_background_is_not_dialogue(tmp_path):
    """The fixture's disclaimer alone: at the 4.1 s cut its background turns bright (the outline's edge looks like text)."""
    video = burned(tmp_path, "static", [], seconds=CLIP_S)
    with pytest.raises(NoSubtitlesFound, match="no burned-in subtitles found"):
        read_hardsubs(video)
    result = cli_run("transcribe", video, "-o", tmp_path / "s.srt", "--source", "hardsub")
    assert result.exit_code == 1 and "no burned-in subtitles found" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "s.srt").exists()


@pytest.mark.slow
def test_auto_transcribes_the_audio_when_only_a_static_disclaimer_is_burned_in(tmp_path):
    video = burned(tmp_path, "static", [], seconds=CLIP_S)
    out = tmp_path / "a.srt"
    result = cli_run("transcribe", video, "-o", out, "--source", "auto", "--language", "zh")
    assert result.exit_code == 0, result.output
    assert "no burned-in subtitles found" in result.output and "from the audio" in result.output
    assert not any("虚构" in c.text for c in load(out))


CUES = [(300, 2000, "林晚，你终于回来了。"), (2600, 4200, "总裁在楼上等你。"), (4600, 5800, "我不想见陆景琛。")]


@pytest.fixture(scope="module")
def top_clip(tmp_path_factory) -> Path:
    return burned(tmp_path_factory.mktemp("top"), "top", [(a, b, "{\\an8}" + t) for a, b, t in CUES])


def test_subtitles_at_the_top_are_not_found_automatically(top_clip):
    with pytest.raises(NoSubtitlesFound, match="no burned-in subtitles found"):
        read_hardsubs(top_clip)


def test_static_logo_in_a_user_band_is_masked(top_clip):
    track = read_hardsubs(top_clip, band=(0.0, 0.2))
    assert [c.text for c in track] == [t for _, _, t in CUES]
    assert not any("短剧" in c.text or "TV" in c.text for c in track)


def test_static_caption_in_a_user_band_is_not_a_cue(tmp_path):
    video = burned(tmp_path, "caption", [(0, 6000, "本故事纯属虚构 请勿模仿")])
    with pytest.raises(NoSubtitlesFound, match="no text comes and goes in the band"):
        read_hardsubs(video, band=(0.8, 0.95))


def test_moving_square_in_a_user_band_keeps_every_line(tmp_path):
    """--band 0.7,0.9 (the --help example) takes in the fixture's moving white square: no line may be lost."""
    out = tmp_path / "b.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "hardsub", "--band", "0.7,0.9")
    assert result.exit_code == 0, result.output
    got, want = load(out), load(REFERENCE)
    assert len(got) == len(want)
    reference = "".join(c.text for c in want)
    assert edit_distance(reference, "".join(c.text for c in got)) <= 0.02 * len(reference)


@pytest.mark.parametrize("source", ["hardsub", "auto"])
def test_truncated_video_is_refused_not_read_in_part(tmp_path, source):
    cut = tmp_path / "trunc.mp4"
    cut.write_bytes(HARDSUB.read_bytes()[:150_000])  # stops at about 10 s of 24.5 s
    out = tmp_path / "t.srt"
    result = cli_run("transcribe", cut, "-o", out, "--source", source, "--language", "zh")
    assert result.exit_code == 1 and "truncated or damaged" in result.output and "of its 24.5 s" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output and not out.exists()


def test_truncated_video_is_not_burned_in_part(tmp_path):
    """Before: burn --cover none made a 10 s video of the 24.5 s one (exit 0, a note)."""
    cut, subs, out = tmp_path / "trunc.mp4", tmp_path / "en.srt", tmp_path / "b.mp4"
    cut.write_bytes(HARDSUB.read_bytes()[:150_000])
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n", encoding="utf-8")
    result = cli_run("burn", cut, subs, "-o", out, "--cover", "none")
    assert result.exit_code == 1 and "truncated or damaged" in result.output and "of its 24.5 s" in result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize(
    "option",
    [
        ["--speakers", "auto"],
        ["--model", "base"],
        ["--glossary", "GLOSSARY"],
        ["--no-vad"],
        ["--batched"],
        ["--engine", "openai-whisper"],
    ],
)
def test_speech_recognition_options_are_refused_under_hardsub(tmp_path, option):
    glossary = tmp_path / "g.csv"
    glossary.write_text("source,target\n林晚,Lin Wan\n", encoding="utf-8")
    option = [str(glossary) if part == "GLOSSARY" else part for part in option]
    out = tmp_path / "x.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "hardsub", *option)
    assert result.exit_code == 1 and option[0] in result.output and "--source hardsub" in result.output
    assert result.output.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize("speakers", ["auto", 2, 0])
def test_the_library_refuses_speakers_under_hardsub(speakers):
    from localize import InputError, transcribe

    with pytest.raises(InputError, match="speakers"):
        transcribe(HARDSUB, source="hardsub", speakers=speakers)


def test_run_refuses_speakers_under_hardsub_before_writing_anything(tmp_path):
    out = tmp_path / "out"
    result = cli_run("run", HARDSUB, "--source", "hardsub", "--speakers", "auto", "--markets", "en-US", "-o", out)
    assert result.exit_code == 1 and "speakers only apply to the audio" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_unknown_language_is_refused_under_hardsub(tmp_path):
    out = tmp_path / "x.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "hardsub", "--language", "xx")
    assert result.exit_code == 1 and "bad language 'xx'" in result.output and not out.exists()


def test_a_language_the_burned_in_text_contradicts_is_warned_about(tmp_path):
    out = tmp_path / "x.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "hardsub", "--language", "en")
    assert result.exit_code == 0, result.output
    assert "Warning: language en was given, but the burned-in subtitles are Chinese" in result.output
    assert "language en, from the hardsub" in result.output and len(load(out)) == len(load(REFERENCE))


def test_auto_warns_that_speech_options_went_unused(tmp_path):
    out = tmp_path / "x.srt"
    result = cli_run("transcribe", HARDSUB, "-o", out, "--source", "auto", "--speakers", "auto", "--language", "ZH")
    assert result.exit_code == 0, result.output
    assert "Warning: --speakers not used" in result.output and "language zh, from the hardsub" in result.output
    assert len(load(out)) == len(load(REFERENCE))
