"""The review stage: the edit layer a person's corrections live in, and its exchange with CAT tools.

>>> layer = load_edits("out/ep01", "en-US")        # saved edits, or a fresh all-machine layer
>>> layer.cue("3").text = "The boss is waiting for you."
>>> save_edits(layer, "out/ep01", expected_revision=layer.revision)
>>> reviewed = apply_edits(machine, layer)

No stage imports this package; the pipeline may.
"""

from __future__ import annotations

from localize.review.edits import (
    EDIT_STATUSES,
    CueEdit,
    EditConflict,
    EditLayer,
    apply_edits,
    edits_path,
    layer_from_track,
    load_edits,
    save_edits,
)
from localize.review.match import (
    CueChange,
    EditReport,
    delivered_edits,
    edits_from_delivered,
    edits_from_file,
    merge_reports,
)
from localize.review.rebase import rebase_edits

__all__ = [
    "EDIT_STATUSES",
    "CueChange",
    "CueEdit",
    "EditConflict",
    "EditLayer",
    "EditReport",
    "apply_edits",
    "delivered_edits",
    "edits_from_delivered",
    "edits_from_file",
    "edits_path",
    "layer_from_track",
    "load_edits",
    "merge_reports",
    "rebase_edits",
    "save_edits",
]
