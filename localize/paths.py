"""Where the toolkit keeps its caches (models, translation memory, shot lists)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from localize.errors import InputError


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


#: a language tag as markets and outputs use it: en, es-419, zh-Hans, pt-BR
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")
MAX_COMPONENT_BYTES = 200


def safe_name(name: str, what: str = "name") -> str:
    """``name`` if it is usable as one path component (an episode, a market folder), else an InputError.

    Refused: empty, separators, control characters, a leading dot (``.``, ``..``, hidden
    folders such as the stage cache's ``.cache``), and names over 200 bytes.
    """
    text = str(name)
    problem = (
        "is empty"
        if not text.strip()
        else "contains a path separator"
        if "/" in text or "\\" in text or os.sep in text
        else "contains a control character"
        if any(ord(c) < 32 or ord(c) == 127 for c in text)
        else "starts with a dot"
        if text[0] == "."
        else "is too long"
        if len(text.encode("utf-8", "surrogateescape")) > MAX_COMPONENT_BYTES
        else None
    )
    if problem:
        raise InputError(f"{what} {text!r} {problem}: it must be a single file name")
    return text


def language_tag(code: str, what: str = "language") -> str:
    """``code`` if it is a language tag (``en``, ``es-419``, ``zh-Hans``), else an InputError."""
    text = str(code).strip()
    if not LANGUAGE_TAG.fullmatch(text):
        raise InputError(f"{what} {code!r} is not a language tag (e.g. en, es-419, zh-Hans)")
    return text


def inside(root: str | Path, path: str | Path) -> Path:
    """``path`` (relative to ``root`` unless absolute) if it resolves inside ``root``, else an InputError."""
    base = Path(root).resolve()
    target = (base / path).resolve()
    if target != base and base not in target.parents:
        raise InputError(f"{path}: would be written outside the output folder {root}")
    return target
