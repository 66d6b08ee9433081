"""How many threads the stages and their tools use: affinity, a container's CPU quota, LOCALIZE_THREADS;
and that the number never shows in an output.

The cgroup files are fakes in a temporary folder laid out as /sys/fs/cgroup is (v2 ``cpu.max``,
v1 ``cpu/cpu.cfs_quota_us``); ``cpu_count`` takes that folder as its root.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from localize.delivery import burn
from localize.errors import ConfigError
from localize.model import Cue, Track
from localize.processes import THREADS_ENV, cgroup_cpu_quota, cpu_count
from support import FIXTURES, assert_same_media

AFFINITY = len(os.sched_getaffinity(0))


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)


def test_no_quota_means_the_cores_we_may_run_on(tmp_path):
    assert cgroup_cpu_quota(tmp_path) is None and cpu_count(tmp_path) == AFFINITY
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_quota(tmp_path) is None and cpu_count(tmp_path) == AFFINITY


@pytest.mark.parametrize("quota, period, cores", [(100000, 100000, 1.0), (150000, 100000, 1.5), (50000, 100000, 0.5)])
def test_a_v2_quota_caps_the_threads(tmp_path, quota, period, cores):
    (tmp_path / "cpu.max").write_text(f"{quota} {period}\n")
    assert cgroup_cpu_quota(tmp_path) == cores
    assert cpu_count(tmp_path) == min(AFFINITY, max(1, -(-quota // period)))  # rounded up, at least 1


def test_a_v1_quota_caps_the_threads(tmp_path):
    folder = tmp_path / "cpu"
    folder.mkdir()
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_quota(tmp_path) is None
    (folder / "cpu.cfs_quota_us").write_text("100000\n")
    assert cgroup_cpu_quota(tmp_path) == 1.0 and cpu_count(tmp_path) == 1


def test_the_tightest_of_v1_and_v2_wins_and_junk_is_no_limit(tmp_path):
    (tmp_path / "cpu.max").write_text("300000 100000\n")
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_quota(tmp_path) == 2.0
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("soon\n")
    assert cgroup_cpu_quota(tmp_path) == 3.0


def test_localize_threads_overrides_and_is_checked(tmp_path, monkeypatch):
    (tmp_path / "cpu.max").write_text("100000 100000\n")
    monkeypatch.setenv(THREADS_ENV, "6")
    assert cpu_count(tmp_path) == 6
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv(THREADS_ENV, bad)
        with pytest.raises(ConfigError, match=f"{THREADS_ENV}='{bad}': a whole number of threads, 1 or more"):
            cpu_count(tmp_path)


def test_this_machine():
    """On the real /sys/fs/cgroup: at least one thread, never more than the cores we may run on."""
    assert 1 <= cpu_count() <= AFFINITY


def test_a_burn_is_the_same_file_whatever_the_thread_count(tmp_path, monkeypatch):
    """x264 runs with a fixed thread count (decoding and filtering with ours): one file on every machine,
    here a 1-core one (affinity and LOCALIZE_THREADS 1) and a 3-thread one."""
    if AFFINITY < 2:
        pytest.skip("needs 2 cores to compare with 1")
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(FIXTURES / "episode_zh_hardsub" / "episode.mp4"),
            "-t",
            "4",
            "-c",
            "copy",
            str(clip),
        ],
        check=True,
    )
    subs = Track(cues=[Cue(400, 2300, "Lin Wan, you are finally back.")], language="en")
    cores = os.sched_getaffinity(0)
    monkeypatch.setenv(THREADS_ENV, "1")
    os.sched_setaffinity(0, {min(cores)})
    try:
        burn(clip, subs, tmp_path / "one.mp4", cover="none")
    finally:
        os.sched_setaffinity(0, cores)
    monkeypatch.setenv(THREADS_ENV, "3")
    burn(clip, subs, tmp_path / "three.mp4", cover="none")
    assert_same_media(tmp_path / "one.mp4", tmp_path / "three.mp4")
