"""Translate stage: Argos MT or an LLM (``engine="llm"``), with an enforced, verified glossary
and a translation memory.

>>> from localize.translation import translate, load_glossaries
>>> english = translate(track, "en", glossaries=["glossaries/zh_en_microdrama.csv", "title.csv"])
>>> english.translation.glossary.violations
[]
>>> spanish = translate(track, "es", options=TranslationOptions(engine="llm", context="A CEO's runaway wife..."))
"""
from localize.translation.backends import (
    BACKENDS, ArgosTranslator, PivotTranslator, Translator, TranslatorFactory, backend_fingerprint, get_translator,
    register_backend,
)
from localize.translation.core import translate
from localize.translation.glossary import Glossary, Term, check_glossary, load_glossaries, load_glossary
from localize.translation.lines import Line, LineResult, LineTranslator
from localize.translation.memory import TranslationMemory
from localize.translation.options import TranslationOptions
from localize.translation.packages import install_file, install_pair, installed_models, installed_pairs

__all__ = [
    "BACKENDS", "ArgosTranslator", "Glossary", "Line", "LineResult", "LineTranslator", "PivotTranslator", "Term",
    "TranslationMemory", "TranslationOptions", "Translator", "TranslatorFactory", "backend_fingerprint",
    "check_glossary", "get_translator", "install_file", "install_pair", "installed_models", "installed_pairs",
    "load_glossaries", "load_glossary", "register_backend", "translate",
]
