"""TMX and TBX export: the title's approved memory and a market's glossary, for CAT tools.

TMX 1.4b: every approved cue of every episode under the output folder (one ``<tu>`` per
distinct source/target pair, with the episode, market and cue as ``x-`` properties).
TBX-Basic: the glossary terms that apply to a market, in the form
:mod:`localize.translation.glossary` reads back (known wrong renderings as deprecated terms).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from localize import __version__
from localize.errors import InputError
from localize.fileio import write_bytes_atomic
from localize.review.context import episode_context
from localize.review.edits import EditLayer, edits_path, load_edits

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def approved_layers(out_dir: str | Path, market: str) -> list[EditLayer]:
    """The saved edit layers of ``market`` in every episode under ``out_dir`` (episode order)."""
    found = []
    for manifest in sorted(Path(out_dir).glob("*/manifest.json")):
        episode_dir = manifest.parent
        if edits_path(episode_dir, market).is_file():
            found.append(load_edits(episode_dir, market))
    return found


def export_tmx(out_dir: str | Path, market: str, output: str | Path | None = None) -> Path:
    """Write the title's approved pairs for ``market`` as TMX 1.4b; the file (default ``OUT/memory.<market>.tmx``)."""
    layers = approved_layers(out_dir, market)
    path = Path(output) if output else Path(out_dir) / f"memory.{market}.tmx"
    write_bytes_atomic(path, tmx_bytes(layers))
    return path


def tmx_bytes(layers: list[EditLayer]) -> bytes:
    """TMX 1.4b of the approved cues with a source line in ``layers`` (exact duplicates once)."""
    sources = sorted({layer.source_language or "und" for layer in layers}) or ["und"]
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        {
            "creationtool": "localize",
            "creationtoolversion": __version__,
            "segtype": "sentence",
            "o-tmf": "localize",
            "adminlang": "en",
            "srclang": sources[0] if len(sources) == 1 else "*all*",
            "datatype": "plaintext",
            "creationdate": _tmx_date(None),
        },
    )
    body = etree.SubElement(root, "body")
    seen: set[tuple[str, str, str]] = set()
    for layer in layers:
        for edit in layer.cues:
            key = (layer.source_language or "und", edit.source or "", edit.current)
            if edit.status != "approved" or not (edit.source or "").strip() or key in seen:
                continue
            seen.add(key)
            unit = etree.SubElement(
                body, "tu", {"tuid": f"{layer.episode}/{layer.market}/{edit.id}", "changedate": _tmx_date(edit.updated)}
            )
            for name, value in (("x-episode", layer.episode), ("x-market", layer.market), ("x-cue", edit.id)):
                etree.SubElement(unit, "prop", type=name).text = value
            for language, text in ((layer.source_language or "und", edit.source or ""), (layer.language, edit.current)):
                variant = etree.SubElement(unit, "tuv", {XML_LANG: language})
                etree.SubElement(variant, "seg").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _tmx_date(iso: str | None) -> str:
    """TMX's ``YYYYMMDDThhmmssZ`` (now when ``iso`` is None)."""
    when = datetime.fromisoformat(iso.replace("Z", "+00:00")) if iso else datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def export_tbx(episode_dir: str | Path, market: str, output: str | Path | None = None) -> Path:
    """Write the glossary terms that apply to ``market`` as TBX-Basic; the file (default ``<market>/glossary.tbx``)."""
    context = episode_context(episode_dir, market)
    layer = context.layer
    if not context.glossary:
        raise InputError(f"{layer.episode}/{layer.market}: the run used no glossary for this market")
    path = Path(output) if output else Path(episode_dir) / market / "glossary.tbx"
    write_bytes_atomic(path, tbx_bytes(context.glossary.terms, layer.source_language or "und", layer.language))
    return path


def tbx_bytes(terms: list[Any], source_language: str, target_language: str) -> bytes:
    """TBX-Basic: one ``termEntry`` per term, the source ``langSet`` first, wrong variants deprecated."""
    root = etree.Element("martif", {"type": "TBX-Basic", XML_LANG: source_language})
    header = etree.SubElement(etree.SubElement(root, "martifHeader"), "fileDesc")
    etree.SubElement(etree.SubElement(header, "sourceDesc"), "p").text = "localize glossary"
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for number, term in enumerate(terms, 1):
        entry = etree.SubElement(body, "termEntry", id=f"t{number}")
        if term.note or term.market or term.dnt:
            facts = {"note": term.note, "market": term.market, "do not translate": "yes" if term.dnt else ""}
            etree.SubElement(entry, "note").text = json.dumps({k: v for k, v in facts.items() if v}, ensure_ascii=False)
        _tig(etree.SubElement(entry, "langSet", {XML_LANG: source_language}), term.source, None)
        target = etree.SubElement(entry, "langSet", {XML_LANG: term.language or target_language})
        _tig(target, term.rendering, "preferredTerm-admn-sts")
        for variant in term.variants:
            _tig(target, variant, "deprecatedTerm-admn-sts")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _tig(langset: Any, text: str, status: str | None) -> None:
    tig = etree.SubElement(langset, "tig")
    etree.SubElement(tig, "term").text = text
    if status:
        etree.SubElement(tig, "termNote", type="administrativeStatus").text = status
