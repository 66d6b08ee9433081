"""Machine-translation engines behind one small interface, plus a registry.

The Argos backend runs the package's CTranslate2 model and SentencePiece tokenizer
directly on sentences split by :func:`localize.translation.sentences.split_sentences`, so
Argos's own sentence splitter (which downloads a MiniSBD model on first use) never runs.
The model loads on the first call that needs it: a fully cached run never loads it.

Add an engine with :func:`register_backend` and a :class:`~localize.fingerprint.Factory`
(name, factory, package, model identity): the CLI's ``--engine`` choices, the market
schema's ``[translate] engine`` and the pipeline's cache keys follow.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from localize import processes
from localize.errors import InputError, ModelError, OptionError
from localize.fingerprint import Factory, Fingerprint
from localize.language import base_language, is_unspaced
from localize.translation.memory import MemoryKey, TranslationMemory
from localize.translation.packages import InstalledPackage, find_package, installed_models
from localize.translation.protocols import Translator
from localize.translation.sentences import split_sentences

PIVOT = "en"


class ArgosTranslator:
    """One installed Argos package, loaded lazily."""

    engine = "argos"

    def __init__(self, package: InstalledPackage, beam_size: int = 4, threads: int = 0) -> None:
        self.package = package
        self.source, self.target = package.from_code, package.to_code
        model_bin = package.path / "model" / "model.bin"
        size = model_bin.stat().st_size if model_bin.exists() else 0
        self.model_version = f"{package.path.name}@{package.version}:{size}"
        self.beam_size = beam_size
        self.threads = threads
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import ctranslate2
            import sentencepiece

            self._tokenizer = sentencepiece.SentencePieceProcessor(
                model_file=str(self.package.path / "sentencepiece.model")
            )
            self._model = ctranslate2.Translator(
                str(self.package.path / "model"),
                device="cpu",
                intra_threads=self.threads or min(4, processes.cpu_count()),
            )

    def translate(self, texts: Sequence[str]) -> list[str]:
        if not texts:
            return []
        self._load()
        split = [split_sentences(t) or [""] for t in texts]
        flat = [s for parts in split for s in parts]
        prefix = self.package.target_prefix
        results = self._model.translate_batch(
            [self._tokenizer.encode(s, out_type=str) for s in flat],
            target_prefix=[[prefix]] * len(flat) if prefix else None,
            beam_size=self.beam_size,
            max_decoding_length=256,
            replace_unknowns=True,
        )
        decoded = iter(self._decode(r.hypotheses[0], prefix) if s else "" for r, s in zip(results, flat))
        glue = "" if is_unspaced(self.target) else " "
        return [glue.join(next(decoded) for _ in parts).strip() for parts in split]

    def _decode(self, tokens: list[str], prefix: str) -> str:
        if prefix and tokens and tokens[0] == prefix:
            tokens = tokens[1:]
        return self._tokenizer.decode_pieces(tokens).replace("\u2581", " ").strip()


class PivotTranslator:
    """Two translators chained through a pivot language (English)."""

    engine = "argos"

    def __init__(self, first: Translator, second: Translator) -> None:
        self.first, self.second = first, second
        self.source, self.target = first.source, second.target
        self.model_version = f"{first.model_version}+{second.model_version}"

    def translate(self, texts: Sequence[str]) -> list[str]:
        return self.second.translate(self.first.translate(texts))


class CachedTranslator:
    """A :class:`Translator` that asks the memory first and the engine only for misses."""

    def __init__(self, inner: Translator, memory: TranslationMemory, glossary_hash: str) -> None:
        self.inner = inner
        self.memory = memory
        self.engine, self.model_version = inner.engine, inner.model_version
        self.source, self.target = inner.source, inner.target
        self.key = MemoryKey(inner.engine, inner.model_version, glossary_hash, inner.source, inner.target)
        self.hits = 0
        self.misses = 0

    def translate(self, texts: Sequence[str]) -> list[str]:
        known = self.memory.lookup(self.key, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        self.hits += sum(t in known for t in texts)
        self.misses += len(missing)
        if missing:
            fresh = dict(zip(missing, self.inner.translate(missing)))
            self.memory.store(self.key, fresh)
            known.update(fresh)
        return [known[t] for t in texts]


def _fix_hint(source: str, target: str) -> str:
    return f"`localize models install {source} {target}` (offline: `localize models install --file {source}_{target}.argosmodel`)"


def argos_translator(source: str, target: str, model: str | None = None, context: str = "") -> Translator:
    """A direct pair if installed, else a pivot through English."""
    if model or context:
        raise OptionError(
            "the argos engine picks its model by language pair; a model name and a context file are for --engine llm"
        )
    direct = find_package(source, target)
    if direct is not None:
        return ArgosTranslator(direct)
    first = find_package(source, PIVOT) if PIVOT not in (source, target) else None
    second = find_package(PIVOT, target) if first is not None else None
    if first is not None and second is not None:
        return PivotTranslator(ArgosTranslator(first), ArgosTranslator(second))
    if first is not None:
        raise ModelError(
            f"no {source}->{target} translation model installed, and for the pivot through English {PIVOT}->{target} is missing; run {_fix_hint(PIVOT, target)}"
        )
    raise ModelError(f"no {source}->{target} translation model installed; run {_fix_hint(source, target)}")


def llm_translator(source: str, target: str, model: str | None = None, context: str = "") -> Translator:
    """An OpenAI-compatible chat endpoint (see :mod:`localize.translation.llm`)."""
    from localize.translation.llm import LLMTranslator
    from localize.translation.llm_settings import load_settings

    return LLMTranslator(source, target, load_settings(model=model), context)


#: Engine name -> factory ``(source, target, model=None, context="") -> Translator``.
BACKENDS: dict[str, Factory[Translator]] = {}


def register_backend(factory: Factory[Translator]) -> Factory[Translator]:
    """Add a translation engine under its ``name``."""
    BACKENDS[factory.name] = factory
    return factory


register_backend(Factory("argos", argos_translator, "ctranslate2", lambda _model: installed_models()))
register_backend(Factory("llm", llm_translator))


def _known(engine: str) -> Factory[Translator]:
    if engine not in BACKENDS:
        raise OptionError(f"unknown translation engine {engine!r} (known: {', '.join(BACKENDS)})")
    return BACKENDS[engine]


def backend_fingerprint(engine: str, model: str | None = None) -> Fingerprint:
    """What identifies ``engine``'s translations with ``model`` (argos: every installed model's hash)."""
    return _known(engine).fingerprint(model)


def get_translator(
    source: str, target: str, engine: str = "argos", model: str | None = None, context: str = ""
) -> Translator:
    """The translator for a language pair (language tags are reduced to ISO 639-1).

    ``model`` and ``context`` (a synopsis) are for engines that take them (``llm``)."""
    source, target = base_language(source), base_language(target)
    if source == target:
        raise InputError(f"source and target language are both {source!r}")
    return _known(engine)(source, target, model=model, context=context)
