"""Where the toolkit keeps its caches (models, translation memory, shot lists)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """``$LOCALIZE_CACHE``, else ``$XDG_CACHE_HOME/localize``, else ``~/.cache/localize``.

    Extra ``parts`` name a subfolder, which is created.
    """
    root = os.environ.get("LOCALIZE_CACHE")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "localize"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
