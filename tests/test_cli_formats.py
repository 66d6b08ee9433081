"""The CLI's convert and info commands, and how they fail."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli

SUBS = Path(__file__).parent.parent / "fixtures" / "subtitles"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_convert_gbk_srt_to_vtt(tmp_path):
    out = tmp_path / "out.vtt"
    result = run("convert", SUBS / "zh_gbk.srt", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT") and "林晚，你终于回来了。" in text


def test_info_json_describes_the_file():
    result = run("info", "--json", SUBS / "zh_big5.srt")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["format"] == "srt" and facts["language"] == "zh" and facts["encoding"].startswith("big5")
    assert facts["cues"] >= 3


@pytest.mark.parametrize(
    "source, target_name",
    [
        ("missing.srt", "out.vtt"),
        ("bad_garbage.srt", "out.vtt"),
        ("bad_empty.srt", "out.vtt"),
        ("bad_negative.srt", "out.vtt"),
        ("bad_overlap.srt", "out.vtt"),
        ("bad_timestamp.srt", "out.vtt"),
        ("unknown.xyz", "out.vtt"),
        ("zh_utf8.srt", "out.xyz"),
    ],
)
def test_bad_input_is_one_line_error_and_no_output(tmp_path, source, target_name):
    target = tmp_path / target_name
    result = run("convert", SUBS / source, target)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_directory_input_is_rejected(tmp_path):
    result = run("convert", tmp_path, tmp_path / "o.srt")
    assert result.exit_code == 1 and "is a directory" in result.output


def test_usage_error_exits_2():
    assert run("convert").exit_code == 2


def test_verbose_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["--verbose", "convert", str(tmp_path / "nope.srt"), str(tmp_path / "o.vtt")])
    assert result.exit_code == 1 and result.exception is not None
