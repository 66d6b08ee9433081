"""The exceptions users see: a mistake told in one line, by kind.

The CLI prints any :class:`LocalizeError` as ``Error: <message>`` and exits 1, with no
traceback. Library callers can tell the kinds apart: :class:`InputError` (a file or
argument they passed is unusable), :class:`ConfigError` (a profile, market, glossary or
setting is malformed) and :class:`ModelError` (a model is missing or cannot load). A bad
setting passed as an argument is an :class:`OptionError`, both an InputError and a ConfigError.
"""


class LocalizeError(Exception):
    """A user-facing error, one line, never a traceback in the CLI."""


class InputError(LocalizeError):
    """An input file or argument is unusable (missing, malformed, out of range, would be overwritten)."""


class ConfigError(LocalizeError):
    """A configuration file or setting is malformed: profile, market, glossary, speakers, endpoint."""


class ModelError(LocalizeError):
    """A model (Whisper, translation, voice, OCR) or a tool (ffmpeg) is missing, damaged or cannot be loaded."""


class OptionError(InputError, ConfigError):
    """A setting passed to a library function (an options dataclass field, an option keyword such as
    ``cover`` or ``band``, a keyword the function does not take) has a wrong type or value: both an
    :class:`InputError` (a bad argument) and a :class:`ConfigError` (a bad setting)."""
