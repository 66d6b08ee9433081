"""The title report: rendered in headless Chromium, checked for what it shows after its script runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support import FIXTURES, isolated_env, make_episode, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUSHED = (
    "Nobody could possibly read this whole sentence about the family fortune, the contract "
    "and the wedding in the little time it is given on the screen"
)


@pytest.fixture(scope="module")
def title(tmp_path_factory) -> Path:
    """Two English episodes (no translation needed) dubbed for en-US into one output folder."""
    root = tmp_path_factory.mktemp("report")
    env = isolated_env(root / "env")
    out = root / "out"
    fixture = FIXTURES / "episode_en"
    rushed = make_episode(root / "in", "rushed", 2, lines=[RUSHED, "Fine."])
    for media, subs in ((fixture / "episode.mp4", fixture / "reference.srt"), (rushed, rushed.with_suffix(".srt"))):
        result = run_cli(
            ["run", media, "--source-subs", subs, "--markets", "en-US", "--dub", "-o", out], env, timeout=300
        )
        assert result.returncode == 0, result.stderr
    return out


def chromium_dom(page: Path, tmp_path: Path) -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make system-deps)")
    profile = tmp_path / "chromium-profile"
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_report_shows_every_cue_cut_violation_and_dub_line(title, tmp_path):
    manifests = [json.loads((title / name / "manifest.json").read_text()) for name in ("episode", "rushed")]
    markets = [m["markets"]["en-US"] for m in manifests]
    cues = sum(m["cues"] for m in markets)
    cuts = sum(len(m["source"]["shots"]) for m in manifests)
    violations = sum(len(m["qc"]["violations"]) for m in markets)
    overflow = sum(1 for m in markets for line in m["dub"]["lines"] if line["overflow_ms"] > 0)
    assert violations + overflow > 0  # the rushed line cannot be fixed by timing or speed-up alone

    dom = chromium_dom(title / "report.html", tmp_path)
    assert 'data-ready="yes"' in dom  # the script ran
    assert f"Showing 2 of 2 market tracks, {violations + overflow} problems" in dom
    assert len(re.findall(r'<rect class="cue', dom)) == cues
    assert len(re.findall(r'<rect class="dub', dom)) == sum(len(m["dub"]["lines"]) for m in markets)
    assert len(re.findall(r'<line class="shot"', dom)) == cuts
    assert len(re.findall(r'<rect class="cue flagged"', dom)) == len(
        {v["cue"] for m in markets for v in m["qc"]["violations"]}
    )
    assert "Episode episode" in dom and "Episode rushed" in dom
    assert "LUFS (target -16.0)" in dom and "Lin Wan" in dom


def test_report_is_self_contained_and_deterministic(title):
    page = (title / "report.html").read_text(encoding="utf-8")
    assert "<link" not in page and not re.search(r"\ssrc=", page)
    assert not re.search(r'href="(?!#)', page)
    assert str(title) not in page  # no absolute paths: the folder can be moved or shipped
    before = page
    from localize.pipeline import write_title

    write_title(title)
    assert (title / "report.html").read_text(encoding="utf-8") == before
