"""The whole chain per market, for one episode or a catalog: markets, run, batch, report.

>>> from localize.pipeline import RunOptions, batch, run_episode
>>> manifest = run_episode("ep01.mp4", "en-US,es-419", "out", dub=True, options=RunOptions(language="zh"))
>>> manifest.markets["en-US"].qc.violations, manifest.markets["en-US"].dub.loudness_lufs
>>> result = batch(["season1/"], "en-US", "out", jobs=2)
"""

from localize.pipeline.batch import batch
from localize.pipeline.cache import StageCache
from localize.pipeline.episodes import BatchResult, Episode, EpisodeResult, find_episodes
from localize.pipeline.keys import RunOptions
from localize.pipeline.manifest import Manifest, MarketResult, SourceResult
from localize.pipeline.markets import MarketProfile, builtin_codes, load_market, load_markets
from localize.pipeline.records import OutputFile
from localize.pipeline.report import glossary_consistency, load_manifests, write_title
from localize.pipeline.rerender import rerender
from localize.pipeline.run import run_episode

__all__ = [
    "BatchResult",
    "Episode",
    "EpisodeResult",
    "Manifest",
    "MarketProfile",
    "MarketResult",
    "OutputFile",
    "RunOptions",
    "SourceResult",
    "StageCache",
    "batch",
    "builtin_codes",
    "find_episodes",
    "glossary_consistency",
    "load_manifests",
    "load_market",
    "load_markets",
    "rerender",
    "run_episode",
    "write_title",
]
