"""Burned-in subtitles: find their band, detect when they change, read them by OCR.

>>> from localize.hardsub import read_hardsubs
>>> track = read_hardsubs("episode.mp4")            # band found automatically
>>> track = read_hardsubs("episode.mp4", band=(0.7, 0.9))
"""

from localize.hardsub.band import Band, band_from_fractions, find_band
from localize.hardsub.changes import Event, find_events
from localize.hardsub.frames import display_info, upright, video_size
from localize.hardsub.ocr import (
    DEFAULT_OCR,
    ENGINES,
    OcrEngine,
    load_ocr,
    ocr_fingerprint,
    ocr_names,
    register_ocr,
)
from localize.hardsub.reader import NoSubtitlesFound, locate, read_hardsubs

__all__ = [
    "DEFAULT_OCR",
    "ENGINES",
    "Band",
    "Event",
    "NoSubtitlesFound",
    "OcrEngine",
    "band_from_fractions",
    "display_info",
    "find_band",
    "find_events",
    "load_ocr",
    "locate",
    "ocr_fingerprint",
    "ocr_names",
    "read_hardsubs",
    "register_ocr",
    "upright",
    "video_size",
]
