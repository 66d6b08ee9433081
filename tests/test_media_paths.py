"""Media files with names ffmpeg would take for something else: an option (``-report``), a
protocol (``pipe:0.mp4``, ``ep1:final.mp4``), or full of filter-graph punctuation.

Each is read by ``transcribe`` (audio and ``--source hardsub``) and ``burn``, and written
as ``burn``'s output, run from the file's own folder with a stdin that never ends: nothing
may read stdin (the run would hang until the timeout) and nothing may be written beside it
(``-report`` makes ffprobe write a log into the working folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from localize.formats import load
from localize.media import media_arg, probe
from support import LOCALIZE, isolated_env

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NAMES = ["-report", "pipe:0.mp4", "ep1:final.mp4", "-dash.mp4", "a:b'c,d[e];f.mp4"]
TIMEOUT = 240


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
def env(tmp_path_factory) -> dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("paths-env"))


def run_in(folder: Path, args: list, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The CLI run from ``folder`` with a stdin that stays open: reading it would block."""
    read, write = os.pipe()
    try:
        return subprocess.run(
            [*LOCALIZE, *map(str, args)],
            cwd=folder,
            env=env,
            stdin=read,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.parametrize("name", NAMES)
def test_any_file_name_is_read_and_written_as_a_file(name, clip, env, tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    shutil.copy(clip, work / name)
    subs = tmp_path / "en.srt"
    subs.write_text("1\n00:00:00,400 --> 00:00:02,300\nLin Wan, you are finally back.\n", encoding="utf-8")
    burned = out / f"{name.removesuffix('.mp4')}.mp4"
    for args in (
        ["transcribe", "-o", out / "audio.srt", "--language", "zh", "--", name],
        ["transcribe", "-o", out / "hardsub.srt", "--source", "hardsub", "--", name],
        ["burn", "-o", burned, "--cover", "box", "--", name, subs],
    ):
        result = run_in(work, args, env)
        assert result.returncode == 0, f"{args[0]}: {result.stderr}"
    assert len(load(out / "audio.srt")) >= 1
    assert len(load(out / "hardsub.srt")) == 1
    assert abs(probe(burned).duration - probe(clip).duration) <= 100
    assert sorted(os.listdir(work)) == [name], "something was written into the working folder"
    assert sorted(p.name for p in out.iterdir()) == sorted(["audio.srt", "hardsub.srt", burned.name])


def test_media_arg_is_an_absolute_file_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert media_arg("-report") == f"file:{tmp_path}/-report"
    assert media_arg(Path("pipe:0.mp4")) == f"file:{tmp_path}/pipe:0.mp4"
    assert media_arg("/x/ep1:final.mp4") == "file:/x/ep1:final.mp4"
