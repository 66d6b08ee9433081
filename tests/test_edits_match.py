"""An edited delivered subtitle file read back as edits (localize.review.match): matching, decisions, refusals."""

from __future__ import annotations

import pytest

import localize
from localize.errors import InputError, LocalizeError
from localize.fileio import sha256_file
from localize.model import Cue, Track
from localize.review import layer_from_track
from localize.review.match import CueChange, EditReport, edits_from_delivered, edits_from_file, merge_reports

LINES = [
    "Lin Wan, you're finally back.",
    "The CEO is waiting for you upstairs.",
    "I don't want to see Lu Jingchen.",
    "Young master, she is your wife.",
    "Tomorrow we go home.",
]


def machine() -> Track:
    return Track(
        [Cue(1000 + 3000 * n, 3000 + 3000 * n, text, source=f"源{n}") for n, text in enumerate(LINES)], language="en"
    )


def edited(*changes: tuple[int, Cue | None], extra: tuple[Cue, ...] = ()) -> Track:
    """The machine track with cue ``n`` (1-based) replaced (None: deleted), plus ``extra`` cues."""
    cues = [Cue(c.start, c.end, c.text) for c in machine()]
    for number, cue in sorted(changes, reverse=True):
        if cue is None:
            del cues[number - 1]
        else:
            cues[number - 1] = cue
    return Track(sorted([*cues, *extra], key=lambda c: c.start), language="en")


def test_text_and_timing_changes_are_kept_and_nothing_else():
    report = edits_from_file(
        machine(),
        edited((2, Cue(4000, 6200, "The boss is waiting for you upstairs.")), (4, Cue(10100, 11900, LINES[3]))),
    )
    assert report.changes == [
        CueChange("2", "The boss is waiting for you upstairs.", None, 6200),
        CueChange("4", None, 10100, 11900),
    ]
    assert report.notes == []


def test_an_unchanged_track_has_no_changes():
    report = edits_from_file(machine(), edited())
    assert (report.changes, report.notes) == ([], [])


def test_a_deleted_cue_is_reported_and_keeps_its_machine_text():
    report = edits_from_file(machine(), edited((3, None)), "ep01.en.srt")
    assert report.changes == []
    assert report.notes == [
        'ep01.en.srt: cue 3 (00:00:07.000, "I don\'t want to see Lu Jingchen.") was deleted: kept with its machine text'
    ]


def test_a_split_cue_is_taken_as_one_cue_and_reported():
    halves = (Cue(7000, 7900, "I don't want"), Cue(8000, 9000, "to see Lu Jingchen!"))
    report = edits_from_file(machine(), edited((3, halves[0]), extra=(halves[1],)), "f.srt")
    assert report.changes == [CueChange("3", "I don't want\nto see Lu Jingchen!", None, None)]
    assert report.notes == ["f.srt: cue 3 was split into 2 cues: taken as one cue with their lines and overall timing"]


def test_merged_cues_are_reported_and_not_taken():
    merged = Cue(4000, 9000, "The boss is waiting, but I won't see Lu Jingchen.")
    report = edits_from_file(machine(), edited((2, merged), (3, None)), "f.srt")
    assert report.changes == []
    assert len(report.notes) == 1
    assert report.notes[0].startswith('f.srt: cues 2, 3 were merged into one (00:00:04.000, "The boss is waiting')
    assert report.notes[0].endswith("not taken, they keep their text (edit them apart)")


def test_a_cue_moved_past_the_next_one_is_reported_and_not_taken():
    moved = Cue(13500, 14500, LINES[3])  # cue 4 moved after cue 5 starts
    report = edits_from_file(machine(), edited((4, moved)), "f.srt")
    assert report.changes == []
    assert report.notes == [
        "f.srt: cue 4 was moved past a neighbouring cue (to 00:00:13.500): not taken, "
        "it keeps its machine text and timing"
    ]


def test_a_cue_moved_onto_its_neighbour_is_found_by_its_text():
    moved = Cue(4200, 5000, LINES[0])  # cue 1 moved into cue 2's time: not a split of cue 2
    report = edits_from_file(machine(), edited((1, moved)), "f.srt")
    assert report.changes == []
    assert [n.split(":")[1].strip() for n in report.notes] == ["cue 1 was moved past a neighbouring cue (to 00"]


def test_a_neighbours_words_pasted_into_a_cue_are_that_cues_new_text():
    report = edits_from_file(machine(), edited((2, Cue(4000, 6000, LINES[0]))), "f.srt")
    assert report.changes == [CueChange("2", LINES[0], None, None)]
    assert report.notes == []


def test_a_cue_retimed_clear_of_its_slot_but_in_order_is_taken():
    report = edits_from_file(machine(), edited((2, Cue(3100, 3600, LINES[1] + "!"))))
    assert report.changes == [CueChange("2", LINES[1] + "!", 3100, 3600)]
    assert report.notes == []


def test_an_added_cue_is_reported_and_not_taken():
    report = edits_from_file(machine(), edited(extra=(Cue(15500, 16500, "Where is everyone?"),)), "f.srt")
    assert report.changes == []
    assert report.notes == ['f.srt: the cue at 00:00:15.500 ("Where is everyone?") matches no machine cue: not taken']


def test_invalid_timing_is_refused_with_one_line():
    bad = edited((2, Cue(6000, 5000, LINES[1])))
    with pytest.raises(InputError, match=r"^f.srt: cue 2: ends before it starts \(00:00:06.000 -> 00:00:05.000\)$"):
        edits_from_file(machine(), bad, "f.srt")


def test_a_delivered_file_edited_on_disk_is_read_through_its_format(tmp_path):
    """ASS keeps centiseconds: the machine's milliseconds are no change, the edited line is."""
    track = machine()
    track.cues[0].start = 1003
    for fmt in ("ass", "srt", "vtt", "ttml"):
        path = tmp_path / "en-US" / f"ep01.en.{fmt}"
        localize.save(track, path)
        output = {"path": f"en-US/{path.name}", "sha256": sha256_file(path)}
        assert edits_from_delivered(tmp_path, output, track) is None
        path.write_text(path.read_text(encoding="utf-8").replace("The CEO", "The boss"), encoding="utf-8")
        report = edits_from_delivered(tmp_path, output, track)
        assert report is not None and report.file == f"en-US/ep01.en.{fmt}" and report.notes == []
        assert report.changes == [CueChange("2", "The boss is waiting for you upstairs.")], fmt


def test_a_delivered_file_with_invalid_timing_is_refused_naming_it(tmp_path):
    path = tmp_path / "en-US" / "ep01.en.srt"
    localize.save(machine(), path)
    output = {"path": "en-US/ep01.en.srt", "sha256": sha256_file(path)}
    path.write_text(
        path.read_text(encoding="utf-8").replace("00:00:04,000 --> 00:00:06,000", "00:00:06,000 --> 00:00:04,000"),
        encoding="utf-8",
    )
    with pytest.raises(LocalizeError, match=r"ep01.en.srt:6: cue ends at or before its start \(00:00:06.000") as caught:
        edits_from_delivered(tmp_path, output, machine())
    assert "\n" not in str(caught.value)
    assert edits_from_delivered(tmp_path, {"path": "en-US/gone.srt", "sha256": "0"}, machine()) is None


def test_two_files_changing_one_cue_differently_are_refused_naming_both():
    srt = EditReport("en-US/ep01.en.srt", [CueChange("2", "The boss is waiting.")])
    vtt = EditReport("en-US/ep01.en.vtt", [CueChange("2", "The chief is waiting.")])
    same = EditReport("en-US/ep01.en.ass", [CueChange("2", "The boss is waiting."), CueChange("1", None, 900, None)])
    assert merge_reports([srt, same]) == [CueChange("1", None, 900, None), CueChange("2", "The boss is waiting.")]
    with pytest.raises(InputError, match="^en-US/ep01.en.srt and en-US/ep01.en.vtt change cue 2 differently"):
        merge_reports([srt, same, vtt])


def test_a_report_applied_to_a_layer_marks_the_cues_reviewed():
    layer = layer_from_track(machine(), "ep01", "en-US", "zh")
    report = EditReport(
        "en-US/ep01.en.srt",
        [CueChange("2", "The boss is waiting for you upstairs.", None, 6200), CueChange("3", LINES[2], 7100, None)],
    )
    result = report.apply(layer)
    two, three = result.cue("2"), result.cue("3")
    assert (two.text, two.new_start, two.new_end, two.status) == (
        "The boss is waiting for you upstairs.",
        None,
        6200,
        "reviewed",
    )
    assert (three.text, three.new_start, three.status) == (None, 7100, "reviewed")  # machine text: no reviewed text
    assert two.by == "edited en-US/ep01.en.srt" and two.updated and two.updated.endswith("Z")
    assert result.cue("1") == layer.cue("1") and layer.cue("2").text is None  # the input layer is unchanged


def test_the_time_index_finds_exactly_the_overlapping_cues():
    import random

    from localize.review.spans import Spans

    rng = random.Random(7)
    cues = [Cue(start, start + rng.randint(1, 3000), "x") for start in (rng.randint(0, 60000) for _ in range(300))]
    spans = Spans(cues)
    for _ in range(300):
        start = rng.randint(0, 62000)
        end = start + rng.randint(1, 4000)
        assert spans.overlapping(start, end) == [i for i, c in enumerate(cues) if c.start < end and c.end > start]


def test_delivered_edits_reads_every_changed_format_of_a_market(tmp_path):
    from edits_support import delivered_episode
    from localize.review import delivered_edits, load_edits, save_edits

    episode = delivered_episode(tmp_path, formats=("srt", "vtt", "ass"))
    assert delivered_edits(episode, "en-US") is None
    for fmt in ("srt", "vtt"):
        path = episode / "en-US" / f"ep01.en.{fmt}"
        path.write_text(path.read_text(encoding="utf-8").replace("The CEO", "The boss"), encoding="utf-8")
    report = delivered_edits(episode, "en-US")  # the machine track comes from the intact .ass
    assert report is not None and report.file == "en-US/ep01.en.srt, en-US/ep01.en.vtt"
    assert report.changes == [CueChange("2", "The boss is waiting for you upstairs.")]
    saved = save_edits(report.apply(load_edits(episode, "en-US")), episode)
    assert saved.cue("2").current == "The boss is waiting for you upstairs." and saved.cue("2").status == "reviewed"
    vtt = episode / "en-US" / "ep01.en.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("The boss", "The chief"), encoding="utf-8")
    with pytest.raises(InputError, match="en-US/ep01.en.srt and en-US/ep01.en.vtt change cue 2 differently"):
        delivered_edits(episode, "en-US")
