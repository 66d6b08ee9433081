"""OCR engines behind one small interface: read one cropped line of text.

An engine is a class with ``name``, ``model`` and ``read_line(image) -> (text,
confidence)``; adding one is one module that registers itself in :data:`ENGINES`.
"""
from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Protocol

import numpy as np

from localize.errors import ModelError


class OcrEngine(Protocol):
    name: str
    model: str

    def read_line(self, image: np.ndarray) -> tuple[str, float]:
        """Text of one line in ``image`` (gray or BGR, uint8) and a confidence in [0, 1]."""


#: engine name -> module that defines it (imported on first use)
ENGINE_MODULES = {"rapidocr": "localize.hardsub.rapid"}
ENGINES: dict[str, Callable[[], OcrEngine]] = {}


@functools.cache
def load_ocr(name: str = "rapidocr") -> OcrEngine:
    """The OCR engine ``name``, loaded once per process."""
    if name not in ENGINE_MODULES:
        raise ModelError(f"unknown OCR engine {name!r} (available: {', '.join(sorted(ENGINE_MODULES))})")
    importlib.import_module(ENGINE_MODULES[name])
    return ENGINES[name]()
