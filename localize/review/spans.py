"""Which cues overlap a time range, without comparing every pair (sorted starts, running maximum of ends)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from localize.model import Cue


class Spans:
    """An index of cues by time: :meth:`overlapping` lists the cues sharing time with a range."""

    def __init__(self, cues: Sequence[Cue]):
        self.order = sorted(range(len(cues)), key=lambda i: cues[i].start)
        self.starts = [cues[i].start for i in self.order]
        self.ends = [cues[i].end for i in self.order]
        self.reach = list(itertools.accumulate(self.ends, max))  # the latest end among the first k cues

    def overlapping(self, start: int, end: int) -> list[int]:
        """Indices (in the given order) of the cues that share time with ``start``..``end``, ascending."""
        found = []
        position = bisect.bisect_left(self.starts, end) - 1
        while position >= 0 and self.reach[position] > start:
            if self.ends[position] > start:
                found.append(self.order[position])
            position -= 1
        return sorted(found)
