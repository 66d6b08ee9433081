"""Glossaries: approved renderings of names and terms, loaded from CSV, TSV or TBX.

A CSV/TSV glossary has a header row; ``source`` and ``target`` are required, the rest
optional: ``language`` (target language the row applies to), ``market`` (e.g. es-419),
``case`` (``sensitive``/``insensitive``), ``dnt`` (do not translate: yes/no),
``variants`` (known wrong renderings, ``|``-separated, replaced on repair), ``note``, and
``speaker`` / ``addressee`` (a speaker label or name: the row is a per-character term of
address, for lines that speaker says or that are said to that addressee; see
:meth:`Glossary.for_line`). Lines starting with ``#`` are comments. Several glossaries
layer: later files win.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from localize.errors import ConfigError, LocalizeError
from localize.fileio import FileMemo
from localize.language import base_language
from localize.model import is_cjk
from localize.validate import PATH_TYPES, as_items, as_optional_text, public

COLUMNS = ("source", "target", "language", "market", "case", "dnt", "variants", "note")
ADDRESS_COLUMNS = ("speaker", "addressee")  # optional: per-character terms of address
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Term:
    """One glossary row: ``source`` must come out as ``target``."""

    source: str
    target: str
    language: str | None = None
    market: str | None = None
    case_sensitive: bool = True
    dnt: bool = False
    variants: tuple[str, ...] = ()
    note: str = ""
    origin: str = field(default="", compare=False)
    speaker: str | None = None
    addressee: str | None = None

    @property
    def per_character(self) -> bool:
        """True for a term of address that applies only to some speaker or addressee."""
        return bool(self.speaker or self.addressee)

    @property
    def rendering(self) -> str:
        """What the translation must contain: the target, or the source for do-not-translate."""
        return self.source if self.dnt else self.target

    def specificity(self) -> int:
        return 2 if self.market else 1 if self.language else 0


@dataclass
class Glossary:
    """An ordered list of terms; later terms override earlier ones for the same source."""

    terms: list[Term] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def targets(self) -> list[str]:
        """Protected target strings (for line breaking that must not split them)."""
        return sorted({t.rendering for t in self.terms}, key=lambda s: (-len(s), s))

    def for_target(self, language: str, market: str | None = None) -> Glossary:
        """The terms that apply to one target language/market, one per source.

        A market row beats a language row beats a generic row; among equals the later wins.
        """
        language = base_language(language)
        chosen: dict[tuple[str, str | None, str | None], Term] = {}
        for term in self.terms:
            if term.language and base_language(term.language) != language:
                continue
            if term.market and (not market or term.market.lower() != market.lower()):
                continue
            key = (term.source if term.case_sensitive else term.source.casefold(), term.speaker, term.addressee)
            current = chosen.get(key)
            if current is None or term.specificity() >= current.specificity():
                chosen[key] = term
        return Glossary(list(chosen.values()))

    def for_line(self, speaker: str | None, addressee: str | None) -> Glossary:
        """The terms for one line said by ``speaker`` to ``addressee`` (labels or names).

        Rows without ``speaker``/``addressee`` always apply; a per-character row applies
        when each column it sets matches, and then replaces a general row for the same
        source (both columns matching beats one). ``for_line(None, None)``: general rows only.
        """
        chosen: dict[str, tuple[int, Term]] = {}
        for term in self.terms:
            if term.speaker and term.speaker != speaker or term.addressee and term.addressee != addressee:
                continue
            rank = bool(term.speaker) + bool(term.addressee)
            key = term.source if term.case_sensitive else term.source.casefold()
            if key not in chosen or rank >= chosen[key][0]:
                chosen[key] = (rank, term)
        return Glossary([term for _, term in chosen.values()])

    def digest(self) -> str:
        """A short hash of the terms, part of the translation-memory key."""
        rows = [
            [t.source, t.target, t.language, t.market, t.case_sensitive, t.dnt, t.variants, t.speaker, t.addressee]
            for t in self.terms
        ]
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]

    def find(self, text: str) -> list[tuple[int, int, Term]]:
        """Non-overlapping source matches in ``text``, longest term first, in text order."""
        taken: list[tuple[int, int, Term]] = []
        folded = text.casefold()
        for term in _longest_first(tuple(self.terms)):
            if term.source.casefold() not in folded:
                continue
            for match in term_pattern(term.source, term.case_sensitive).finditer(text):
                if all(match.end() <= s or match.start() >= e for s, e, _ in taken):
                    taken.append((match.start(), match.end(), term))
        return sorted(taken, key=lambda m: m[0])


@functools.lru_cache(maxsize=64)
def _longest_first(terms: tuple[Term, ...]) -> list[Term]:
    return sorted(terms, key=lambda t: -len(t.source))


@functools.lru_cache(maxsize=4096)
def term_pattern(text: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """A regex for ``text``: plain substring for CJK, whole words for everything else."""
    escaped = re.escape(text)
    left = "" if is_cjk(text[0]) else r"(?<!\w)"
    right = "" if is_cjk(text[-1]) else r"(?!\w)"
    return re.compile(left + escaped + right, 0 if case_sensitive else re.IGNORECASE)


def load_glossary(path: str | Path) -> Glossary:
    """Load one CSV, TSV or TBX glossary; errors name the file and line.

    Each file is parsed once per content (:class:`localize.fileio.FileMemo`: an episode's
    markets and a season's episodes share it); the returned :class:`Glossary` is the caller's own.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: glossary file not found")
    return Glossary(list(_TERMS(path)))


def _load_terms(path: Path) -> tuple[Term, ...]:
    """Parsed terms of one file (frozen, shared by every caller)."""
    log.debug("parsing glossary %s", path)
    suffix = path.suffix.lower()
    if suffix in (".tbx", ".xml"):
        return tuple(_read_tbx(path))
    if suffix not in (".csv", ".tsv", ".txt"):
        raise ConfigError(f"{path}: unknown glossary format {suffix or '(none)'} (use .csv, .tsv or .tbx)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text ({error.reason})") from None
    return tuple(_read_table(text, "\t" if suffix == ".tsv" else ",", str(path)))


_TERMS: FileMemo[tuple[Term, ...]] = FileMemo(_load_terms, maxsize=128, named=True)  # origins name the file


@public()
def load_glossaries(paths: Sequence[str | Path | Glossary], market: str | None = None) -> Glossary:
    """Layer several glossaries (house < title < market: later wins).

    ``market`` keeps only rows for that market (plus rows without a market); the
    language filter is applied when the target language is known (:meth:`Glossary.for_target`).
    """
    terms: list[Term] = []
    market = as_optional_text(market, "market")
    for item in as_items(paths, "glossaries", (*PATH_TYPES, Glossary)):
        glossary = item if isinstance(item, Glossary) else load_glossary(item)
        terms.extend(glossary.terms)
    if market:
        terms = [t for t in terms if not t.market or t.market.lower() == market.lower()]
    return Glossary(terms)


def check_glossary(path: str | Path) -> list[str]:
    """Load a glossary fully (raising on the first error) and return warnings."""
    glossary = load_glossary(path)
    warnings = []
    seen: dict[tuple[str, str | None, str | None], Term] = {}
    for term in glossary.terms:
        key = (term.source, term.language, term.market)
        if key in seen:
            warnings.append(f"{term.origin}: '{term.source}' repeats {seen[key].origin}; the later row wins")
        seen[key] = term
        if term.target in term.variants:
            warnings.append(f"{term.origin}: target '{term.target}' is also listed as a wrong variant")
    if not glossary.terms:
        warnings.append(f"{path}: no terms")
    return warnings


def _read_table(text: str, delimiter: str, name: str) -> list[Term]:
    lines = [
        (n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        return []
    header_line, header_text = lines[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text], delimiter=delimiter))]
    unknown = [h for h in header if h not in COLUMNS + ADDRESS_COLUMNS]
    if unknown or "source" not in header or "target" not in header:
        problem = f"unknown column {unknown[0]!r}" if unknown else "the header needs 'source' and 'target' columns"
        raise ConfigError(f"{name}:{header_line}: {problem} (columns: {', '.join(COLUMNS + ADDRESS_COLUMNS)})")
    terms = []
    for number, line in lines[1:]:
        try:
            values = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
        except csv.Error as error:
            raise ConfigError(f"{name}:{number}: malformed row ({error})") from None
        if len(values) > len(header):
            raise ConfigError(f"{name}:{number}: {len(values)} fields, the header has {len(header)}")
        row = dict(zip(header, (v.strip() for v in values)))
        terms.append(_term(row, f"{name}:{number}"))
    return terms


def _term(row: dict[str, str], origin: str) -> Term:
    source, target = row.get("source", ""), row.get("target", "")
    dnt = _flag(row.get("dnt", ""), "dnt", origin)
    if not source:
        raise ConfigError(f"{origin}: empty source term")
    if not target and not dnt:
        raise ConfigError(f"{origin}: '{source}' has no target (fill it in, or set dnt=yes)")
    case = row.get("case", "").lower()
    if case not in ("", "sensitive", "insensitive"):
        raise ConfigError(f"{origin}: case must be 'sensitive' or 'insensitive', got {case!r}")
    language = row.get("language") or None
    market = row.get("market") or None
    for tag in (language, market):
        if tag:
            _check_language(tag, origin)
    variants = tuple(v.strip() for v in row.get("variants", "").split("|") if v.strip())
    return Term(
        source,
        target or source,
        language,
        market,
        case != "insensitive",
        dnt,
        variants,
        row.get("note", ""),
        origin,
        row.get("speaker") or None,
        row.get("addressee") or None,
    )


def _flag(value: str, column: str, origin: str) -> bool:
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{origin}: {column} must be yes or no, got {value!r}")


def _check_language(tag: str, origin: str) -> None:
    try:
        base_language(tag)
    except LocalizeError as error:
        raise ConfigError(f"{origin}: {error}") from None


def _read_tbx(path: Path) -> list[Term]:
    """TBX-Basic: in each entry the first language set is the source, the others targets.

    Target terms marked ``deprecatedTerm-admn-sts`` become known wrong variants.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise ConfigError(f"{path}:{error.position[0]}: not valid TBX/XML ({error})") from None
    entries = [e for e in root.iter() if _local(e.tag) in ("termEntry", "conceptEntry")]
    terms: list[Term] = []
    for number, entry in enumerate(entries, 1):
        origin = f"{path}: entry {number}" + (f" (id {entry.get('id')})" if entry.get("id") else "")
        langsets = [c for c in entry if _local(c.tag) in ("langSet", "langSec")]
        if len(langsets) < 2:
            raise ConfigError(f"{origin}: needs a source and at least one target langSet")
        source_terms = _tbx_terms(langsets[0], origin)
        for langset in langsets[1:]:
            language = langset.get(XML_LANG) or langset.get("lang")
            if not language:
                raise ConfigError(f"{origin}: langSet without xml:lang")
            _check_language(language, origin)
            found = _tbx_terms(langset, origin)
            preferred = [t for t, status in found if "deprecated" not in status]
            variants = tuple(t for t, status in found if "deprecated" in status)
            if not preferred:
                raise ConfigError(f"{origin}: no approved {language} term")
            terms.append(Term(source_terms[0][0], preferred[0], language, variants=variants, origin=origin))
    return terms


def _tbx_terms(langset: ET.Element, origin: str) -> list[tuple[str, str]]:
    found = []
    for group in langset.iter():
        if _local(group.tag) not in ("tig", "ntig", "termSec"):
            continue
        term = next((e.text or "" for e in group.iter() if _local(e.tag) == "term"), "").strip()
        status = " ".join(
            (e.text or "")
            for e in group.iter()
            if _local(e.tag) == "termNote" and e.get("type") == "administrativeStatus"
        )
        if term:
            found.append((term, status))
    if not found:
        raise ConfigError(f"{origin}: langSet {langset.get(XML_LANG, '?')} has no term")
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def with_variants(term: Term, extra: Iterable[str]) -> Term:
    """A copy of ``term`` with more known wrong renderings (e.g. the engine's own)."""
    new = tuple(v for v in extra if v and v != term.rendering and v not in term.variants)
    return replace(term, variants=term.variants + new) if new else term
