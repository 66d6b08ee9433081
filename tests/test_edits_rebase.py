"""An edit layer carried onto a new machine track (localize.review.rebase): kept, flagged, reported."""

from __future__ import annotations

from edits_support import ENGLISH, SOURCE, machine
from localize.model import Cue, Track
from localize.review import apply_edits, layer_from_track, rebase_edits


def reviewed_layer():
    layer = layer_from_track(machine(), "ep01", "en-US", "zh")
    layer.cue("1").text, layer.cue("1").status = "Lin Wan, you're back at last.", "approved"
    layer.cue("2").new_end, layer.cue("2").status = 4500, "reviewed"
    layer.cue("3").status, layer.cue("3").by = "needs-work", "anna"
    layer.revision = 4
    return layer


def test_edits_are_carried_onto_a_retranslated_track():
    new = machine()
    new.cues[2].text = "We are going home tomorrow."  # another engine: new machine text, same source
    rebased, notes = rebase_edits(reviewed_layer(), new)
    assert notes == [] and rebased.revision == 4
    assert [(c.machine, c.text, c.status) for c in rebased.cues] == [
        (ENGLISH[0], "Lin Wan, you're back at last.", "approved"),
        (ENGLISH[1], None, "reviewed"),
        ("We are going home tomorrow.", None, "needs-work"),
    ]
    assert rebased.cue("2").new_end == 4500 and rebased.cue("3").by == "anna"
    assert [c.text for c in apply_edits(new, rebased)] == [
        "Lin Wan, you're back at last.",
        ENGLISH[1],
        "We are going home tomorrow.",
    ]


def test_a_changed_source_under_an_edit_keeps_the_edit_flagged_and_unapplied():
    new = machine()
    new.cues[0].source, new.cues[0].text = "林晚，你终于回家了。", "Lin Wan, you're finally home."  # re-OCR
    rebased, notes = rebase_edits(reviewed_layer(), new)
    first = rebased.cue("1")
    assert (first.text, first.status) == ("Lin Wan, you're back at last.", "approved")
    assert first.source == "林晚，你终于回家了。"
    assert first.flags == ["source changed since review"]
    applied = apply_edits(new, rebased)
    assert applied[0].text == "Lin Wan, you're finally home." and applied[0].flags == ["source changed since review"]
    assert applied[1].end == 4500  # the other edits still apply


def test_an_edit_whose_cue_is_gone_is_reported():
    new = Track(
        [Cue(500, 2300, ENGLISH[0], source=SOURCE[0]), Cue(2500, 4300, ENGLISH[1], source=SOURCE[1])], language="en"
    )
    rebased, notes = rebase_edits(reviewed_layer(), new)
    assert len(rebased.cues) == 2
    assert notes == [
        "ep01/en-US: the edit of cue 3 (00:00:04.500, needs-work) has no machine cue any more: not carried over"
    ]


def test_edits_follow_their_cue_when_a_cue_is_inserted_before_them():
    new = machine()
    new.cues.insert(0, Cue(0, 400, "Hey!", source="喂！"))
    rebased, notes = rebase_edits(reviewed_layer(), new)
    assert notes == []
    assert [(c.id, c.text, c.status) for c in rebased.cues] == [
        ("1", None, "machine"),
        ("2", "Lin Wan, you're back at last.", "approved"),
        ("3", None, "reviewed"),
        ("4", None, "needs-work"),
    ]
