"""A title's speaker files written by hand or damaged: one line naming the file and key, never a
traceback; market keys checked; names shown with control characters escaped; links refused."""

from __future__ import annotations

import hashlib
import json
import time
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
        ({"centroid": [float("nan")] * 256}, "speakers.S1.centroid must be finite numbers, not all 0 (a voice)"),
        (
            {"centroid": [1e308] * 256},
            "speakers.S1.centroid must be finite numbers, not all 0 (a voice), got length inf",
        ),
        ({"centroid": [0] * 256}, "speakers.S1.centroid must be finite numbers, not all 0 (a voice), got length 0"),
        ({"speech_ms": 10**13}, "speakers.S1.speech_ms must be a whole number of milliseconds from 0 to"),
        ({"speech_ms": 5.5}, "speakers.S1.speech_ms must be a whole number of milliseconds"),
        ({"episodes": None}, "speakers.S1.episodes must be a list of episode names, got None"),
        ({"voice": [1]}, "speakers.S1: unknown key 'voice' (use centroid, speech_ms, episodes, samples)"),
        (
            {"samples": [{"episode": "e", "start": 900, "end": 100, "text": "t"}]},
            "speakers.S1.samples[0].end (100) is before its start (900)",
        ),
        ({"samples": [{"episode": "e", "start": 0, "end": 1}]}, "speakers.S1.samples[0]: missing key 'text'"),
        (
            {"centroid": [10**400] + [0] * 255},
            "speakers.S1.centroid must be finite numbers, not all 0 (a voice), got length inf",
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
        ('{"encoder":"x","speakers":{},"version":2}', "unknown key 'version' (use encoder, speakers, merged)"),
        ('{"encoder":"x","speakers":{"S1":{"speech_ms":5,"episodes":[]}}}', "speakers.S1: missing key 'centroid'"),
        ('{"encoder":"x","speakers":{"\\u001b[31m":7}}', "speakers.\\x1b[31m is not a speaker label"),
        ('{"encoder":"x","speakers":{"":7}}', "speakers. is not a speaker label such as S1"),
    ],
)
def test_damaged_registry_is_one_line_naming_file_and_key(tmp_path, text, fragment):
    (tmp_path / REGISTRY_FILE).write_text(text)
    assert_one_line_error(run("speakers", "list", tmp_path), REGISTRY_FILE, fragment)


@pytest.mark.parametrize(
    "merged, fragment",
    [
        ({"S1": "S2"}, "merged.S1 is also a speaker (a merged label must not be)"),
        ({"S3": "S4", "S4": "S3"}, "merged.S3 leads to no speaker: S3 -> S4 -> S3"),
        ({"S3": "S9"}, "merged.S3 leads to no speaker: S3 -> S9"),
        (
            {f"S{n}": f"S{n + 1}" for n in range(3, 100_003)},
            "merged.S3 leads to no speaker: S3 -> S4 -> ... -> S100003",
        ),
    ],
)
def test_merges_that_lead_to_no_speaker_are_one_line(tmp_path, merged, fragment):
    folder = title(tmp_path / "t")
    registry = json.loads((folder / REGISTRY_FILE).read_text())
    (folder / REGISTRY_FILE).write_text(json.dumps({**registry, "merged": merged}))
    for command in (("list", folder), ("show", folder, "S2"), ("merge", folder, "S2", "S1")):
        assert_one_line_error(run("speakers", *command), REGISTRY_FILE, fragment)


def test_a_long_chain_of_merges_is_read_at_once(tmp_path):
    """Each merged label is read as the speaker its chain ends at: listing stays fast."""
    folder = title(tmp_path / "t")
    registry = json.loads((folder / REGISTRY_FILE).read_text())
    chain = {f"S{n}": f"S{n + 1}" for n in range(3, 100_002)} | {"S100002": "S1"}
    (folder / REGISTRY_FILE).write_text(json.dumps({**registry, "merged": chain}))
    started = time.monotonic()
    listed = json.loads(run("speakers", "list", folder, "--json").output)
    assert time.monotonic() - started < 30
    assert [(row["label"], len(row["merged"])) for row in listed] == [("S1", 100_000), ("S2", 0)]
    assert SpeakerRegistry(folder).resolve("S3") == "S1"


def test_a_voice_edited_by_hand_is_brought_to_unit_length(tmp_path):
    """Matching scores voices by dot product: a long voice would match every speaker."""
    folder = title(tmp_path / "t", centroid=[1e300] * 128 + [0] * 128)
    assert SpeakerRegistry(folder).speakers["S1"].centroid.tolist() == pytest.approx([128**-0.5] * 128 + [0] * 128)
    assert SpeakerRegistry(folder).speakers["S2"].centroid.tolist() == [0.0625] * 256  # unit already: as stored


def test_a_merge_writes_a_registry_that_reads_back(tmp_path):
    """Two voices with no speech time, or opposite voices, still merge into a voice of length 1."""
    folder = title(tmp_path / "t", speech_ms=0)
    registry = json.loads((folder / REGISTRY_FILE).read_text())
    registry["speakers"]["S2"].update(speech_ms=0, centroid=[-0.0625] * 256)
    (folder / REGISTRY_FILE).write_text(json.dumps(registry))
    result = run("speakers", "merge", folder, "S2", "S1")
    assert result.exit_code == 0 and result.output == "S2 -> S1\n", result.output
    listed = json.loads(run("speakers", "list", folder, "--json").output)
    assert [row["label"] for row in listed] == ["S1"] and listed[0]["merged"] == ["S2"]
    assert SpeakerRegistry(folder).speakers["S1"].centroid.tolist() == [0.0625] * 256


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


def test_labels_with_control_characters_are_refused_with_the_label_escaped(tmp_path):
    folder = title(tmp_path / "t")
    result = run("speakers", "merge", folder, "\x1b[2JS9", "S1")
    assert_one_line_error(result, "no speaker \\x1b[2JS9 in")
    assert "\x1b" not in result.output
    (folder / SPEAKERS_FILE).write_text('["S1\\u001b[2J"]\nname = "x"\n')
    result = run("speakers", "list", folder)
    assert_one_line_error(result, SPEAKERS_FILE, "[S1\\x1b[2J] is not a speaker label")
    assert "\x1b" not in result.output


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
