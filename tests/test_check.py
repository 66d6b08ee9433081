"""QC check rules, the time/check commands, and the fixture episodes timed end to end."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.formats import load
from localize.model import Cue, Track
from localize.timing import check, detect_shots, retime

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SUBTITLES = FIXTURES / "subtitles"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LOCALIZE_CACHE", str(tmp_path_factory.mktemp("cache")))


def episode(lang: str) -> Path:
    path = FIXTURES / f"episode_{lang}"
    if not (path / "script.json").exists():
        pytest.skip(f"{path} not generated (fixtures/make_fixtures.py)")
    return path


def script(lang: str) -> dict:
    return json.loads((episode(lang) / "script.json").read_text())


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --- rules -------------------------------------------------------------------------------


def test_every_rule_is_found_with_cue_numbers():
    cues = [
        Cue(0, 500, "Short."),  # 1: min_duration
        Cue(567, 1900, "Far too many characters for this short a time on screen."),  # 2: reading speed, line length
        Cue(1800, 9000, "One\ntwo\nthree"),  # 3: overlap, lines, duration; gap 6 frames
        Cue(9200, 10500, "One frame gap next."),  # 4: gap 1 frame
        Cue(10533, 11800, "Nothing wrong here."),
        Cue(13800, 15000, "Nine frames early."),  # 6: shot change in-time
    ]
    report = check(Track(cues=cues, language="en"), "en", shots=[14100])
    assert {(v.cue, v.rule) for v in report.violations} == {
        (1, "min_duration"),
        (2, "reading_speed"),
        (2, "line_length"),
        (3, "overlap"),
        (3, "line_count"),
        (3, "max_duration"),
        (3, "gap"),
        (4, "gap"),
        (6, "shot_change"),
    }
    assert report.summary == {
        "reading_speed": 1,
        "line_length": 1,
        "line_count": 1,
        "min_duration": 1,
        "max_duration": 1,
        "gap": 2,
        "shot_change": 1,
        "overlap": 1,
    }
    messages = [str(v) for v in report.violations]
    assert "cue 3: gap: gap to cue 4 is 6 frames: gaps up to 12 frames close to 2 (chaining)" in messages
    assert "cue 4: gap: gap to cue 5 is 1 frames < 2" in messages
    assert (
        "cue 6: shot_change: in-time 9 frames before the cut at 00:00:14.100: on the cut or at least 12 frames before it"
        in messages
    )
    data = report.to_dict()
    assert data["ok"] is False and data["summary"]["overlap"] == 1 and data["violations"][0]["cue"] == 1


def test_chaining_gap_and_out_time_near_cut():
    cues = [Cue(1000, 2000, "First line here."), Cue(2300, 3300, "Second line here.")]
    report = check(Track(cues=cues), "en", shots=[3500])
    assert [(v.cue, v.rule) for v in report.violations] == [(1, "gap"), (2, "shot_change")]
    assert "9 frames" in report.violations[0].message
    assert "out-time 6 frames before a cut" in report.violations[1].message
    clean = [Cue(1000, 2233, "First line here."), Cue(2300, 3433, "Second line here.")]
    assert check(Track(cues=clean), "en", shots=[3500]).ok


@pytest.mark.parametrize(
    "name", ["zh_gbk.srt", "zh_utf16le_bom.srt", "en_utf8.vtt", "en_utf8.ass", "en_utf8.ttml", "en_cp1252.srt"]
)
def test_check_works_on_any_subtitle_file(name):
    path = SUBTITLES / name
    if not path.exists():
        pytest.skip(f"{path} not generated")
    result = invoke("check", path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cues"] == 5 and data["profile"] == ("zh" if name.startswith("zh") else "en")
    assert set(data["summary"]) == {
        "reading_speed",
        "line_length",
        "line_count",
        "min_duration",
        "max_duration",
        "gap",
        "shot_change",
        "overlap",
    }


def test_check_overlapping_foreign_file_and_strict():
    path = SUBTITLES / "bad_overlap.srt"
    if not path.exists():
        pytest.skip(f"{path} not generated")
    result = invoke("check", path)
    assert result.exit_code == 0
    assert "cue 2: overlap: starts at 00:00:03.000, before cue 1 ends at 00:00:03.384" in result.output
    assert invoke("check", path, "--strict").exit_code == 1


# --- fixture episodes --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fixture_reference_timed_then_clean(lang, tmp_path):
    data = script(lang)
    video = episode(lang) / "episode.mp4"
    out = tmp_path / "timed.srt"
    result = invoke("time", episode(lang) / "reference.srt", "-o", out, "--video", video, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["profile"] == f"{lang}-vertical" and summary["shots"] == data["cuts_ms"]
    assert summary["after"]["ok"] is True
    timed = load(out)
    assert "".join(c.plain_text.replace(" ", "") for c in timed) == "".join(
        line["text"].replace(" ", "") for line in data["lines"]
    )
    for cue in timed:  # every cue starts at or after the speech of the line its text comes from,
        head = cue.plain_text.replace(" ", "")[:6]  # or on a cut less than 12 frames before it
        line = next(item for item in data["lines"] if head in item["text"].replace(" ", ""))
        assert cue.start >= line["start"] or (
            cue.start in data["cuts_ms"] and line["start"] - cue.start < 12 * 1000 / 30
        )
    checked = invoke("check", out, "--shots", episode(lang) / "shots.csv", "--profile", f"{lang}-vertical", "--strict")
    assert checked.exit_code == 0 and checked.output.startswith(f"OK: {len(timed)} cues pass profile {lang}-vertical")


def _translated(stretch: float = 1.0) -> Track:
    """The English lines timed to the Chinese episode's speech (speech scaled by ``stretch``)."""
    zh, en = script("zh"), script("en")
    cues = [
        Cue(z["start"], z["start"] + round((z["end"] - z["start"]) * stretch), e["text"], source=z["text"])
        for z, e in zip(zh["lines"], en["lines"])
    ]
    return Track(cues=cues, language="en", fps=Fraction(zh["fps"]))


@pytest.mark.parametrize("profile", ["en-vertical", "en"])
def test_translated_english_on_chinese_speech(profile):
    shots = script("zh")["cuts_ms"]
    source = _translated()
    before = check(source, profile, shots)
    timed = retime(source, profile, shots, protected=["Lu Jingchen", "God of War"])
    after = check(timed, profile, shots)
    assert before.violations and after.ok, [str(v) for v in after.violations]
    assert [c.source for c in timed if c.source] and all(
        "Lu Jingchen" in line or "Lu" not in line for c in timed for line in c.lines
    )


def test_translated_english_in_squeezed_slots_only_explained_flags():
    shots = script("zh")["cuts_ms"]
    timed = retime(_translated(stretch=0.35), "en-vertical", shots)
    report = check(timed, "en-vertical", shots)
    assert report.violations and report.unexplained() == []
    for violation in report.violations:
        assert violation.reason and any(f.startswith(violation.rule) for f in timed[violation.cue - 1].flags)
    speed = [v for v in report.violations if v.rule == "reading_speed"]
    assert speed and "text needs" in speed[0].reason and "speech slot" in speed[0].reason


def test_detected_shots_equal_the_cut_list():
    assert detect_shots(episode("en") / "episode.mp4") == script("en")["cuts_ms"]


# --- commands and bad input --------------------------------------------------------------


def test_time_writes_and_reports(tmp_path):
    subs = tmp_path / "in.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:01,300\nHi.\n\n2\n00:00:03,000 --> 00:00:04,000\nHow are you today?\n")
    out = tmp_path / "out.vtt"
    result = invoke("time", subs, "-o", out, "--profile", "en")
    assert result.exit_code == 0, result.output
    assert "2 cues in, 2 out, profile en" in result.output and "violations before: 1, after: 0" in result.output
    assert "00:00:01.000 --> 00:00:01.833" in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "klingon"], "Error: unknown profile 'klingon'"),
        (["--profile", "{bad}"], "Error: {bad}:2: malformed TOML: "),
        (["--fps", "fast"], "Error: --fps: not a frame rate: 'fast'"),
        (["--shots", "{missing}"], "Error: {missing}: no such shot list"),
        (["--video", "{subs}", "--shots", "{subs}"], "Error: give --video or --shots, not both"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    subs = tmp_path / "in.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n")
    bad = tmp_path / "bad.toml"
    bad.write_text("cps = 20\nchars_per_line = = 3\n")
    names = {"bad": bad, "missing": tmp_path / "none.csv", "subs": subs}
    args = [a.format(**names) for a in args]
    out = tmp_path / "out.srt"
    for command in (["time", subs, "-o", out], ["check", subs]):
        result = invoke(*command, *args)
        assert result.exit_code == 1
        assert result.output.startswith(message.format(**names)) and result.output.count("\n") == 1, result.output
    assert not out.exists()


def test_markup_tags_count_as_no_characters():
    """Line length and reading speed count what shows: an italic off-screen voice is not
    42 + 7 characters long (<i>...</i>), and a coloured line not 25 more."""
    shown = "x" * 42
    for text in (f"<i>{shown}</i>", f'<font color="#FFFF00">{shown}</font>', f"<b>{shown}</b>"):
        track = Track(cues=[Cue(0, 2500, text)], language="en")
        assert not [v for v in check(track, "en").violations if v.rule in ("line_length", "reading_speed")], text
    too_long = Track(cues=[Cue(0, 2500, f"<i>{shown}x</i>")], language="en")
    assert "line 1 has 43 characters > 42" in " ".join(str(v) for v in check(too_long, "en").violations)
