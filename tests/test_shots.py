"""Shot-change detection (PySceneDetect and ffmpeg, on real video) and cut-list reading."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import LocalizeError
from localize.media import frame_times
from localize.model import Cue, Track, frames_to_ms
from localize.timing import check, detect_shot_frames, detect_shots, read_shots, retime

ROOT = Path(__file__).resolve().parent.parent
EVAL_VIDEO = ROOT.parent / "shared" / "eval" / "video" / "pyscenedetect_testvideo.mp4"
EPISODES = [ROOT / "fixtures" / f"episode_{lang}" for lang in ("en", "zh")]
METHODS = ["scenedetect", "ffmpeg"]

# Seven shots of lavfi sources, 9:16 at 30 fps, deterministic (seeded noise). Shot 5
# fades out to black over 20 frames and shot 6 fades in from black: not a hard cut.
LAVFI_SHOTS = [
    "testsrc2=s=360x640:r=30:d=1.5",
    "mandelbrot=s=360x640:r=30,trim=end_frame=60",
    "smptebars=s=360x640:r=30:d=1.3,hue=H=t*2",
    "rgbtestsrc=s=360x640:r=30,trim=end_frame=50",
    "color=c=0x336699:s=360x640:r=30:d=2,noise=alls=20:allf=t+u:all_seed=7,fade=out:40:20",
    "color=c=0x3a6a99:s=360x640:r=30:d=1.5,noise=alls=20:allf=t+u:all_seed=7,fade=in:0:20",
    "testsrc=s=360x640:r=30:d=1.2",
]
LAVFI_CUTS = [45, 105, 144, 194, 299]  # no cut at 254, where the fade-in starts


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LOCALIZE_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def lavfi_video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("video") / "cuts.mp4"
    inputs = [arg for source in LAVFI_SHOTS for arg in ("-f", "lavfi", "-i", source)]
    graph = (
        "".join(f"[{i}]" for i in range(len(LAVFI_SHOTS))) + f"concat=n={len(LAVFI_SHOTS)}:v=1:a=0,format=yuv420p[v]"
    )
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            *inputs,
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.mark.parametrize("method", METHODS)
def test_generated_video_cuts_exact_and_fade_ignored(lavfi_video, method):
    frames = [frame for frame, _ in detect_shot_frames(lavfi_video, method=method, cache=False)]
    assert frames == LAVFI_CUTS


@pytest.mark.parametrize("method", METHODS)
def test_eval_video_hard_cuts_only(method):
    if not EVAL_VIDEO.exists():
        pytest.skip("../shared/eval is absent")
    pairs = detect_shot_frames(EVAL_VIDEO, method=method, cache=False)
    assert [frame for frame, _ in pairs] == [30, 180]  # the fade-in near 394 is not a cut
    assert [ms for _, ms in pairs] == [1001, 6006]


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.name)
@pytest.mark.parametrize("method", METHODS)
def test_fixture_episode_cuts_exact(episode, method):
    if not (episode / "episode.mp4").exists():
        pytest.skip(f"{episode} not generated (fixtures/make_fixtures.py)")
    script = json.loads((episode / "script.json").read_text())
    pairs = detect_shot_frames(episode / "episode.mp4", method=method, cache=False)
    assert [frame for frame, _ in pairs] == script["cuts"]
    assert [ms for _, ms in pairs] == script["cuts_ms"]


def test_cache_reused_and_keyed_by_content(lavfi_video, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LOCALIZE_CACHE", str(cache))
    first = detect_shots(lavfi_video, method="ffmpeg")
    entries = list((cache / "shots").glob("*.json"))
    assert len(entries) == 1 and json.loads(entries[0].read_text())["cuts"] == [
        [f, frames_to_ms(f, 30)] for f in LAVFI_CUTS
    ]
    # A planted entry proves the second call reads the cache instead of decoding.
    entries[0].write_text(json.dumps({"cuts": [[10, 333]]}))
    assert detect_shots(lavfi_video, method="ffmpeg") == [333]
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(lavfi_video.read_bytes() + b"\0")  # other content: other key
    assert detect_shots(copy, method="ffmpeg") == first
    assert len(list((cache / "shots").glob("*.json"))) == 2


def test_video_without_video_stream(tmp_path):
    audio = tmp_path / "tone.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", str(audio)], check=True)
    with pytest.raises(LocalizeError, match="no video stream"):
        detect_shots(audio)
    subs = tmp_path / "a.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n")
    out = tmp_path / "out.srt"
    result = CliRunner().invoke(cli, ["time", str(subs), "-o", str(out), "--video", str(audio)])
    assert result.exit_code == 1
    assert (
        result.output.strip().count("\n") == 0
        and result.output.startswith("Error:")
        and "no video stream" in result.output
    )
    assert not out.exists()


def test_unknown_method(lavfi_video):
    with pytest.raises(LocalizeError, match="unknown shot detection method 'magic'"):
        detect_shots(lavfi_video, method="magic")


# --- cut lists ---------------------------------------------------------------------------


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.name)
def test_fixture_shots_csv(episode):
    if not (episode / "shots.csv").exists():
        pytest.skip(f"{episode} not generated")
    script = json.loads((episode / "script.json").read_text())
    assert read_shots(episode / "shots.csv") == script["cuts_ms"]


def test_pyscenedetect_scene_list_csv(tmp_path):
    path = tmp_path / "scenes.csv"
    path.write_text(
        "Timecode List:,00:00:01.001,00:00:06.006\n"
        "Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,End Time (seconds)\n"
        "1,1,00:00:00.000,0.000,30,00:00:01.001,1.001\n"
        "2,31,00:00:01.001,1.001,180,00:00:06.006,6.006\n"
        "3,181,00:00:06.006,6.006,720,00:00:24.024,24.024\n"
    )
    assert read_shots(path) == [1001, 6006]


def test_simple_lists(tmp_path):
    frames = tmp_path / "frames.csv"
    frames.write_text("63\n108\n195\n")
    assert read_shots(frames, fps=30) == [2100, 3600, 6500]
    assert read_shots(frames, fps=25) == [2520, 4320, 7800]
    timecodes = tmp_path / "timecodes.csv"
    timecodes.write_text('00:00:02:03\n00:00:03.600\n"00:00:06,500"\n')
    assert read_shots(timecodes, fps=30) == [2100, 3600, 6500]
    table = tmp_path / "table.csv"
    table.write_text(
        "scene,timecode,frame,time (ms)\n0,00:00:00.0,0,0\n1,00:00:06.706,201,6706\n\nnotes after a blank line\n"
    )
    assert read_shots(table) == [6706]
    as_json = tmp_path / "cuts.json"
    as_json.write_text(json.dumps({"cuts": [30, 180], "fps": "29.97"}))
    assert read_shots(as_json) == [1001, 6006]


def test_cmx3600_edl(tmp_path):
    path = tmp_path / "cut.edl"
    path.write_text(
        "TITLE: EPISODE 1\nFCM: NON-DROP FRAME\n\n"
        "001  AX       V     C        00:00:00:00 00:00:02:03 01:00:00:00 01:00:02:03\n"
        "* FROM CLIP NAME: shot1.mov\n"
        "002  AX       V     C        00:00:10:00 00:00:11:15 01:00:02:03 01:00:03:18\n"
        "003  AX       V     C        00:00:20:00 00:00:22:27 01:00:03:18 01:00:06:15\n"
        "004  AX       V     D    015 00:00:30:00 00:00:31:00 01:00:06:15 01:00:07:15\n"
    )
    assert read_shots(path, fps=30) == [2100, 3600]  # the dissolve is not a hard cut


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("bad.csv", "start_ms\n2100\nsoon\n", 3),
        ("bad_frames.csv", "12\n1x\n", 2),
        ("bad.edl", "TITLE: X\n001  AX  V  C  00:00:00:00 00:00:02:03 01:00:00:00\n", 2),
        ("bad.json", '{"cuts_ms": [1,\n', 2),
    ],
)
def test_malformed_cut_lists(tmp_path, name, content, line):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(LocalizeError, match=rf"^{path}:{line}: "):
        read_shots(path)
    subs = tmp_path / "a.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n")
    out = tmp_path / "out.srt"
    result = CliRunner().invoke(cli, ["time", str(subs), "-o", str(out), "--shots", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}:{line}: ") and result.output.count("\n") == 1
    assert not out.exists()


# --- variable frame rate ------------------------------------------------------------------

EPISODE_ZH = ROOT / "fixtures" / "episode_zh"


@pytest.fixture(scope="module")
def vfr_episode(tmp_path_factory) -> tuple[Path, dict]:
    """The zh episode with every third frame dropped (timestamps kept), by fixtures/make_vfr.py."""
    if not (EPISODE_ZH / "episode.mp4").exists():
        pytest.skip("fixtures/episode_zh not generated (fixtures/make_fixtures.py)")
    spec = importlib.util.spec_from_file_location("make_vfr", ROOT / "fixtures" / "make_vfr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("vfr") / "episode_vfr.mp4"
    return out, module.build_vfr(EPISODE_ZH, out)


def test_vfr_fixture_plays_at_the_source_frames_times(vfr_episode):
    video, built = vfr_episode
    times = frame_times(video)
    assert len(times) == len(built["frames"]) < 0.7 * 735  # a third of the frames are gone
    assert times == [frames_to_ms(n, 30) for n in built["frames"]]  # each kept frame at its own time


@pytest.mark.parametrize("method", METHODS)
def test_vfr_cuts_are_the_true_cut_times(vfr_episode, method):
    """Frame numbers at the nominal rate put every cut seconds early; presentation times don't."""
    video, built = vfr_episode
    script = json.loads((EPISODE_ZH / "script.json").read_text())
    pairs = detect_shot_frames(video, method=method, cache=False)
    assert [ms for _, ms in pairs] == script["cuts_ms"]
    assert [frame for frame, _ in pairs] == built["cuts"]


def test_vfr_retimed_in_and_out_times_land_on_the_cuts(vfr_episode):
    """Speech starting 50 ms before each cut and ending 100 ms before the next: in-times
    snap onto the cuts, out-times to 2 frames before them, exactly as on the original."""
    video, _ = vfr_episode
    cuts = json.loads((EPISODE_ZH / "script.json").read_text())["cuts"]
    cuts_ms = [frames_to_ms(c, 30) for c in cuts]
    track = Track([Cue(a - 50, b - 100, "你好") for a, b in zip(cuts_ms, cuts_ms[1:])], language="zh")
    on_vfr = retime(track, "zh-vertical", detect_shots(video, method="ffmpeg", cache=False))
    on_cfr = retime(track, "zh-vertical", detect_shots(EPISODE_ZH / "episode.mp4", method="ffmpeg", cache=False))
    assert [(c.start, c.end) for c in on_vfr] == [(c.start, c.end) for c in on_cfr]
    assert [(c.start, c.end) for c in on_vfr] == [
        (frames_to_ms(a, 30), frames_to_ms(b - 2, 30)) for a, b in zip(cuts, cuts[1:])
    ]


# --- in-times just after a cut, on real clips (23.976 fps) ---------------------------------

NTSC_FILM = Fraction(24000, 1001)
TWO_SHOTS = (  # 90 frames, then a cut to 60 more, at 23.976 fps: the cut is frame 90, 3754 ms
    "testsrc2=s=180x320:r=24000/1001,trim=end_frame=90,setpts=PTS-STARTPTS[a];"
    "smptebars=s=180x320:r=24000/1001,trim=end_frame=60,setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1[out0]"
)
DROP_THIRD = "select='not(eq(mod(n\\,3)\\,2))'"  # every third frame dropped, frame 90 kept
CLIPS = {  # name: (filters, the cut's presentation time)
    "constant": ("", 3754),
    "variable": (DROP_THIRD, 3754),
    # the second shot's timestamps 15 ms early: the cut falls between frames 89 and 90 of the grid
    "between": (DROP_THIRD + ",settb=1/1000,setpts='round(PTS)-15*gte(PTS\\,3750)'", 3739),
}


@pytest.fixture(scope="module")
def two_shot_clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cut_clips")
    clips = {}
    for name, (filters, _) in CLIPS.items():
        out = folder / f"{name}.mp4"
        vfr = (
            ["-vf", filters, "-fps_mode", "passthrough", "-enc_time_base", "1/1000", "-video_track_timescale", "1000"]
            if filters
            else []
        )
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                TWO_SHOTS,
                *vfr,
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-bf",
                "0",
                "-pix_fmt",
                "yuv420p",
                str(out),
            ],
            check=True,
        )
        clips[name] = out
    return clips


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("clip", list(CLIPS))
def test_in_time_just_after_a_cut_starts_on_the_cuts_first_frame(two_shot_clips, clip, method):
    """Held out: speech at 3800 ms, 1 frame after the cut at 3754 ms, was timed from 3837 ms
    (2 frames after it). It now starts on the cut, and the first frame showing it is the
    new shot's; the line before ends 2 grid frames before the cut. Where the cut falls
    between grid frames, the in-time is the cut's own presentation time."""
    video, cut = two_shot_clips[clip], CLIPS[clip][1]
    shots = detect_shots(video, method=method, cache=False)
    assert shots == [cut]
    source = Track(
        [Cue(1000, 3300, "The first shot's line."), Cue(3800, 5500, "He is back.")], language="en", fps=NTSC_FILM
    )
    out = retime(source, "en-vertical", shots)
    assert (out[0].end, out[1].start) == (frames_to_ms(88, NTSC_FILM), cut)
    times = frame_times(video)
    assert min(t for t in times if t >= out[1].start) == cut  # shown from the cut's first frame
    assert max(t for t in times if t < out[0].end) < cut
    assert check(out, "en-vertical", shots).ok
