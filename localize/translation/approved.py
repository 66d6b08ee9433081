"""The title's approved memory: lines a person approved, reused in every later episode.

``OUT/.memory/approved.sqlite3`` holds one row per source language, market and normalized
source line: the approved target, the episode and cue it came from and when. A run puts
these over the engine's output for the same source line in every other episode of the
title (both engines), and the ``llm`` engine is shown the pairs most like the episode's
lines as examples in its prompt (:func:`examples`, bounded in pairs and tokens).
"""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from localize.errors import InputError

MEMORY_DIR = ".memory"
MEMORY_FILE = "approved.sqlite3"
EXAMPLE_PAIRS = 20
EXAMPLE_TOKENS = 600
SCHEMA = """
CREATE TABLE IF NOT EXISTS approved (
    source_lang TEXT NOT NULL, market TEXT NOT NULL, key TEXT NOT NULL,
    source TEXT NOT NULL, target TEXT NOT NULL, episode TEXT NOT NULL, cue TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (source_lang, market, key)
)
"""


@dataclass(frozen=True)
class Approved:
    """One approved pair and where it was approved."""

    source: str
    target: str
    episode: str
    cue: str
    updated: str


def normalized(text: str) -> str:
    """The memory key of a source line: NFKC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def memory_path(title_dir: str | Path) -> Path:
    return Path(title_dir) / MEMORY_DIR / MEMORY_FILE


class ApprovedMemory:
    """The approved pairs of one title (opened on demand; nothing is created by reading)."""

    def __init__(self, title_dir: str | Path) -> None:
        self.path = memory_path(title_dir)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
        except sqlite3.Error as error:
            raise InputError(f"{self.path}: cannot open the approved memory ({error})") from None
        return db

    def store(self, source_lang: str, market: str, pairs: Iterable[Approved]) -> int:
        """Keep ``pairs`` (a later approval of a line replaces the earlier one); how many were given."""
        rows = [
            (source_lang, market, normalized(p.source), p.source, p.target, p.episode, p.cue, p.updated)
            for p in pairs
            if p.source.strip() and p.target.strip()
        ]
        if not rows:
            return 0
        db = self._connect()
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO approved VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        finally:
            db.close()
        return len(rows)

    def pairs(self, market: str, exclude_episode: str | None = None) -> list[tuple[str, Approved]]:
        """(source language, pair) of ``market``, newest first, without ``exclude_episode``'s own approvals."""
        if not self.path.is_file():
            return []
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT source_lang, source, target, episode, cue, updated FROM approved "
                "WHERE market=? ORDER BY updated DESC, episode, key",
                (market,),
            ).fetchall()
        finally:
            db.close()
        return [(row[0], Approved(*row[1:])) for row in rows if row[3] != exclude_episode]

    def lookup(self, source_lang: str, market: str, exclude_episode: str | None = None) -> dict[str, Approved]:
        """Normalized source line -> approved pair for one language pair and market."""
        found: dict[str, Approved] = {}
        for language, pair in self.pairs(market, exclude_episode):
            if language == source_lang:
                found.setdefault(normalized(pair.source), pair)
        return found

    def digest(self, market: str, exclude_episode: str | None = None) -> str | None:
        """A hash of what the memory holds for ``market`` (None when nothing): part of an episode's key."""
        pairs = sorted((lang, normalized(p.source), p.target) for lang, p in self.pairs(market, exclude_episode))
        if not pairs:
            return None
        return hashlib.sha256(repr(pairs).encode()).hexdigest()


def examples(
    known: dict[str, Approved], lines: Sequence[str], limit: int = EXAMPLE_PAIRS, tokens: int = EXAMPLE_TOKENS
) -> list[tuple[str, str]]:
    """Up to ``limit`` approved pairs (about ``tokens`` tokens in all) for a prompt: the pairs sharing
    most character pairs with ``lines`` first, then the most recent."""
    wanted = set().union(*(_bigrams(line) for line in lines)) if lines else set()
    order = sorted(known.values(), key=lambda p: (-len(_bigrams(p.source) & wanted), _newest_first(p.updated)))
    chosen: list[tuple[str, str]] = []
    spent = 0
    for pair in order[:limit]:
        cost = estimate_tokens(pair.source) + estimate_tokens(pair.target) + 4
        if spent + cost > tokens:
            break
        chosen.append((pair.source, pair.target))
        spent += cost
    return chosen


def estimate_tokens(text: str) -> int:
    """A rough token count: one per CJK character, one per four other characters."""
    wide = sum(ord(ch) >= 0x2E80 for ch in text)
    return wide + (len(text) - wide + 3) // 4


def _bigrams(text: str) -> set[str]:
    text = normalized(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _newest_first(updated: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in updated)
