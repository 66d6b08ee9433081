"""OCR engines behind one small interface: read one cropped line of text.

An engine is a class with ``name``, ``package``, ``model``, ``fingerprint()`` (see
:mod:`localize.fingerprint`) and ``read_line(image) -> (text, confidence)``; adding one is
one module that passes it to :func:`register_ocr` (or, to import it only on first use, a
line in :data:`ENGINE_MODULES`). The CLI's ``--ocr-engine`` choices and the pipeline's
cache keys follow.
"""

from __future__ import annotations

import functools
import importlib
from typing import Protocol

import numpy as np

from localize.errors import ModelError
from localize.fingerprint import Fingerprint, HasFingerprint

DEFAULT_OCR = "rapidocr"


class OcrEngine(Protocol):
    name: str
    model: str

    def read_line(self, image: np.ndarray) -> tuple[str, float]:
        """Text of one line in ``image`` (gray or BGR, uint8) and a confidence in [0, 1]."""


class OcrFactory(HasFingerprint, Protocol):
    """An OCR engine class: ``name``, ``fingerprint()``, and called with no arguments."""

    name: str

    def __call__(self) -> OcrEngine: ...


#: engine name -> module that defines it (imported on first use)
ENGINE_MODULES = {"rapidocr": "localize.hardsub.rapid"}
ENGINES: dict[str, OcrFactory] = {}


def register_ocr(factory: OcrFactory) -> OcrFactory:
    """Add an OCR engine under its ``name`` (usable as a class decorator)."""
    ENGINES[factory.name] = factory
    return factory


def ocr_names() -> list[str]:
    """Every OCR engine's name, loaded or not."""
    return list(dict.fromkeys([*ENGINE_MODULES, *ENGINES]))


def _factory(name: str) -> OcrFactory:
    if name not in ENGINES and name not in ENGINE_MODULES:
        raise ModelError(f"unknown OCR engine {name!r} (available: {', '.join(sorted(ocr_names()))})")
    if name not in ENGINES:
        importlib.import_module(ENGINE_MODULES[name])
    return ENGINES[name]


def ocr_fingerprint(name: str = DEFAULT_OCR) -> Fingerprint:
    """What identifies the results of OCR engine ``name`` (its package version covers bundled models)."""
    return _factory(name).fingerprint()


@functools.cache
def load_ocr(name: str = DEFAULT_OCR) -> OcrEngine:
    """The OCR engine ``name``, loaded once per process."""
    return _factory(name)()
