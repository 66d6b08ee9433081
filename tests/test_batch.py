"""``localize batch``: failures isolated, resumable after kill -9, Ray gives the same bytes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from localize.pipeline import Manifest, find_episodes, glossary_consistency
from support import LOCALIZE, assert_same_outputs, isolated_env, make_episode, run_cli

EPISODES = 3


@pytest.fixture(scope="module")
def env(tmp_path_factory, argos_packages):
    root = tmp_path_factory.mktemp("batch-env")
    return isolated_env(root, argos_packages)


@pytest.fixture(scope="module")
def season(tmp_path_factory) -> Path:
    """Three short real episodes with Chinese sidecar subtitles, ep01..ep03."""
    folder = tmp_path_factory.mktemp("season")
    for index in range(EPISODES):
        make_episode(folder, f"ep{index + 1:02d}", index)
    return folder


@pytest.fixture(scope="module")
def markets(tmp_path_factory) -> str:
    """es-419 and a user-defined British English market; both dub with espeak-ng, which is
    deterministic (Piper samples noise, so its bytes differ from run to run)."""
    path = tmp_path_factory.mktemp("markets") / "en-GB.toml"
    path.write_text(
        '[market]\ncode = "en-GB"\nlanguage = "en"\n[subtitles]\nprofile = "en-vertical"\n'
        'formats = ["srt", "ttml"]\n[dub]\nvoice = "espeak:en-gb"\nloudness = -23.0\n',
        encoding="utf-8",
    )
    return f"es-419,{path}"


def batch_args(season: Path, markets: str, out: Path, *extra: str) -> list:
    return ["batch", season, "--markets", markets, "--dub", "--sidecar-subs", "-o", out, *extra]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, season, markets, env) -> Path:
    out = tmp_path_factory.mktemp("a") / "out"
    result = run_cli(batch_args(season, markets, out), env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_batch_writes_every_episode_and_a_title_summary(uninterrupted):
    title = json.loads((uninterrupted / "title.json").read_text(encoding="utf-8"))
    assert [e["episode"] for e in title["episodes"]] == ["ep01", "ep02", "ep03"]
    for name in ("ep01", "ep02", "ep03"):
        assert (uninterrupted / name / "es-419" / f"{name}.es.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
        assert (uninterrupted / name / "en-GB" / f"{name}.en.ttml").is_file()
        assert (uninterrupted / name / "en-GB" / "muxed.mp4").is_file()
    loudness = [e["markets"]["en-GB"]["loudness_lufs"] for e in title["episodes"]]
    assert all(abs(value - (-23.0)) <= 1.0 for value in loudness)  # the user market's own target
    assert (uninterrupted / "report.html").is_file()


def test_kill_9_mid_batch_then_rerun_gives_identical_outputs(tmp_path, season, markets, env, uninterrupted):
    out = tmp_path / "b" / "out"
    process = subprocess.Popen(
        [*LOCALIZE, *map(str, batch_args(season, markets, out, "--jobs", "1"))],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    first = out / "ep01" / "manifest.json"
    deadline = time.monotonic() + 240
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its pool workers, like a crashed machine
    process.wait()
    assert first.exists(), "the batch never finished its first episode"
    assert not (out / "ep03" / "manifest.json").exists(), "killed too late to interrupt anything"

    resumed = run_cli(batch_args(season, markets, out, "--jobs", "1"), env, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "ep01" in resumed.stdout and "cached" in resumed.stdout.splitlines()[2]  # ep01 row: all cache hits
    assert not list(out.glob(".cache/*/.tmp-*")), "the killed run's build folders were not swept"
    assert_same_outputs(out, uninterrupted)


def test_broken_episode_does_not_stop_the_batch(tmp_path, season, env):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("ep01", "ep02"):
        for suffix in (".mp4", ".srt"):
            (folder / f"{name}{suffix}").write_bytes((season / f"{name}{suffix}").read_bytes())
    (folder / "ep00.mp4").write_bytes(b"\x00" * 4096)  # broken media, sorted first
    (folder / "ep00.srt").write_text("1\n00:00:00,500 --> 00:00:01,500\n你好\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(
        ["batch", folder, "--markets", "en-US", "--sidecar-subs", "-o", out, "--jobs", "2"], env, timeout=300
    )
    assert result.returncode == 1
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("ep0")}
    assert "FAILED" in rows["ep00"] and "not a readable audio or video file" in rows["ep00"]
    assert rows["ep01"].split()[1] == "ok" and rows["ep02"].split()[1] == "ok"
    assert "2/3 episodes ok, 1 failed" in result.stdout
    assert not (out / "ep00").exists() and (out / "ep02" / "en-US" / "ep02.en.srt").is_file()


def test_ray_executor_gives_byte_identical_outputs(tmp_path, season, markets, env, uninterrupted):
    out = tmp_path / "ray" / "out"
    result = run_cli(batch_args(season, markets, out, "--executor", "ray", "--jobs", "2"), env, timeout=300)
    if result.returncode != 0 and not (out / "ep01").exists():
        reason = (result.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"Ray could not start a local instance here: {reason}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_same_outputs(out, uninterrupted)


def test_episode_names_stay_unique(tmp_path):
    for show in ("ep_a", "ep_b"):
        make_episode(tmp_path / show, "episode", 0, seconds=2)
    episodes = find_episodes([tmp_path], sidecar_subs=True)
    assert [e.name for e in episodes] == ["ep_a-episode", "ep_b-episode"]
    assert all(e.source_subs and e.source_subs.endswith("episode.srt") for e in episodes)


def test_title_glossary_consistency_flags_terms_rendered_differently():
    def manifest(name: str, target: str, misses: list[str]) -> Manifest:
        usage = {"战神": {"target": target, "occurrences": 2, "misses": misses}}
        return Manifest.from_dict({"episode": name, "markets": {"en-US": {"glossary": {"usage": usage}}}})

    same = glossary_consistency([manifest("ep01", "God of War", []), manifest("ep02", "God of War", [])])
    assert same["inconsistent"] == [] and same["terms"][0]["consistent"]
    changed = glossary_consistency([manifest("ep01", "God of War", []), manifest("ep02", "War God", [])])
    assert changed["inconsistent"] == ["en-US: 战神"]
    assert changed["terms"][0]["targets"] == {"God of War": ["ep01"], "War God": ["ep02"]}
    missed = glossary_consistency([manifest("ep01", "God of War", ["He is the war god."])])
    assert missed["terms"][0]["misses"] == {"ep01": ["He is the war god."]}
    assert missed["terms"][0]["problem"] == "approved rendering missing"


def test_title_report_catches_a_term_rendered_differently_in_two_episodes(tmp_path, env):
    """Episode 1 is localized with one approved rendering of 战神, episode 2 after the glossary changed."""
    out = tmp_path / "out"
    for index, (name, rendering) in enumerate((("ep04", "God of War"), ("ep05", "War Deity")), start=3):
        media = make_episode(tmp_path / "in", name, index)  # both episodes speak 他不是赘婿，他是战神。
        glossary = tmp_path / f"{name}.csv"
        glossary.write_text(f"source,target,language\n战神,{rendering},en\n", encoding="utf-8")
        result = run_cli(
            ["run", media, "--source-subs", media.with_suffix(".srt"), "--markets", "en-US", "-g", glossary, "-o", out],
            env,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert rendering in (out / name / "en-US" / f"{name}.en.srt").read_text(encoding="utf-8").replace("\n", " ")
    title = json.loads((out / "title.json").read_text(encoding="utf-8"))
    assert title["glossary_consistency"]["inconsistent"] == ["en-US: 战神"]
    term = title["glossary_consistency"]["terms"][0]
    assert term["targets"] == {"God of War": ["ep04"], "War Deity": ["ep05"]}
    assert term["problem"] == "rendered differently across episodes"
    assert "rendered differently across episodes" in (out / "report.html").read_text(encoding="utf-8")


def test_batch_bad_arguments_fail_before_any_work(tmp_path):
    from click.testing import CliRunner

    from localize.cli import cli

    out = tmp_path / "out"
    season = tmp_path / "season"
    make_episode(season, "ep01", 0, seconds=2)
    cases = [
        ([tmp_path / "nope", "--markets", "en-US"], "no such file or folder"),
        ([season, "--markets", "en-US,xx"], "unknown market 'xx'"),
        ([season, "--markets", "en-US", "--address", "127.0.0.1:1"], "--address only applies to --executor ray"),
        (
            [season, "--markets", "en-US", "--executor", "ray", "--address", "127.0.0.1:1"],
            "cannot reach the Ray cluster at 127.0.0.1:1",
        ),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli, ["batch", *map(str, args), "-o", str(out)])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error:"), result.output
        assert message in lines[0]
        assert not out.exists()
