"""x264 settings of every encode in delivery: the same inputs give the same bytes on every run and machine.

x264's output depends on its thread count (1, 2, 3 and 4 threads give four different streams of
one clip), so the count is fixed, not taken from the machine; and its threaded lookahead made an
encode on a busy machine differ now and then (6 of 60 runs), so the lookahead runs in step with
the encoder (0 of 54). CPU time is the same either way (docs/hardsub.md).
"""

from __future__ import annotations

THREADS = 4
PARAMS = "sync-lookahead=0"
