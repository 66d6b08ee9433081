"""The typed manifest: what a run made and from what (``OUT/<episode>/manifest.json``).

:class:`Manifest` holds the episode's inputs, versions and settings, the source result
(:class:`SourceResult`) and one :class:`MarketResult` per market, whose nested reports are
the stages' own types (:class:`~localize.timing.QCReport`, :class:`~localize.dubbing.DubReport`,
:class:`~localize.delivery.BurnReport`, :class:`~localize.model.GlossaryReport`). JSON is
only at the edge: :meth:`Manifest.to_json` / :meth:`Manifest.from_json`. The file carries
``"manifest_version": 2``; version 1 files (same layout, written before the typing) read the
same way. Sections a file lacks read as empty, so a partial manifest still makes a report.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localize.errors import InputError
from localize.fileio import write_text_atomic
from localize.model import BudgetReport, EngineUsage, GlossaryReport
from localize.pipeline.records import FileRecord, Inputs, OutputFile

if TYPE_CHECKING:  # the stages are imported when a report is read (the dub stage takes seconds to import)
    from localize.delivery.burn import BurnReport
    from localize.dubbing.reports import DubReport
    from localize.timing.check import QCReport

MANIFEST_VERSION = 2
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True)
class SourceResult:
    """The source-language track: its language, where it came from (``origin``: "subtitles",
    "transcription" or "hardsub"; ``from`` in the file), cues, files and the cuts (ms)."""

    language: str
    origin: str
    cues: int = 0
    outputs: list[OutputFile] = field(default_factory=list)
    shots: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "from": self.origin,
            "cues": self.cues,
            "outputs": [o.to_dict() for o in self.outputs],
            "shots": list(self.shots),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceResult:
        return cls(
            data.get("language", "und"),
            data.get("from", ""),
            data.get("cues", 0),
            [OutputFile.from_dict(o) for o in data.get("outputs", [])],
            list(data.get("shots", [])),
        )


@dataclass(frozen=True)
class TermUsage:
    """One glossary term in an episode: its approved rendering, occurrences, and the
    translations that miss it."""

    target: str
    occurrences: int
    misses: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "occurrences": self.occurrences, "misses": list(self.misses)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TermUsage:
        return cls(data["target"], data.get("occurrences", 0), list(data.get("misses", [])))


@dataclass(frozen=True)
class GlossaryResult:
    """A market's glossary layers (files), the translator's report and the per-term usage."""

    layers: list[FileRecord] = field(default_factory=list)
    report: GlossaryReport | None = None
    usage: dict[str, TermUsage] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": [f.to_dict() for f in self.layers],
            "report": self.report.to_dict() if self.report else None,
            "usage": {term: u.to_dict() for term, u in self.usage.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlossaryResult:
        report = data.get("report")
        return cls(
            [FileRecord.from_dict(f) for f in data.get("layers", [])],
            GlossaryReport.from_dict(report) if report is not None else None,
            {term: TermUsage.from_dict(u) for term, u in (data.get("usage") or {}).items()},
        )


@dataclass(frozen=True)
class TranslationResult:
    """Which engine and model translated a market, what it cost and the budget overruns."""

    engine: str
    model: str
    usage: EngineUsage = field(default_factory=EngineUsage)
    budget: BudgetReport = field(default_factory=BudgetReport)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "model": self.model, "usage": asdict(self.usage), "budget": asdict(self.budget)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TranslationResult:
        return cls(
            data.get("engine", ""),
            data.get("model", ""),
            _build(EngineUsage, data.get("usage") or {}),
            _build(BudgetReport, data.get("budget") or {}),
        )


@dataclass(frozen=True)
class MarketResult:
    """One market's result. ``voice`` and ``loudness_target`` (the market's settings) and
    ``dub`` are set when it was dubbed, ``burn`` when a burned-in video was made. The dub and
    burn reports' ``output`` (and ``mux``) are the delivered files, relative to the episode folder."""

    language: str
    timing_profile: str
    cues: int
    qc: QCReport
    glossary: GlossaryResult = field(default_factory=GlossaryResult)
    translation: TranslationResult | None = None
    outputs: list[OutputFile] = field(default_factory=list)
    loudness_target: float | None = None
    voice: str | None = None
    dub: DubReport | None = None
    burn: BurnReport | None = None
    edited_lines: int = 0  # cues delivered as a person edited them (the edit layer)
    approved_lines: int = 0  # cues given the title's approved translation from another episode
    suspect: dict[int, list[str]] = field(default_factory=dict)  # cue number -> "suspect: ..." flags

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "language": self.language,
            "timing_profile": self.timing_profile,
            "cues": self.cues,
            "qc": self.qc.to_dict(),
            "glossary": self.glossary.to_dict(),
            "translation": self.translation.to_dict() if self.translation else None,
            "outputs": [o.to_dict() for o in self.outputs],
        }
        if self.dub is not None:  # the keys sorted, as the dub stage's cached report has them
            data["loudness_target"] = self.loudness_target
            data["dub"] = _sorted({**_without_paths(self.dub.to_dict()), "voice": self.voice})
        if self.burn is not None:
            data["burn"] = _sorted(_without_paths(self.burn.to_dict()))
        for name in ("edited_lines", "approved_lines"):  # written when set: manifests without edits stay as they were
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.suspect:
            data["suspect"] = {str(n): list(flags) for n, flags in self.suspect.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarketResult:
        outputs = [OutputFile.from_dict(o) for o in data.get("outputs", [])]
        translation, dub = data.get("translation"), data.get("dub")
        return cls(
            data.get("language", ""),
            data.get("timing_profile", ""),
            data.get("cues", 0),
            qc_report(data.get("qc") or {}),
            GlossaryResult.from_dict(data.get("glossary") or {}),
            TranslationResult.from_dict(translation) if translation is not None else None,
            outputs,
            data.get("loudness_target"),
            (dub or {}).get("voice"),
            dub_report(dub, outputs) if dub is not None else None,
            burn_report(data["burn"], outputs) if data.get("burn") is not None else None,
            int(data.get("edited_lines") or 0),
            int(data.get("approved_lines") or 0),
            {int(n): list(flags) for n, flags in (data.get("suspect") or {}).items()},
        )


@dataclass(frozen=True)
class StageRun:
    """How long a stage took and whether its result came from the cache."""

    seconds: float
    cached: bool


@dataclass(frozen=True)
class RunInfo:
    """The only run-specific (non-reproducible) facts: start (UTC), seconds, per-stage times.
    ``up_to_date`` is set on the manifest :func:`run_episode` returns when nothing had to run
    (never written to the file)."""

    started: str = ""
    seconds: float = 0.0
    stages: dict[str, StageRun] = field(default_factory=dict)
    up_to_date: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {
            "started": self.started,
            "seconds": self.seconds,
            "stages": {n: asdict(s) for n, s in self.stages.items()},
        }
        return {**data, "up_to_date": True} if self.up_to_date else data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunInfo:
        stages = {n: StageRun(s["seconds"], s["cached"]) for n, s in (data.get("stages") or {}).items()}
        return cls(data.get("started", ""), data.get("seconds", 0.0), stages, bool(data.get("up_to_date", False)))


@dataclass(frozen=True)
class Manifest:
    """What a run made and from what. ``versions`` (tools, code hashes, models) and
    ``settings`` (the run's options and each market's profile) stay plain JSON-able dicts;
    ``run`` holds the only run-specific data."""

    episode: str
    key: str
    inputs: Inputs
    versions: dict[str, Any]
    settings: dict[str, Any]
    source: SourceResult
    markets: dict[str, MarketResult]
    run: RunInfo = field(default_factory=RunInfo)

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest_version": MANIFEST_VERSION,
            "episode": self.episode,
            "key": self.key,
            "inputs": self.inputs.to_dict(),
            "versions": self.versions,
            "settings": self.settings,
            "source": self.source.to_dict(),
            "markets": {c: m.to_dict() for c, m in self.markets.items()},
            "run": self.run.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            data["episode"],
            data.get("key", ""),
            Inputs.from_dict(data.get("inputs") or {}),
            dict(data.get("versions") or {}),
            dict(data.get("settings") or {}),
            SourceResult.from_dict(data.get("source") or {}),
            {code: MarketResult.from_dict(m) for code, m in (data.get("markets") or {}).items()},
            RunInfo.from_dict(data.get("run") or {}),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "manifest.json") -> Manifest:
        """Parse a manifest (version 1 or 2); an :class:`InputError` naming ``where`` when it is not one."""
        try:
            data = json.loads(text)
            version = data.get("manifest_version", 1)
        except (ValueError, AttributeError) as error:
            raise InputError(f"{where}: not a manifest ({error})") from None
        if version not in READABLE_VERSIONS:
            raise InputError(
                f"{where}: manifest version {version} is not one this localize reads "
                f"({', '.join(map(str, READABLE_VERSIONS))}); run the episode again"
            )
        try:
            return cls.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InputError(f"{where}: not a manifest ({type(error).__name__}: {error})") from None

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        return cls.from_json(Path(path).read_text(encoding="utf-8"), str(path))

    def outputs(self) -> list[OutputFile]:
        """Every delivered file (path relative to the episode folder, sha256, bytes)."""
        found = list(self.source.outputs)
        for market in self.markets.values():
            found += market.outputs
        return found

    def edits_note(self) -> str:
        """``"; en-US: 2 line(s) from edits"`` for each market delivered from edits ("" for none)."""
        return "".join(
            f"; {code}: {m.edited_lines} line(s) from edits" for code, m in self.markets.items() if m.edited_lines
        )


def qc_report(data: dict[str, Any]) -> QCReport:
    """A QC report from its dict (``ok`` and ``summary`` follow from the violations)."""
    from localize.timing.check import QCReport, Violation

    return QCReport(data.get("profile", ""), data.get("cues", 0), [Violation(**v) for v in data.get("violations", [])])


def dub_report(data: dict[str, Any], outputs: list[OutputFile]) -> DubReport:
    """The dub report of a manifest entry (or the dub stage's cached report); its files are the delivered ones."""
    from localize.dubbing.reports import DubReport, LineReport

    values = {k: v for k, v in data.items() if k not in ("fit_counts", "voice", "output", "mux")}
    lines = [LineReport(**line) for line in values.pop("lines", [])]
    return DubReport(
        output=_delivered(outputs, "dub.wav") or "", lines=lines, mux=_delivered(outputs, "muxed.mp4"), **values
    )


def burn_report(data: dict[str, Any], outputs: list[OutputFile]) -> BurnReport:
    """The burn report of a manifest entry (or the burn stage's cached report)."""
    from localize.delivery.burn import BurnReport

    values = {k: v for k, v in data.items() if k != "output"}
    return BurnReport(output=_delivered(outputs, "burned.mp4") or "", **values)


def _delivered(outputs: list[OutputFile], name: str) -> str | None:
    return next((o.path for o in outputs if o.path.rsplit("/", 1)[-1] == name), None)


def _without_paths(data: dict[str, Any]) -> dict[str, Any]:
    """A report's dict without its file paths (those are in the market's outputs)."""
    return {k: v for k, v in data.items() if k not in ("output", "mux")}


def _build(cls: Any, data: dict[str, Any]) -> Any:
    """A dataclass from the keys of ``data`` it knows (keys added by later versions are skipped)."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value
