"""The whole chain per market, for one episode or a catalog: markets, run, batch, report.

>>> from localize.pipeline import run_episode, batch
>>> manifest = run_episode("ep01.mp4", "en-US,es-419", "out", dub=True)
>>> result = batch(["season1/"], "en-US", "out", jobs=2)
"""
from localize.pipeline.batch import BatchResult, Episode, EpisodeResult, batch, find_episodes
from localize.pipeline.cache import StageCache
from localize.pipeline.markets import MarketProfile, builtin_codes, load_market, load_markets
from localize.pipeline.report import glossary_consistency, write_title
from localize.pipeline.run import Manifest, run_episode

__all__ = [
    "BatchResult", "Episode", "EpisodeResult", "Manifest", "MarketProfile", "StageCache", "batch",
    "builtin_codes", "find_episodes", "glossary_consistency", "load_market", "load_markets", "run_episode",
    "write_title",
]
