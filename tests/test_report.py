"""The title report: rendered in headless Chromium, checked for what it shows after its script runs.

Also the suspect-translation flags of a run: recorded in the manifest, counted in the run summary,
shown in the report beside the QC and glossary flags, and carried into the XLIFF notes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from localize.review import load_edits, save_edits
from localize.review.xliff import NS12
from support import FIXTURES, install_argos, isolated_env, make_episode, run_cli

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


@pytest.fixture(scope="module")
def copied(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A Chinese episode translated for en-US, then run again after a reviewer gave cue 2 cue 1's
    translation in the edit layer: two different source lines with one translation, one line from edits."""
    root = tmp_path_factory.mktemp("suspect")
    env = isolated_env(root / "env")
    install_argos(env, ("zh_en",))
    media, out = make_episode(root / "in", "ep01", 1), root / "out"
    args = ["run", media, "--source-subs", media.with_suffix(".srt"), "--markets", "en-US", "-o", out]
    first = run_cli(args, env, timeout=300)
    assert first.returncode == 0, first.stderr
    layer = load_edits(out / "ep01", "en-US")
    assert len(layer.cues) == 2 and layer.cue("1").machine != layer.cue("2").machine
    layer.cue("2").text, layer.cue("2").status = layer.cue("1").machine, "reviewed"
    save_edits(layer, out / "ep01", expected_revision=layer.revision)
    again = run_cli(args, env, timeout=300)
    assert again.returncode == 0, again.stderr
    return out, again


def test_two_source_lines_with_one_translation_are_flagged_in_the_manifest_and_summary(copied):
    out, again = copied
    market = json.loads((out / "ep01" / "manifest.json").read_text(encoding="utf-8"))["markets"]["en-US"]
    assert market["edited_lines"] == 1
    assert market["suspect"] == {
        "1": ["suspect: same translation as cue 2 for a different line"],
        "2": ["suspect: same translation as cue 1 for a different line"],
    }
    assert "en-US: 2 cues" in again.stdout and "1 line(s) from edits, 2 line(s) flagged suspect" in again.stdout
    row = json.loads((out / "title.json").read_text(encoding="utf-8"))["episodes"][0]["markets"]["en-US"]
    assert (row["edited_lines"], row["approved_lines"], row["suspect_lines"]) == (1, 0, 2)


def test_the_report_shows_suspect_flags_beside_qc_and_the_lines_taken_from_edits(copied, tmp_path):
    out, _ = copied
    dom = chromium_dom(out / "report.html", tmp_path)
    assert 'data-ready="yes"' in dom and "Showing 1 of 1 market tracks, " in dom and ", 2 suspect lines" in dom
    market = re.search(r'<div class="market".*?</div>', dom, re.S).group(0)
    items = re.search(r'<ul class="suspect-translations">(.*?)</ul>', market, re.S).group(1)
    found = re.findall(r"<li>cue (\d) \(([^<]+)\): ([^<]+)</li>", items)
    assert [(number, reason) for number, _, reason in found] == [
        ("1", "same translation as cue 2 for a different line"),
        ("2", "same translation as cue 1 for a different line"),
    ]
    assert found[0][1] == found[1][1]  # the cue's text: the one translation both lines have
    assert "QC violations:" in market and market.index("QC violations:") < market.index("Suspect translations: 2")
    assert len(re.findall(r'<rect class="cue (?:suspect|flagged)"', market)) == 2
    assert "1 line(s) taken from edits, 2 line(s) flagged suspect" in market
    episode = re.search(r'<p class="episode-edits"[^>]*>([^<]*)</p>', dom).group(1)
    assert episode == "1 line(s) taken from edits, 2 line(s) flagged suspect"
    assert "2 line(s) flagged suspect, 1 line(s) taken from edits</p>" in dom  # the totals


def test_suspect_flags_reach_the_xliff_notes_after_a_run(copied):
    out, _ = copied
    export = run_cli(["export", out / "ep01", "--market", "en-US"], isolated_env(out.parent / "env"))
    assert export.returncode == 0, export.stderr
    xliff = etree.parse(str(out / "ep01" / "en-US" / "ep01.en.xlf"))
    notes = {
        unit.get("id"): [n.text for n in unit.iter(f"{{{NS12}}}note")] for unit in xliff.iter(f"{{{NS12}}}trans-unit")
    }
    assert "flag: suspect: same translation as cue 2 for a different line" in notes["1"]
    assert "flag: suspect: same translation as cue 1 for a different line" in notes["2"]
