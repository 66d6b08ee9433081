"""One way for the benchmark scripts to print a table: columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence


def print_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``columns`` then ``rows`` (strings), `` | ``-separated, each column left-aligned."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    for values in (columns, *rows):
        print(" | ".join(v.ljust(w) for v, w in zip(values, widths)))
