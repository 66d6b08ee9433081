"""The one exception type users see: a mistake in their input, told in one line."""


class LocalizeError(Exception):
    """A user-facing error. The CLI prints ``Error: <message>`` and exits 1, no traceback."""
