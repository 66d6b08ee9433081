"""Burned-in subtitles next to clutter (hardening review 2, R10 b and R16's VFR case).

A white object entering a user band beside dark-box subtitles or alone (over a static
disclaimer), and grain that appears next to a line on its last frame of a 10 fps stretch. Clips (6 s, 360x640) are burned
with fixtures/make_hardsub.py's layout by real ffmpeg and read by the real RapidOCR.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from localize.hardsub import NoSubtitlesFound, read_hardsubs
from localize.text import edit_distance

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PLAIN = FIXTURES / "episode_zh" / "episode.mp4"
CUES = [(300, 2000, "林晚，你终于回来了。"), (2600, 4200, "总裁在楼上等你。"), (4600, 5800, "我不想见陆景琛。")]

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")
sys.path.insert(0, str(FIXTURES))
import make_hardsub  # noqa: E402  (the fixture's own subtitle layout)


def ffmpeg(*args: object) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)], check=True)


def dark_box(folder: Path) -> Path:
    """The plain episode's first 6 s with CUES on an opaque dark box (its moving white square enters 0.7-0.9)."""
    ass, out = folder / "box.ass", folder / "box.mp4"
    script = make_hardsub.ass_script(CUES, 6000, 640)
    outlined = ",&H00000000,&H80000000,-1,0,0,0,100,100,0,0,1,"
    assert outlined in script
    ass.write_text(script.replace(outlined, ",&H00202020,&H00202020,-1,0,0,0,100,100,0,0,3,"), encoding="utf-8")
    ffmpeg("-i", PLAIN, "-t", 6, "-vf", f"subtitles=filename={ass}", "-c:v", "libx264", "-preset", "veryfast", out)
    return out


def disclaimer_only(folder: Path) -> Path:
    """The plain episode's first 6 s with only the logo and the disclaimer, a keyframe every 5 frames."""
    ass, out = folder / "static.ass", folder / "static.mp4"
    ass.write_text(make_hardsub.ass_script([], 6000, 640), encoding="utf-8")
    ffmpeg(
        "-i", PLAIN, "-t", 6, "-vf", f"subtitles=filename={ass}", "-c:v", "libx264", "-preset", "veryfast", "-g", 5, out
    )
    return out


def last_frame_grain(folder: Path, name: str, grain: str) -> Path:
    """One line (1.0-4.2 s) over a plain picture that turns to ``grain`` at 4.1 s: 30 fps to 2 s, then 10 fps."""
    ass, out = folder / f"{name}.ass", folder / f"{name}.mp4"
    ass.write_text(make_hardsub.ass_script([(1000, 4200, CUES[1][2])], 6000, 640), encoding="utf-8")
    graph = (
        f"color=c=0x304050:s=360x640:r=30:d=4.1[a];{grain}[b];[a][b]concat=n=2:v=1,subtitles=filename={ass},"
        "split[x][y];[x]trim=0:2,setpts=PTS-STARTPTS[p];[y]trim=2,setpts=PTS-STARTPTS,fps=10[q];[p][q]concat=n=2:v=1"
    )
    ffmpeg("-filter_complex", graph, "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", out)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clutter")
    noise = "color=c=0x808080:s={}:r=30:d=1.9,noise=alls=100:allf=t"
    return {
        "box": dark_box(folder),
        "static": disclaimer_only(folder),
        # grain over the whole frame (a busy picture), and in a patch around the line only (new "text" beside it)
        "frame": last_frame_grain(folder, "frame", noise.format("360x640")),
        "patch": last_frame_grain(
            folder,
            "patch",
            f"color=c=0x304050:s=360x640:r=30:d=1.9[bg];{noise.format('260x80')}[g];[bg][g]overlay=50:480",
        ),
    }


def test_white_object_in_a_user_band_is_not_a_line(clips):
    """Before: --band 0.7,0.9 read the square's edge as a second line "1" of the first cue."""
    read = read_hardsubs(clips["box"], band=(0.7, 0.9))
    assert len(read) == len(CUES)
    for cue, (start, end, text) in zip(read, CUES):
        assert "\n" not in cue.text and not cue.flags, cue
        assert edit_distance(text, cue.text) <= 1 and abs(cue.start - start) <= 34 and abs(cue.end - end) <= 34


def test_white_object_alone_in_a_user_band_is_not_a_cue(clips):
    """Before: --band 0.9,1 over the disclaimer read the square's edge entering the band as a cue "_"."""
    with pytest.raises(NoSubtitlesFound, match="no subtitle text could be read"):
        read_hardsubs(clips["static"], band=(0.9, 1.0))


@pytest.mark.parametrize("grain", ["frame", "patch"])
def test_line_keeps_its_last_frame_when_grain_appears_beside_it(clips, grain):
    """Before: the frame at 4.1 s split off the line and, one frame long, was dropped: the cue ended at 4.1 s, not 4.2."""
    track = read_hardsubs(clips[grain], band=(0.7, 0.9))
    assert [c.text for c in track] == [CUES[1][2]]
    assert abs(track[0].start - 1000) <= 1 and abs(track[0].end - 4200) <= 1, track[0]
