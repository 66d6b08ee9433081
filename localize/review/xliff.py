"""XLIFF export: one unit per cue, for CAT tools (memoQ, Trados, Phrase, Weblate).

XLIFF 1.2 (the default; valid against the strict schema) or 2.0/2.1. Each unit has the
cue id, the source line, the current target with its state, notes (speaker, time codes,
shot, status, flags, budget), the character budget as a size restriction (1.2
``maxwidth`` + ``size-unit="char"``, 2.x ``slr:sizeRestriction``) and the glossary terms
marked in the source (``mrk``). The ``file`` element's ``original`` names ``<episode>/<market>``
and the export time is its ``date`` (1.2) or its note ``exported`` (2.x): an import refuses
a unit whose cue was edited after that and whose target differs (nothing is reverted).

State mapping (status -> 1.2 / 2.x), read back the same way by :mod:`localize.review.xliff_import`:

==========  ====================================================  ============================
machine     ``needs-review-translation`` + ``mt-suggestion``       ``initial``
reviewed    ``translated``                                         ``translated``
needs-work  ``needs-review-translation`` + ``rejected-inaccurate`` ``initial`` + ``localize:needs-work``
approved    ``signed-off`` + ``approved="yes"``                    ``final``
==========  ====================================================  ============================
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from localize import __version__
from localize.errors import OptionError
from localize.fileio import write_bytes_atomic
from localize.review.context import ExportContext, UnitInfo, episode_context
from localize.review.edits import CueEdit, now_iso
from localize.validate import as_optional_path, as_path, as_text, public

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
NS_SLR = "urn:oasis:names:tc:xliff:sizerestriction:2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
VERSIONS = ("1.2", "2.0", "2.1")
STATES_12 = {
    "machine": ("needs-review-translation", "mt-suggestion"),
    "reviewed": ("translated", None),
    "needs-work": ("needs-review-translation", "rejected-inaccurate"),
    "approved": ("signed-off", None),
}
STATES_2 = {
    "machine": ("initial", None),
    "reviewed": ("translated", None),
    "needs-work": ("initial", "localize:needs-work"),
    "approved": ("final", None),
}


@public()
def export_xliff(episode_dir: str | Path, market: str, output: str | Path | None = None, version: str = "1.2") -> Path:
    """Write the market's edit layer as XLIFF (``version`` 1.2, 2.0 or 2.1); the file written.

    ``output`` defaults to ``<episode_dir>/<market>/<episode>.<lang>.xlf`` (``.xliff2.xlf`` for 2.x).
    """
    episode_dir, market = as_path(episode_dir, "episode_dir"), as_text(market, "market")
    output, version = as_optional_path(output, "output"), as_text(version, "version", error=OptionError)
    context = episode_context(episode_dir, market)
    layer = context.layer
    suffix = ".xlf" if version == "1.2" else ".xliff2.xlf"
    path = output or episode_dir / market / f"{layer.episode}.{layer.language.lower()}{suffix}"
    write_bytes_atomic(path, xliff_bytes(context, version))
    return path


def xliff_bytes(context: ExportContext, version: str = "1.2") -> bytes:
    """The XLIFF document for ``context`` (UTF-8 bytes with an XML declaration)."""
    if version not in VERSIONS:
        raise OptionError(f"XLIFF version {version!r} is not one of {', '.join(VERSIONS)}")
    root = _xliff12(context) if version == "1.2" else _xliff2(context, version)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _xliff12(context: ExportContext) -> etree._Element:
    layer = context.layer
    root = etree.Element(f"{{{NS12}}}xliff", nsmap={None: NS12}, version="1.2")
    file = _sub(
        root,
        NS12,
        "file",
        {
            "original": f"{layer.episode}/{layer.market}",
            "datatype": "plaintext",
            "source-language": layer.source_language or "und",
            "target-language": layer.language,
            "tool-id": "localize",
            "date": now_iso(),
        },
    )
    header = _sub(file, NS12, "header")
    _sub(header, NS12, "tool", {"tool-id": "localize", "tool-name": "localize", "tool-version": __version__})
    body = _sub(file, NS12, "body")
    for edit in layer.cues:
        _unit12(body, edit, context.units[edit.id])
    return root


def _unit12(body: etree._Element, edit: CueEdit, info: UnitInfo) -> None:
    attributes = {"id": edit.id, f"{{{XML_NS}}}space": "preserve"}
    if info.budget is not None:
        attributes.update({"maxwidth": str(info.budget), "size-unit": "char"})
    if edit.status == "approved":
        attributes["approved"] = "yes"
    unit = _sub(body, NS12, "trans-unit", attributes)
    renderings = dict(info.terms)
    _marked(
        _sub(unit, NS12, "source"),
        edit.source or "",
        list(renderings),
        lambda parent, term: _sub(parent, NS12, "mrk", {"mtype": "term", "comment": f"glossary: {renderings[term]}"}),
    )
    state, qualifier = STATES_12[edit.status]
    target_attributes = {"state": state, **({"state-qualifier": qualifier} if qualifier else {})}
    _sub(unit, NS12, "target", target_attributes).text = edit.current
    for note in info.notes:
        _sub(unit, NS12, "note", {"from": "localize"}).text = note


def _xliff2(context: ExportContext, version: str) -> etree._Element:
    layer = context.layer
    root = etree.Element(
        f"{{{NS20}}}xliff",
        nsmap={None: NS20, "slr": NS_SLR},
        version=version,
        srcLang=layer.source_language or "und",
        trgLang=layer.language,
    )
    file = _sub(root, NS20, "file", {"id": "f1", "original": f"{layer.episode}/{layer.market}"})
    _sub(file, NS_SLR, "profiles", {"generalProfile": "xliff:codepoints"})
    _sub(_sub(file, NS20, "notes"), NS20, "note", {"id": "exported", "category": "localize"}).text = now_iso()
    for edit in layer.cues:
        info = context.units[edit.id]
        attributes = {"id": edit.id}
        if info.budget is not None:
            attributes[f"{{{NS_SLR}}}sizeRestriction"] = str(info.budget)
        unit = _sub(file, NS20, "unit", attributes)
        notes = _sub(unit, NS20, "notes")
        for note in info.notes:
            _sub(notes, NS20, "note", {"category": note.split(":", 1)[0]}).text = note
        state, sub_state = STATES_2[edit.status]
        segment = _sub(unit, NS20, "segment", {"state": state, **({"subState": sub_state} if sub_state else {})})
        source = _sub(segment, NS20, "source", {f"{{{XML_NS}}}space": "preserve"})
        _marked(
            source,
            edit.source or "",
            [s for s, _ in info.terms],
            functools.partial(_mrk2, ids=itertools.count(1), renderings=dict(info.terms)),
        )
        _sub(segment, NS20, "target", {f"{{{XML_NS}}}space": "preserve"}).text = edit.current
    return root


def _mrk2(parent: etree._Element, term: str, ids: Iterator[int], renderings: dict[str, str]) -> Any:
    return _sub(parent, NS20, "mrk", {"id": f"m{next(ids)}", "type": "term", "value": f"glossary: {renderings[term]}"})


def _sub(parent: etree._Element, namespace: str, tag: str, attributes: dict[str, str] | None = None) -> Any:
    return etree.SubElement(parent, f"{{{namespace}}}{tag}", attributes or {})


def _marked(element: etree._Element, text: str, needles: list[str], make: Any) -> None:
    """Set ``text`` into ``element`` with each occurrence of a needle (longest first) wrapped by ``make``."""
    spans: list[tuple[int, int, str]] = []
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = text.find(needle)
        while start >= 0:
            end = start + len(needle)
            if all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, needle))
            start = text.find(needle, end)
    position, last = 0, None
    element.text = ""
    for start, end, needle in sorted(spans):
        piece = text[position:start]
        if last is None:
            element.text = piece
        else:
            last.tail = piece
        last = make(element, needle)
        last.text = text[start:end]
        position = end
    if last is None:
        element.text = text
    else:
        last.tail = text[position:]
