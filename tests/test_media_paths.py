"""Media files with names ffmpeg would take for something else: an option (``-report``), a
protocol (``pipe:0.mp4``, ``ep1:final.mp4``), or full of filter-graph punctuation.

Each is read by ``transcribe`` (audio and ``--source hardsub``), ``burn`` and ``run`` (probe,
shot detection, OCR band, burn), and written as ``burn``'s output, run from the file's own
folder with a stdin that never ends: nothing may read stdin (the run would hang until the
timeout) and nothing may be written beside it (``-report`` makes ffprobe write a log into the
working folder). The temporary folder has the same punctuation (it goes into the burn's
filter graph). All 20 commands run in one process through the real command line (click,
every stage, real ffmpeg and models), loading the models once: 20 processes took minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localize.formats import load
from localize.media import filter_path, media_arg, probe
from support import isolated_env

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NAMES = ["-report", "pipe:0.mp4", "ep1:final.mp4", "-dash.mp4", "a:b'c,d[e];f.mp4"]
ODD = "t:m'p,[x];y"  # punctuation for the temporary folder
TIMEOUT = 400
MARKET = (
    '[market]\ncode = "en-GB"\nlanguage = "en"\n[subtitles]\nprofile = "en-vertical"\nformats = ["srt"]\n'
    '[burn]\nenabled = true\ncover = "box"\n'
)
#: runs each command line of argv[1] (JSON) through the CLI in this process; argv[2] gets
#: each one's exit: 0, or its one-line error
DRIVER = """
import json, sys
import click
from localize.cli import cli
exits = []
for args in json.loads(sys.argv[1]):
    try:
        cli.main(args, prog_name="localize", standalone_mode=False)
        exits.append(0)
    except click.ClickException as error:
        exits.append(error.format_message())
with open(sys.argv[2], "w") as handle:
    json.dump(exits, handle)
"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """The first 3.5 s of the hardsub fixture: one spoken and burned-in Chinese line."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(FIXTURES / "episode_zh_hardsub" / "episode.mp4"),
            "-t",
            "3.5",
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


@pytest.fixture(scope="module")
def env(tmp_path_factory, argos_packages) -> dict[str, str]:
    root = tmp_path_factory.mktemp("paths-env")
    (root / ODD).mkdir()
    return isolated_env(root, argos_packages) | {"TMPDIR": str(root / ODD)}


def commands(name: str, out: Path, subs: Path, market: Path) -> list[list[str]]:
    """transcribe (audio, hardsub), burn and run of the media file ``name``, into ``out``."""
    stem = name.removesuffix(".mp4")
    return [
        ["transcribe", "-o", f"{out}/audio.srt", "--language", "zh", "--", name],
        ["transcribe", "-o", f"{out}/hardsub.srt", "--source", "hardsub", "--", name],
        ["burn", "-o", f"{out}/{stem}.mp4", "--cover", "box", "--", name, str(subs)],
        ["run", "-m", str(market), "--source-subs", f"{out}/hardsub.srt", "-o", f"{out}/run", "--", name],
    ]


def test_any_file_name_is_read_and_written_as_a_file(clip, env, tmp_path):
    work, outs = tmp_path / "work", {name: tmp_path / f"out{index}" for index, name in enumerate(NAMES)}
    work.mkdir()
    subs, market = tmp_path / "en.srt", tmp_path / "en-GB.toml"
    subs.write_text("1\n00:00:00,400 --> 00:00:02,300\nLin Wan, you are finally back.\n", encoding="utf-8")
    market.write_text(MARKET, encoding="utf-8")
    for name in NAMES:
        shutil.copy(clip, work / name)
    lines = [args for name, out in outs.items() for args in commands(name, out, subs, market)]
    read, write = os.pipe()  # a stdin that stays open: reading it would block
    try:
        subprocess.run(
            [sys.executable, "-c", DRIVER, json.dumps(lines), str(tmp_path / "exits.json")],
            cwd=work,
            env=env,
            stdin=read,
            timeout=TIMEOUT,
            check=True,
        )
    finally:
        os.close(read)
        os.close(write)
    exits = json.loads((tmp_path / "exits.json").read_text())
    assert exits == [0] * len(lines), [(args, code) for args, code in zip(lines, exits) if code]
    assert sorted(os.listdir(work)) == sorted(NAMES), "something was written into the working folder"
    temporary = [name for name in os.listdir(env["TMPDIR"]) if name != ".ses"]  # onnxruntime's telemetry session
    assert not temporary, f"temporary files were left: {temporary}"
    for name, out in outs.items():
        stem = name.removesuffix(".mp4")
        assert len(load(out / "audio.srt")) >= 1
        hardsub = load(out / "hardsub.srt")
        assert len(hardsub) == 1 and hardsub.cues[0].text
        for burned in (out / f"{stem}.mp4", out / "run" / stem / "en-GB" / "burned.mp4"):
            assert abs(probe(burned).duration - probe(clip).duration) <= 100, burned
        assert load(out / "run" / stem / "en-GB" / f"{stem}.en.srt").cues[0].text


def test_media_arg_is_an_absolute_file_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert media_arg("-report") == f"file:{tmp_path}/-report"
    assert media_arg(Path("pipe:0.mp4")) == f"file:{tmp_path}/pipe:0.mp4"
    assert media_arg("/x/ep1:final.mp4") == "file:/x/ep1:final.mp4"


def test_filter_path_escapes_both_levels_of_a_filter_graph():
    assert filter_path("/tmp/plain/subs.ass") == "/tmp/plain/subs.ass"
    assert filter_path("/t:m'p,[x];y/s.ass") == r"/t\\:m\\\'p\,\[x\]\;y/s.ass"
