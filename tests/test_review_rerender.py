"""The review page's Re-render end to end in headless Chromium: an edit typed, approved, saved and re-rendered
reaches the subtitle files, the edit layer, the dub line, the burned video and the manifest, and nothing else."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from localize.dubbing.mix import LIMITER_WINDOW_MS, RAMP_MS
from localize.fileio import sha256_file
from localize.formats import load
from review_support import chrome, make_run, open_page, start_server, wait_for
from support import ZH_LINES, run_cli

NEW_TEXT = "Go up now, your boss has waited an hour."
JOB_DONE = "var s = document.getElementById('job').dataset.state;return s === 'done' || s === 'failed' ? s : null"
# every change of #job-log, with the job's state when it was seen
WATCH_JOB = """window.jobSeen = [];
new MutationObserver(function () {
  window.jobSeen.push([document.getElementById('job').dataset.state, document.getElementById('job-log').textContent]);
}).observe(document.getElementById('job-log'), {childList: true, characterData: true, subtree: true});"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A fresh run of 3 lines: en-US dubbed and burned, es-419 dubbed; its root, output, environment, arguments."""
    root = tmp_path_factory.mktemp("rerender")
    out, env, args = make_run(root, ZH_LINES[:3])
    return root, out, env, args


@pytest.fixture(scope="module")
def server(run):
    root, out, env, _ = run
    started = start_server(out, env, log=root / "review.log")
    yield started
    assert started.stop() in (0, 130, -2)


@pytest.fixture(scope="module")
def driver(run):
    browser = chrome(run[0] / "chrome-profile")
    yield browser
    browser.quit()


def frame_hashes(video: Path) -> list[str]:
    """MD5 of every decoded frame of the video stream (``ffmpeg -f framemd5``)."""
    result = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-map", "0:v:0", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.rsplit(",", 1)[1].strip() for line in result.stdout.splitlines() if not line.startswith("#")]


def keyframes(video: Path) -> list[int]:
    """Indices of the video's keyframes, in presentation order."""
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=key_frame", "-of", "csv=p=0"]
    result = subprocess.run([*command, str(video)], capture_output=True, text=True, check=True)
    return [n for n, flag in enumerate(result.stdout.split()) if flag.strip(",") == "1"]


def touched_frames(video: Path, spans: list[tuple[int, int]], fps: int = 30) -> set[int]:
    """The frames of every keyframe interval holding a frame from 40 ms before to 40 ms after one of ``spans``
    (ms): what the smart re-burn may encode again."""
    keys = keyframes(video)
    total = len(frame_hashes(video))
    bounds = list(zip(keys, [*keys[1:], total]))
    dirty = {f for start, end in spans for f in range((start - 40) * fps // 1000, -(-(end + 40) * fps // 1000) + 1)}
    return {f for first, stop in bounds if any(first <= d < stop for d in dirty) for f in range(first, stop)}


def dub_line(episode: Path, market: str, number: int) -> dict:
    manifest = json.loads((episode / "manifest.json").read_text())
    return next(line for line in manifest["markets"][market]["dub"]["lines"] if line["number"] == number)


def changed_samples(before: np.ndarray, after: np.ndarray, rate: int) -> tuple[float, float] | None:
    """The first and last changed sample of two equally long mixes, in ms; None when identical."""
    assert before.shape == after.shape
    changed = np.flatnonzero((before != after).reshape(len(before), -1).any(axis=1))
    return (changed[0] * 1000 / rate, changed[-1] * 1000 / rate) if len(changed) else None


def manifest_matches_files(episode: Path) -> None:
    manifest = json.loads((episode / "manifest.json").read_text())
    for market in manifest["markets"].values():
        for output in market["outputs"]:
            assert sha256_file(episode / output["path"]) == output["sha256"], output["path"]


def test_browser_edit_approve_save_rerender_reaches_every_output_and_only_the_edited_cue(server, driver, run):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    root, out, env, args = run
    episode, folder = out / "ep01", out / "ep01" / "en-US"
    subtitles = {p.suffix: p for p in folder.glob("ep01.en.*")}
    before = {p: sha256_file(p) for p in subtitles.values()}
    old_line = dub_line(episode, "en-US", 1)
    old_dub, rate = soundfile.read(folder / "dub.wav", dtype="int32")
    old_frames = frame_hashes(folder / "burned.mp4")
    es_outputs = {p: sha256_file(p) for p in (episode / "es-419").iterdir()}

    open_page(driver, server.url)
    keys = ActionChains(driver)
    keys.send_keys("e").key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(NEW_TEXT).perform()
    wait_for(
        driver,
        "return !document.body.dataset.checking && document.querySelector('.cue .badge').textContent"
        ".includes('unsaved')",
    )
    ActionChains(driver).send_keys(Keys.ESCAPE).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(
        Keys.CONTROL
    ).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
    wait_for(driver, "return document.getElementById('status').textContent.startsWith('saved revision')")
    first_flags = "return document.querySelector('.cue .flags').textContent"
    assert "made from the machine text" in driver.execute_script(first_flags)  # the dub still says the old line
    video_src = driver.execute_script("return document.getElementById('video').src")
    driver.execute_script(WATCH_JOB)
    driver.find_element("id", "rerender").click()
    assert wait_for(driver, JOB_DONE, 120) == "done", driver.find_element("id", "job-log").text

    # the page: the log while it ran, then done, the new cues and the video loaded again
    seen = driver.execute_script("return window.jobSeen")
    assert any(state == "running" and "ep01: source (cached)" in log for state, log in seen), seen
    status = wait_for(
        driver,
        "var v = document.getElementById('video'), s = document.getElementById('status').textContent;"
        f"return v.src !== {json.dumps(video_src)} && v.readyState >= 1 && s.startsWith('re-rendered in') ? s : null",
    )
    assert " s · revision " in status
    assert driver.execute_script("return document.getElementById('video').currentSrc") != video_src
    assert "made from the machine text" not in driver.execute_script(first_flags)
    log = driver.find_element("id", "job-log").text
    assert "ep01: dub-en-US done" in log and "ep01: burn-en-US smart" in log

    # the subtitle files and the edit layer
    cue = json.loads((folder / "edits.json").read_text())["cues"][0]
    assert (cue["text"], cue["status"]) == (NEW_TEXT, "approved")
    for suffix, path in subtitles.items():
        track = load(path)
        assert track.cues[0].plain_text == NEW_TEXT and sha256_file(path) != before[path], suffix
        assert [c.plain_text for c in track.cues[1:]] == [c.plain_text for c in load(subtitles[".srt"]).cues[1:]]

    # the dub: the edited line spoken anew, every sample outside its slot as it was
    new_line = dub_line(episode, "en-US", 1)
    assert new_line["text"] == NEW_TEXT and old_line["text"] != NEW_TEXT
    new_dub, new_rate = soundfile.read(folder / "dub.wav", dtype="int32")
    assert new_rate == rate
    first, last = changed_samples(old_dub, new_dub, rate) or pytest.fail("dub.wav did not change")
    margin = RAMP_MS + 2 * LIMITER_WINDOW_MS  # the ducking ramp and the limiter's reach around the line
    slot = min(old_line["placed_ms"], new_line["placed_ms"], cue["start"]), max(old_line["end"], new_line["end"])
    assert slot[0] - margin <= first and last <= slot[1] + margin, (first, last, slot)

    # the burned video: frames changed only in the keyframe intervals the cue touches
    new_frames = frame_hashes(folder / "burned.mp4")
    assert len(new_frames) == len(old_frames)
    changed = {n for n, (a, b) in enumerate(zip(old_frames, new_frames)) if a != b}
    allowed = touched_frames(folder / "burned.mp4", [(cue["start"], cue["end"])])
    assert changed and changed <= allowed and len(allowed) < len(new_frames) // 2, (sorted(changed), sorted(allowed))

    # the manifest holds the new outputs: the same command is up to date and takes no edit back
    manifest_matches_files(episode)
    assert {p: sha256_file(p) for p in (episode / "es-419").iterdir()} == es_outputs
    layer = (folder / "edits.json").read_bytes()
    again = run_cli(args, env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "ep01: up to date" in again.stderr + again.stdout and "taken from" not in again.stderr + again.stdout
    assert (folder / "edits.json").read_bytes() == layer
    manifest_matches_files(episode)


def test_a_failing_rerender_shows_one_line_and_the_server_stays_up(server, driver, run):
    root, out, _, _ = run
    media = root / "in" / "ep01.mp4"
    hidden = media.with_name("moved.mp4")
    episode = out / "ep01"
    outputs = {p: sha256_file(p) for p in episode.rglob("*") if p.is_file()}
    open_page(driver, server.url)
    media.rename(hidden)
    try:
        driver.find_element("id", "rerender").click()
        assert wait_for(driver, JOB_DONE, 60) == "failed"
        banner = wait_for(
            driver,
            "var b = document.getElementById('banner');return b.classList.contains('hidden') ? null : b.textContent",
        )
    finally:
        hidden.rename(media)
    assert banner.startswith("Re-render failed: ") and "\n" not in banner and "ep01.mp4" in banner, banner
    assert "Traceback" not in driver.find_element("id", "job-log").text
    assert server.process.poll() is None and server.request("GET", "/api/episodes")[0] == 200
    assert {p: sha256_file(p) for p in episode.rglob("*") if p.is_file()} == outputs
    driver.find_element("id", "rerender").click()  # the source back: the same button works again
    assert wait_for(driver, JOB_DONE, 120) == "done", driver.find_element("id", "job-log").text
    assert wait_for(driver, "return document.getElementById('banner').classList.contains('hidden')")
