"""The edit layer (localize.review.edits): building, saving, loading and applying a person's corrections."""

from __future__ import annotations

import json
import threading

import pytest

import localize
from edits_support import ENGLISH, SOURCE, delivered_episode, machine
from localize.errors import InputError
from localize.model import Track
from localize.review import (
    CueEdit,
    EditConflict,
    EditLayer,
    apply_edits,
    edits_path,
    layer_from_track,
    load_edits,
    save_edits,
)


def test_a_fresh_layer_comes_from_the_delivered_track_with_sources_by_overlap(tmp_path):
    episode = delivered_episode(tmp_path)
    layer = load_edits(episode, "en-US")
    assert (layer.episode, layer.market, layer.language, layer.source_language, layer.revision) == (
        "ep01",
        "en-US",
        "en",
        "zh",
        0,
    )
    assert [c.id for c in layer.cues] == ["1", "2", "3"]
    assert [c.machine for c in layer.cues] == ENGLISH
    assert [c.source for c in layer.cues] == SOURCE
    assert all(c.status == "machine" and not c.edited and c.current == c.machine for c in layer.cues)
    assert layer.cues[1].times == (2500, 4300)
    assert not edits_path(episode, "en-US").exists()  # loading writes nothing


def test_the_json_track_is_preferred_and_carries_speakers(tmp_path):
    episode = delivered_episode(tmp_path, formats=("srt", "json"))
    layer = load_edits(episode, "en-US")
    assert [c.speaker for c in layer.cues] == ["S1", "S2", "S1"]
    assert [c.source for c in layer.cues] == SOURCE


def test_save_is_atomic_revisioned_and_round_trips(tmp_path):
    episode = delivered_episode(tmp_path)
    layer = load_edits(episode, "en-US")
    edit = layer.cue("2")
    edit.text, edit.status, edit.by, edit.new_end = "The boss is waiting for you upstairs.", "approved", "tester", 4500
    saved = save_edits(layer, episode, expected_revision=0)
    assert saved.revision == 1
    path = edits_path(episode, "en-US")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["edits_version"] == 1 and data["revision"] == 1
    assert data["cues"][1]["text"] == "The boss is waiting for you upstairs." and data["cues"][1]["new_end"] == 4500
    again = load_edits(episode, "en-US")
    assert again == saved and again.cue("2").edited and again.cue("2").current.startswith("The boss")
    assert again.cue("2").times == (2500, 4500)
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_a_save_from_an_older_revision_is_refused_and_changes_nothing(tmp_path):
    episode = delivered_episode(tmp_path)
    first = load_edits(episode, "en-US")
    save_edits(first, episode, expected_revision=0)
    before = edits_path(episode, "en-US").read_bytes()
    first.cue("1").text = "stale"
    with pytest.raises(EditConflict, match="changed since revision 0 .now at revision 1."):
        save_edits(first, episode, expected_revision=0)
    assert edits_path(episode, "en-US").read_bytes() == before
    assert save_edits(first, episode).revision == 2  # no check asked: saved as the next revision


def test_concurrent_saves_each_get_their_own_revision(tmp_path):
    episode = delivered_episode(tmp_path)
    layer = load_edits(episode, "en-US")
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(save_edits(layer, episode).revision)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(1, 9))
    assert load_edits(episode, "en-US").revision == 8


def test_apply_edits_changes_only_the_reviewed_fields(tmp_path):
    track = machine()
    layer = layer_from_track(track, "ep01", "en-US", "zh")
    layer.cue("2").text = "The boss is waiting for you upstairs."
    layer.cue("3").new_start, layer.cue("3").new_speaker = 4600, "Lin Wan"
    reviewed = apply_edits(track, layer)
    assert [c.text for c in reviewed] == [ENGLISH[0], "The boss is waiting for you upstairs.", ENGLISH[2]]
    assert (reviewed[2].start, reviewed[2].end, reviewed[2].speaker) == (4600, 6300, "Lin Wan")
    assert reviewed[0] == track[0] and reviewed[1].source == SOURCE[1]
    assert [c.text for c in track] == ENGLISH  # the input is not changed
    assert localize.apply_edits is apply_edits and localize.load_edits is load_edits


def test_apply_edits_refuses_a_layer_for_another_track():
    layer = layer_from_track(machine(), "ep01", "en-US")
    short = Track(machine().cues[:2], language="en")
    with pytest.raises(InputError, match="edit layer cue 3 is not in the track .2 cues."):
        apply_edits(short, layer)


def test_apply_edits_refuses_reviewed_timing_that_ends_before_it_starts():
    layer = layer_from_track(machine(), "ep01", "en-US")
    layer.cue("1").new_end = 100
    with pytest.raises(InputError, match="cue 1: ends before it starts"):
        apply_edits(machine(), layer)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(edits_version=9), "edits_version must be 1"),
        (lambda d: d["cues"][0].update(status="done"), "cue 1: status 'done' is not one of machine, reviewed"),
        (lambda d: d["cues"][1].update(start="0"), "cue 2: 'start' must be int"),
        (lambda d: d["cues"][1].update(new_end=1), "cue 2: reviewed timing"),
        (lambda d: d["cues"][2].update(id="1"), "cue id '1' appears twice"),
        (lambda d: d["cues"][0].update(colour="red"), "cue 1: unknown key 'colour'"),
        (lambda d: d["cues"][0].pop("machine"), "cue 1: 'machine' is required"),
        (lambda d: d["cues"][0].update(flags=[1]), "'flags' must be a list of strings"),
        (lambda d: d.update(revision=True), "'revision' must be int"),
    ],
)
def test_a_malformed_layer_is_one_line_naming_the_cue(change, message):
    data = json.loads(layer_from_track(machine(), "ep01", "en-US").to_json())
    change(data)
    with pytest.raises(InputError, match=message) as caught:
        EditLayer.from_json(json.dumps(data), "x/edits.json")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("x/edits.json")


def test_a_broken_or_foreign_file_on_disk_is_refused(tmp_path):
    episode = delivered_episode(tmp_path)
    path = edits_path(episode, "en-US")
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        load_edits(episode, "en-US")
    other = layer_from_track(machine(), "ep02", "en-US")
    path.write_text(other.to_json(), encoding="utf-8")
    with pytest.raises(InputError, match="belongs to ep02/en-US, not ep01/en-US"):
        load_edits(episode, "en-US")


def test_unknown_market_missing_manifest_and_bad_names_are_one_line(tmp_path):
    episode = delivered_episode(tmp_path)
    with pytest.raises(InputError, match=r"no market 'fr-FR' in this episode \(markets: en-US\)"):
        load_edits(episode, "fr-FR")
    with pytest.raises(InputError, match="no manifest.json"):
        load_edits(tmp_path / "nothing", "en-US")
    with pytest.raises(InputError, match="path separator"):
        edits_path(episode, "../en-US")
    with pytest.raises(InputError, match="no cue with id '9'"):
        load_edits(episode, "en-US").cue("9")


def test_cue_edit_properties():
    edit = CueEdit("1", 0, 1000, "源", "machine text")
    assert (edit.current, edit.times, edit.edited) == ("machine text", (0, 1000), False)
    edit.new_speaker = "S3"
    assert edit.edited


def test_a_fresh_layer_skips_delivered_files_a_person_changed(tmp_path):
    episode = delivered_episode(tmp_path, formats=("json", "srt"))
    json_file = episode / "en-US" / "ep01.en.json"
    json_file.write_text(json_file.read_text(encoding="utf-8").replace("The CEO", "The boss"), encoding="utf-8")
    layer = load_edits(episode, "en-US")
    assert layer.cue("2").machine == ENGLISH[1] and layer.cue("2").source == SOURCE[1]  # from the intact SRT
    (episode / "en-US" / "ep01.en.srt").unlink()
    with pytest.raises(InputError, match="every delivered subtitle file was changed or removed since the run"):
        load_edits(episode, "en-US")
