"""Translate stage: Argos MT or an LLM (``engine="llm"``), with an enforced, verified glossary
and a translation memory.

>>> from localize.translation import translate, load_glossaries
>>> english = translate(track, "en", glossaries=["glossaries/zh_en_microdrama.csv", "title.csv"])
>>> english.translation.glossary.violations
[]
>>> spanish = translate(track, "es", options=TranslationOptions(engine="llm", context="A CEO's runaway wife..."))
"""

from localize.translation.backends import (
    BACKENDS,
    ArgosTranslator,
    PivotTranslator,
    backend_fingerprint,
    get_translator,
    register_backend,
)
from localize.translation.core import read_context, translate
from localize.translation.glossary import Glossary, Term, check_glossary, load_glossaries, load_glossary
from localize.translation.llm import untranslated_error
from localize.translation.llm_endpoint import EndpointError
from localize.translation.llm_settings import load_settings
from localize.translation.memory import TranslationMemory
from localize.translation.options import TranslationOptions
from localize.translation.packages import install_file, install_pair, installed_models, installed_pairs
from localize.translation.protocols import Line, LineResult, LineTranslator, Translator, TranslatorFactory

__all__ = [
    "BACKENDS",
    "ArgosTranslator",
    "EndpointError",
    "Glossary",
    "Line",
    "LineResult",
    "LineTranslator",
    "PivotTranslator",
    "Term",
    "TranslationMemory",
    "TranslationOptions",
    "Translator",
    "TranslatorFactory",
    "backend_fingerprint",
    "check_glossary",
    "get_translator",
    "install_file",
    "install_pair",
    "installed_models",
    "installed_pairs",
    "load_glossaries",
    "load_glossary",
    "load_settings",
    "read_context",
    "register_backend",
    "translate",
    "untranslated_error",
]
