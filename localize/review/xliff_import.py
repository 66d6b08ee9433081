"""XLIFF import: a CAT tool's file applied to the edit layer, all or nothing.

Reads XLIFF 1.x (1.2 as we write it, 1.1 as translate-toolkit writes it, Trados SDLXLIFF,
memoQ's) and 2.x. Units are matched by id (any order); the target text is read through
segment and term markers (``<mrk mtype="seg">``, ``<g>``, ``<pc>``), inline codes are
skipped, and whatever else a tool adds (its namespaces, attributes, ``sdl:seg-defs``) is
ignored except the confirmation levels below. Every unit is checked before anything is
written: an unknown id, a changed source, a file for another episode or language is
refused with one line naming it; then the layer is saved once, atomically.

Status read back (first that applies): Trados ``sdl:conf`` (ApprovedSignOff,
ApprovedTranslation -> approved; Translated -> reviewed; Rejected* -> needs-work), memoQ
``mq:status`` (Reviewer1/2Confirmed, Proofread -> approved; ManuallyConfirmed -> reviewed;
Rejected -> needs-work), then the XLIFF state (see :mod:`localize.review.xliff`). A
changed target on a unit still marked ``machine`` becomes ``reviewed``; a ``machine``
state never takes a status back. A file written by ``localize export`` carries its export
time: a cue edited since is left as the layer has it (refused if the file's target differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from localize.errors import InputError
from localize.review.edits import EditLayer, load_edits, now_iso, save_edits
from localize.review.xliff import NS12, NS20
from localize.validate import as_optional_text, as_path, public

NS_1X = {"urn:oasis:names:tc:xliff:document:1.0", "urn:oasis:names:tc:xliff:document:1.1", NS12, ""}
CODES = {"ph", "bpt", "ept", "it", "sub", "x", "bx", "ex", "sc", "ec", "sm", "em"}  # inline codes: no target text
SDL_CONF = {
    "ApprovedSignOff": "approved",
    "ApprovedTranslation": "approved",
    "Translated": "reviewed",
    "RejectedTranslation": "needs-work",
    "RejectedSignOff": "needs-work",
}
MEMOQ_STATUS = {
    "Reviewer1Confirmed": "approved",
    "Reviewer2Confirmed": "approved",
    "Proofread": "approved",
    "ManuallyConfirmed": "reviewed",
    "Rejected": "needs-work",
}
RANK = {"needs-work": 0, "reviewed": 1, "approved": 2}
MAX_BYTES = 64 << 20


@dataclass
class Unit:
    """One unit as read: id, source text, target text (None: no target), status the file gives (None: none)."""

    id: str
    source: str
    target: str | None
    status: str | None


@dataclass
class XliffFile:
    """What an XLIFF file says: which episode and market (``original``), languages, units."""

    path: str
    version: str
    original: str | None
    source_language: str | None
    target_language: str | None
    exported: str | None = None  # when localize wrote it (ISO 8601), None for files from elsewhere
    units: list[Unit] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import changed: the cue ids whose text or status changed, and the saved revision."""

    path: str
    episode: str
    market: str
    units: int
    changed: list[str]
    revision: int


def parse_xliff(path: str | Path) -> XliffFile:
    """Read an XLIFF file safely (no DTD, no entities, no network); :class:`InputError` on anything malformed."""
    root = _safe_root(Path(path))
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "xliff":
        raise InputError(f"{path}: not XLIFF (root element <{etree.QName(root).localname}>)")
    if namespace == NS20:
        return _read2(root, str(path))
    if namespace in NS_1X:
        return _read1(root, str(path), namespace)
    raise InputError(f"{path}: unknown XLIFF namespace {namespace!r}")


def _safe_root(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES >> 20} MiB")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as error:
        raise InputError(f"{path}: malformed XML ({error})") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError(f"{path}: a DOCTYPE (entity declarations) is not accepted in XLIFF")
    return tree.getroot()


def _read1(root: Any, path: str, ns: str) -> XliffFile:
    files = root.findall(_q(ns, "file"))
    if not files:
        raise InputError(f"{path}: no <file> element")
    first = files[0]
    result = XliffFile(
        path,
        root.get("version", "1.2"),
        first.get("original"),
        first.get("source-language"),
        first.get("target-language"),
        first.get("date"),
    )
    for file in files:
        for unit in file.iter(_q(ns, "trans-unit")):
            result.units.append(_unit1(unit, ns, path))
    return result


def _unit1(unit: Any, ns: str, path: str) -> Unit:
    unit_id = _unit_id(unit, path)
    source = unit.find(_q(ns, "source"))
    target = unit.find(_q(ns, "target"))
    return Unit(
        unit_id,
        text_of(source) if source is not None else "",
        text_of(target) if target is not None else None,
        _status1(unit, target),
    )


def _status1(unit: Any, target: Any) -> str | None:
    conf = [SDL_CONF.get(e.get("conf")) for e in unit.iter() if etree.QName(e).localname == "seg" and e.get("conf")]
    if conf and None not in conf:  # several segments: the least confirmed one counts
        return min(conf, key=lambda status: RANK.get(status or "", 0))
    memoq = _any_ns_attribute(unit, "status")
    if memoq in MEMOQ_STATUS:
        return MEMOQ_STATUS[memoq]
    state = target.get("state") if target is not None else None
    qualifier = (target.get("state-qualifier") or "") if target is not None else ""
    if unit.get("approved") == "yes" or state in ("signed-off", "final"):
        return "approved"
    if state == "translated":
        return "reviewed"
    if state and state.startswith("needs-review"):
        return "needs-work" if qualifier.startswith("rejected") else "machine"
    return None


def _any_ns_attribute(element: Any, name: str) -> str | None:
    """An attribute ``name`` in a foreign namespace (memoQ's ``mq:status``)."""
    return next((v for k, v in element.attrib.items() if k.startswith("{") and etree.QName(k).localname == name), None)


def _read2(root: Any, path: str) -> XliffFile:
    files = root.findall(_q(NS20, "file"))
    if not files:
        raise InputError(f"{path}: no <file> element")
    exported = next(
        (n.text for n in files[0].findall(f"{_q(NS20, 'notes')}/{_q(NS20, 'note')}") if n.get("id") == "exported"), None
    )
    result = XliffFile(
        path, root.get("version", "2.0"), files[0].get("original"), root.get("srcLang"), root.get("trgLang"), exported
    )
    for file in files:
        for unit in file.iter(_q(NS20, "unit")):
            segments = [s for s in unit if etree.QName(s).localname in ("segment", "ignorable")]
            source = "".join(text_of(s.find(_q(NS20, "source"))) for s in segments)
            targets = [s.find(_q(NS20, "target")) for s in segments]
            target = None if all(t is None for t in targets) else "".join(text_of(t) for t in targets)
            states = [s for s in segments if etree.QName(s).localname == "segment"]
            result.units.append(Unit(_unit_id(unit, path), source, target, _status2(states[0]) if states else None))
    return result


def _status2(segment: Any) -> str | None:
    state, sub_state = segment.get("state"), segment.get("subState") or ""
    if state == "initial":
        return "needs-work" if sub_state == "localize:needs-work" else "machine"
    return {"translated": "reviewed", "reviewed": "reviewed", "final": "approved"}.get(state or "")


def _unit_id(unit: Any, path: str) -> str:
    unit_id = unit.get("id")
    if not unit_id:
        raise InputError(f"{path}: a unit without an id (line {unit.sourceline})")
    return unit_id


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}" if namespace else tag


def text_of(element: Any) -> str:
    """The text of a source or target read through markers (mrk, g, pc), inline codes skipped."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        name = etree.QName(child).localname
        if name == "cp":
            parts.append(chr(int(child.get("hex", "20"), 16)))
        elif name not in CODES:
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _language(a: str | None, b: str | None) -> bool:
    return not a or not b or a.lower().split("-")[0] == b.lower().split("-")[0]


def identify(xliff: XliffFile, out_dir: Path, market: str | None = None) -> tuple[Path, str]:
    """The episode folder and market ``xliff`` belongs to; ``out_dir`` may be the output folder or the episode's.

    The file's ``original`` (``<episode>/<market>``) names them; ``market`` overrides the market.
    """
    named = (xliff.original or "").replace("\\", "/").strip("/").split("/")
    episode, file_market = (named[-2], named[-1]) if len(named) >= 2 else (None, None)
    if (out_dir / "manifest.json").is_file():
        if episode and episode != out_dir.name:
            raise InputError(f"{xliff.path}: is for episode {episode}, not {out_dir.name}")
        episode_dir = out_dir
    elif episode:
        episode_dir = out_dir / episode
    else:
        raise InputError(f"{xliff.path}: names no episode (file original={xliff.original!r}); pass the episode folder")
    chosen = market or file_market
    if not chosen:
        raise InputError(f"{xliff.path}: names no market (file original={xliff.original!r}); pass --market")
    if market and file_market and market != file_market:
        raise InputError(f"{xliff.path}: is for market {file_market}, not {market}")
    return episode_dir, chosen


def check_units(xliff: XliffFile, layer: EditLayer) -> None:
    """Refuse the file (one line naming the unit) unless every unit matches a cue of ``layer`` with its source."""
    where = f"{layer.episode}/{layer.market}"
    if not _language(xliff.target_language, layer.language):
        raise InputError(f"{xliff.path}: is in {xliff.target_language}, {where} is in {layer.language}")
    if not _language(xliff.source_language, layer.source_language):
        raise InputError(f"{xliff.path}: translates from {xliff.source_language}, {where} from {layer.source_language}")
    ids = {c.id: c for c in layer.cues}
    seen: set[str] = set()
    for unit in xliff.units:
        if unit.id not in ids:
            raise InputError(f"{xliff.path}: unit {unit.id!r} is no cue of {where} (ids 1..{len(layer.cues)})")
        if unit.id in seen:
            raise InputError(f"{xliff.path}: unit {unit.id!r} appears twice")
        seen.add(unit.id)
        edit = ids[unit.id]
        if not _same(unit.source, edit.source or ""):
            raise InputError(
                f"{xliff.path}: unit {unit.id!r}: the source was changed "
                f"({' '.join(unit.source.split())[:40]!r}, {where} has "
                f"{' '.join((edit.source or '').split())[:40]!r})"
            )
        if (
            xliff.exported
            and edit.updated
            and edit.updated >= xliff.exported
            and unit.target is not None
            and not _same(unit.target, edit.current)
        ):
            raise InputError(
                f"{xliff.path}: unit {unit.id!r}: cue {unit.id} of {where} was edited at {edit.updated}, "
                f"after this file was exported ({xliff.exported}); export again"
            )


def merge_units(layer: EditLayer, xliff: XliffFile, by: str) -> tuple[EditLayer, list[str]]:
    """A copy of ``layer`` with the units' targets and statuses applied; the ids that changed.

    A unit whose cue was edited after the file was exported is left alone (:func:`check_units` refused
    it if its target differs); a ``machine`` state says nothing (it never takes a status back).
    """
    result = EditLayer.from_json(layer.to_json())
    changed = []
    when = now_iso()
    for unit in xliff.units:
        edit = result.cue(unit.id)
        if xliff.exported and edit.updated and edit.updated >= xliff.exported:
            continue
        text = unit.target.strip() if unit.target is not None and unit.target.strip() else None
        new_text = text if text is not None and not _same(text, edit.current) else None
        status = edit.status if unit.status in (None, "machine") else unit.status
        if new_text is not None and status == "machine":
            status = "reviewed"
        if new_text is None and status == edit.status:
            continue
        if new_text is not None:
            edit.text = None if new_text == edit.machine else new_text
        edit.status, edit.updated, edit.by = status, when, by
        changed.append(unit.id)
    return result, changed


@public()
def import_xliff(path: str | Path, out_dir: str | Path, market: str | None = None) -> ImportResult:
    """Apply an XLIFF file to its episode's edit layer; nothing is written unless every unit checks out.

    ``out_dir`` is the output folder (``OUT``) or the episode folder; the file names its episode
    and market. Raises :class:`InputError` naming the unit or the mismatch.
    """
    path, out_dir, market = as_path(path, "path"), as_path(out_dir, "out_dir"), as_optional_text(market, "market")
    xliff = parse_xliff(path)
    episode_dir, chosen = identify(xliff, out_dir, market)
    layer = load_edits(episode_dir, chosen)
    check_units(xliff, layer)
    merged, changed = merge_units(layer, xliff, f"import {Path(path).name}")
    revision = save_edits(merged, episode_dir, expected_revision=layer.revision).revision if changed else layer.revision
    return ImportResult(str(path), layer.episode, chosen, len(xliff.units), changed, revision)
