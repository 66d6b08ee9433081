"""Translation memory: a SQLite cache of engine output.

Keyed by engine, model version, glossary hash, language pair and (protected) source
text, so the recap lines that open every episode translate once and identically, and a
changed model or glossary never reuses stale output.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from localize.errors import InputError
from localize.paths import cache_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS memory (
    engine TEXT NOT NULL, model TEXT NOT NULL, glossary TEXT NOT NULL,
    source_lang TEXT NOT NULL, target_lang TEXT NOT NULL,
    source TEXT NOT NULL, target TEXT NOT NULL,
    PRIMARY KEY (engine, model, glossary, source_lang, target_lang, source)
)
"""


@dataclass(frozen=True)
class MemoryKey:
    engine: str
    model: str
    glossary: str
    source_lang: str
    target_lang: str


class TranslationMemory:
    """A SQLite file of translations (default: ``<cache>/translate/memory.sqlite3``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else cache_dir("translate") / "memory.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
        except sqlite3.Error as error:
            raise InputError(f"{self.path}: cannot open the translation memory ({error})") from None

    def lookup(self, key: MemoryKey, sources: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(sources))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = self._db.execute(
                "SELECT source, target FROM memory WHERE engine=? AND model=? AND glossary=? AND source_lang=? "
                f"AND target_lang=? AND source IN ({','.join('?' * len(chunk))})",
                (key.engine, key.model, key.glossary, key.source_lang, key.target_lang, *chunk),
            )
            found.update(rows)
        return found

    def store(self, key: MemoryKey, translations: dict[str, str]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (key.engine, key.model, key.glossary, key.source_lang, key.target_lang, s, t)
                    for s, t in translations.items()
                ],
            )

    def close(self) -> None:
        self._db.close()
