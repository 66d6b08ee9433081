"""Title-level outputs: ``title.json`` (status, glossary consistency) and ``report.html``.

Both are built from the episode manifests in an output folder, so they describe every
episode written there, by ``localize run`` or ``localize batch``. The HTML report is one
self-contained file (inline CSS, SVG and a little JavaScript; no external assets): per
episode and market a timeline of cues against shot changes and dub lines, the QC
violations, glossary flags and suspect translations, the lines taken from edits and from
the title's approved memory, dub fits and loudness, and for markets with a burned-in
video a thumbnail of it at each cue (:mod:`localize.pipeline.report_media`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from localize.fileio import write_text_atomic
from localize.model import Cue, GlossaryViolation, format_ms
from localize.pipeline.manifest import Manifest, MarketResult
from localize.pipeline.report_media import dub_html, dub_lines, thumbnails_html, timeline
from localize.pipeline.report_media import escape as _e
from localize.review.suspect import SUSPECT

LEGEND = (
    "<p class='legend'>Top row: subtitle cues (red: QC violation, amber: suspect translation). Bottom row: "
    "dub lines (green: at most 1.15x, amber: faster, red: over the cap). Dashed: shot changes. Hover for text.</p>"
)


def load_manifests(output_dir: str | Path) -> list[Manifest]:
    """Every ``<episode>/manifest.json`` under ``output_dir`` (version 1 or 2), sorted by episode name."""
    return [Manifest.load(p) for p in sorted(Path(output_dir).glob("*/manifest.json"))]


def glossary_consistency(manifests: list[Manifest]) -> dict[str, Any]:
    """Is each source term rendered the same way in every episode (per market)?

    A term is inconsistent when episodes used different glossary targets for it (the
    glossary changed between runs) or when the translator could not get its approved
    rendering into some translation (its own sentence-level check).
    """
    terms: dict[tuple[str, str], dict[str, Any]] = {}
    for manifest in manifests:
        for code, market in manifest.markets.items():
            for source, use in market.glossary.usage.items():
                entry = terms.setdefault(
                    (code, source), {"market": code, "source": source, "targets": {}, "episodes": [], "misses": {}}
                )
                entry["targets"].setdefault(use.target, []).append(manifest.episode)
                entry["episodes"].append(manifest.episode)
                if use.misses:
                    entry["misses"][manifest.episode] = list(use.misses)
    rows = []
    for entry in terms.values():
        entry["consistent"] = len(entry["targets"]) == 1 and not entry["misses"]
        entry["problem"] = (
            "rendered differently across episodes"
            if len(entry["targets"]) > 1
            else "approved rendering missing"
            if entry["misses"]
            else None
        )
        rows.append(entry)
    rows.sort(key=lambda e: (e["market"], e["source"]))
    return {"terms": rows, "inconsistent": [f"{e['market']}: {e['source']}" for e in rows if not e["consistent"]]}


def title_summary(output_dir: str | Path) -> dict[str, Any]:
    """The contents of ``title.json``: per-episode counts and the glossary check."""
    return _summary(load_manifests(output_dir))


def _summary(manifests: list[Manifest]) -> dict[str, Any]:
    episodes = []
    for m in manifests:
        markets = {
            code: {
                "cues": mk.cues,
                "qc_violations": len(mk.qc.violations),
                "glossary_violations": len(_glossary_violations(mk)),
                "loudness_lufs": mk.dub.loudness_lufs if mk.dub else None,
                "edited_lines": mk.edited_lines,
                "approved_lines": mk.approved_lines,
                "suspect_lines": len(mk.suspect),
            }
            for code, mk in m.markets.items()
        }
        episodes.append({"episode": m.episode, "source_language": m.source.language, "markets": markets})
    return {"episodes": episodes, "glossary_consistency": glossary_consistency(manifests)}


def write_title(output_dir: str | Path) -> dict[str, Any]:
    """Write ``title.json`` and ``report.html`` into ``output_dir``; return the summary."""
    output_dir = Path(output_dir)
    manifests = load_manifests(output_dir)  # read once: both files describe the same runs
    summary = _summary(manifests)
    write_text_atomic(output_dir / "title.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(output_dir / "report.html", _report_html(output_dir, manifests, summary))
    return summary


def _glossary_violations(market: MarketResult) -> list[GlossaryViolation]:
    report = market.glossary.report
    return list(report.violations) if report else []


# --- HTML -------------------------------------------------------------------------------

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1em;margin:.8em 0 .3em}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}
.market{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:.6em 0}
.ok{color:#1a7f37}.bad{color:#c62828;font-weight:600}.warn{color:#b26a00}
svg.timeline{width:100%;height:auto;background:#f4f6f8;border:1px solid #ccd}
svg .cue{fill:#4a90d9}svg .cue.flagged{fill:#d64545}svg .cue.suspect{fill:#e0a030}svg .shot{stroke:#333;stroke-width:1;stroke-dasharray:3 2}
svg .dub{fill:#6abf69}svg .dub.fast{fill:#e0a030}svg .dub.over{fill:#d64545}svg text{font-size:10px;fill:#555}
.controls{position:sticky;top:0;background:#fafafa;padding:.4em 0;border-bottom:1px solid #ddd}
.hidden{display:none}.legend{font-size:12px;color:#666;margin:.2em 0}
.thumbs{display:flex;flex-wrap:wrap;gap:6px}.thumbs figure{margin:0;width:144px;font-size:11px}.thumbs img{width:144px}
"""

JS = """
(function(){
  var select=document.getElementById('market-filter'), problems=document.getElementById('problems-only');
  var blocks=[].slice.call(document.querySelectorAll('.market'));
  function update(){
    var shown=0, issues=0, suspect=0;
    blocks.forEach(function(b){
      var n=+b.dataset.problems, visible=(select.value==='all'||b.dataset.market===select.value)&&(!problems.checked||n>0);
      b.classList.toggle('hidden',!visible);
      if(visible){shown++;issues+=n;suspect+=+b.dataset.suspect;}
    });
    document.getElementById('js-summary').textContent='Showing '+shown+' of '+blocks.length+' market tracks, '+issues+' problems, '+suspect+' suspect lines';
  }
  select.addEventListener('change',update);problems.addEventListener('change',update);
  update();document.body.setAttribute('data-ready','yes');
})();
"""


def render_html(output_dir: Path, summary: dict[str, Any]) -> str:
    """The whole report as one HTML string (deterministic: no times or absolute paths)."""
    return _report_html(output_dir, load_manifests(output_dir), summary)


def _report_html(output_dir: Path, manifests: list[Manifest], summary: dict[str, Any]) -> str:
    codes = sorted({c for m in manifests for c in m.markets})
    options = "".join(f'<option value="{_e(c)}">{_e(c)}</option>' for c in codes)
    totals = _totals(manifests)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>localize report: {_e(output_dir.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Localization report: {_e(output_dir.name)}</h1>",
        f"<p id='totals'>{len(manifests)} episodes, {len(codes)} markets, {totals['qc']} QC violations, "
        f"{totals['glossary']} glossary flags, {totals['overflow']} dub lines over the speed cap, "
        f"{totals['suspect']} line(s) flagged suspect, {totals['edited']} line(s) taken from edits</p>",
        "<div class='controls'>Market: <select id='market-filter'><option value='all'>all</option>"
        f"{options}</select> <label><input type='checkbox' id='problems-only'> problems only</label> "
        "<span id='js-summary'></span></div>",
        _consistency_html(summary["glossary_consistency"]),
        *(_episode_html(m, output_dir) for m in manifests),
        f"<script>{JS}</script></body></html>\n",
    ]
    return "".join(parts)


def _totals(manifests: list[Manifest]) -> dict[str, int]:
    totals = {"qc": 0, "glossary": 0, "overflow": 0, **_review_counts(k for m in manifests for k in m.markets.values())}
    for m in manifests:
        for market in m.markets.values():
            totals["qc"] += len(market.qc.violations)
            totals["glossary"] += len(_glossary_violations(market))
            totals["overflow"] += sum(1 for line in dub_lines(market) if line.overflow)
    return totals


def _review_counts(markets: Iterable[MarketResult]) -> dict[str, int]:
    """Lines taken from edits, from the title's approved memory, and flagged suspect, summed over ``markets``."""
    counts = {"edited": 0, "approved": 0, "suspect": 0}
    for market in markets:
        counts["edited"] += market.edited_lines
        counts["approved"] += market.approved_lines
        counts["suspect"] += len(market.suspect)
    return counts


def _consistency_html(check: dict[str, Any]) -> str:
    if not check["terms"]:
        return "<h2>Glossary consistency</h2><p>No glossary terms occur in these episodes.</p>"
    rows = []
    for t in check["terms"]:
        targets = "; ".join(f"{_e(k)} ({len(v)} ep.)" for k, v in t["targets"].items())
        misses = "; ".join(f"{_e(ep)}: {_e(' | '.join(texts))}" for ep, texts in t["misses"].items())
        status = (
            "<span class='ok'>consistent</span>" if t["consistent"] else f"<span class='bad'>{_e(t['problem'])}</span>"
        )
        rows.append(
            f"<tr><td>{_e(t['market'])}</td><td>{_e(t['source'])}</td><td>{targets}</td>"
            f"<td>{len(t['episodes'])}</td><td>{status}</td><td>{misses}</td></tr>"
        )
    head = "<tr><th>market</th><th>source term</th><th>rendered as</th><th>episodes</th><th>status</th><th>misses</th></tr>"
    return f"<h2>Glossary consistency</h2><table id='consistency'>{head}{''.join(rows)}</table>"


def _episode_html(manifest: Manifest, output_dir: Path) -> str:
    name, source, duration = manifest.episode, manifest.source, manifest.inputs.media.duration_ms
    head = (
        f"<h2 id='ep-{_e(name)}'>Episode {_e(name)}</h2><p>{format_ms(duration)}, "
        f"source {_e(source.language)} ({_e(source.origin)}), {len(source.shots)} shot changes</p>"
        f"{_review_html(manifest.markets.values(), 'episode-edits')}"
    )
    blocks = [
        _market_html(name, code, market, source.shots, duration, output_dir)
        for code, market in manifest.markets.items()
    ]
    return f"<section class='episode' data-episode='{_e(name)}'>{head}{''.join(blocks)}</section>"


def _market_html(
    episode: str, code: str, market: MarketResult, shots: list[int], duration: int, output_dir: Path
) -> str:
    cues = _load_cues(output_dir / episode, market)
    violations = market.qc.violations
    glossary = _glossary_violations(market)
    lines = dub_lines(market)
    overflow = [line for line in lines if line.overflow]
    problems = len(violations) + len(glossary) + len(overflow)
    flagged = {v.cue for v in violations}
    parts = [
        f"<div class='market' data-market='{_e(code)}' data-problems='{problems}' data-suspect='{len(market.suspect)}'>",
        f"<h3>{_e(code)} ({_e(market.language)}, timing profile {_e(market.timing_profile)}): "
        f"{market.cues} cues, {_status(problems)}</h3>",
        _review_html([market], "edits"),
        timeline(cues, shots, lines, duration, flagged, set(market.suspect)),
        LEGEND,
        _list("QC violations", [f"cue {v.cue}: {v.rule}: {v.message}" for v in violations]),
        _list("Glossary flags", [", ".join(f"{k}: {v}" for k, v in g.to_dict().items()) for g in glossary]),
        _list("Suspect translations", _suspect_items(market, cues)),
        dub_html(market) if market.dub else "",
        thumbnails_html(output_dir / episode, market, cues) if market.burn else "",
        "</div>",
    ]
    return "".join(parts)


def _review_html(markets: Iterable[MarketResult], cls: str) -> str:
    """How many lines came from a person (the edit layer, the title's approved memory) and how many are
    flagged suspect, in one line (nothing when none)."""
    counts = _review_counts(markets)
    parts = [f"{counts['edited']} line(s) taken from edits"] if counts["edited"] else []
    parts += [f"{counts['approved']} from the title's approved memory"] if counts["approved"] else []
    parts += [f"{counts['suspect']} line(s) flagged suspect"] if counts["suspect"] else []
    data = "".join(f" data-{name}='{n}'" for name, n in counts.items())
    return f"<p class='{cls}'{data}>{_e(', '.join(parts))}</p>" if parts else ""


def _suspect_items(market: MarketResult, cues: list[Cue]) -> list[str]:
    """``cue 7 (Tomorrow we go home.): same translation as cue 6 for a different line`` per flagged cue."""
    items = []
    for number, flags in market.suspect.items():
        text = cues[number - 1].plain_text if 0 < number <= len(cues) else ""
        reasons = "; ".join(f.removeprefix(SUSPECT) for f in flags)
        items.append(f"cue {number}{f' ({text})' if text else ''}: {reasons}")
    return items


def _status(problems: int) -> str:
    return "<span class='ok'>no problems</span>" if not problems else f"<span class='bad'>{problems} problems</span>"


def _list(title: str, items: list[str]) -> str:
    if not items:
        return f"<p class='ok'>{_e(title)}: none</p>"
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f"<p class='bad'>{_e(title)}: {len(items)}</p><ul class='{_e(title.lower().replace(' ', '-'))}'>{lis}</ul>"


def _load_cues(episode_dir: Path, market: MarketResult) -> list[Cue]:
    """The market's timed cues, read back from the first subtitle output that loads."""
    from localize.formats import load

    for output in market.outputs:
        path = episode_dir / output.path
        if path.suffix in (".json", ".srt", ".vtt", ".ass", ".ttml") and path.is_file():
            return list(load(path).cues)
    return []
