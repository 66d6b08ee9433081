"""Settings of the ``llm`` engine's endpoint, and keeping its API key secret.

Settings come from, in order of precedence: the model argument of :func:`load_settings`, the
environment (``OPENAI_BASE_URL``, ``LOCALIZE_LLM_MODEL``), the file named by
``$LOCALIZE_LLM_CONFIG`` or ``$XDG_CONFIG_HOME/localize/llm.toml`` (``[llm]`` table), then
defaults. The API key is read only from an environment variable (``OPENAI_API_KEY``, or
the one the file names in ``api_key_env``): it is held by the client and never written
to logs, manifests, reports, error messages or the translation memory.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from localize.errors import ConfigError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # local servers (llama.cpp, Ollama, vLLM) accept any key
MIN_SECRET = 8  # shorter keys ("x", "none") are placeholders for local servers, not secrets
RESPONSE_FORMATS = ("json_schema", "json_object", "none")
FILE_KEYS: dict[str, type | tuple[type, ...]] = {
    "base_url": str,
    "model": str,
    "api_key_env": str,
    "timeout": (int, float),
    "max_retries": int,
    "deadline": (int, float),
    "concurrency": int,
    "window": int,
    "response_format": str,
    "temperature": (int, float),
}
#: The allowed range of each numeric setting.
RANGES: dict[str, tuple[float, float]] = {
    "timeout": (0.1, 3600),
    "deadline": (0.1, 86400),
    "max_retries": (0, 10),
    "concurrency": (1, 64),
    "window": (1, 500),
    "temperature": (0, 2),
}


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to ask. ``api_key`` is excluded from ``repr`` so it cannot leak by printing."""

    base_url: str = DEFAULT_BASE_URL
    model: str = ""
    api_key: str = field(default=NO_KEY, repr=False)
    timeout: float = 30.0
    max_retries: int = 2
    deadline: float = 40.0
    concurrency: int = 2
    window: int = 24
    response_format: str = "json_schema"
    temperature: float = 0.2

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be shown or stored: the API key, and a password or query value in the base URL."""
        parts = urlsplit(self.base_url)
        found = [self.api_key, parts.password or "", *(value for _, value in parse_qsl(parts.query))]
        return tuple(dict.fromkeys(secret for secret in found if is_secret(secret)))


def config_path() -> Path:
    """``$LOCALIZE_LLM_CONFIG``, else ``$XDG_CONFIG_HOME/localize/llm.toml`` (``~/.config``)."""
    if os.environ.get("LOCALIZE_LLM_CONFIG"):
        return Path(os.environ["LOCALIZE_LLM_CONFIG"])
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "localize" / "llm.toml"


def load_settings(model: str | None = None) -> LLMSettings:
    """Settings for the ``llm`` engine: ``model``, then the environment, then the config file."""
    path = config_path()
    values = _read_file(path)
    key_variable = values.pop("api_key_env", "OPENAI_API_KEY")
    if os.environ.get("OPENAI_BASE_URL"):
        values["base_url"] = check_url(os.environ["OPENAI_BASE_URL"], "OPENAI_BASE_URL")
    else:
        values["base_url"] = check_url(values.get("base_url") or DEFAULT_BASE_URL, f"{path}: [llm] base_url")
    values["model"] = model or os.environ.get("LOCALIZE_LLM_MODEL") or values.get("model", "")
    values["api_key"] = os.environ.get(key_variable) or NO_KEY
    settings = LLMSettings(**values)
    if not settings.model:
        raise ConfigError(f"no LLM model given: pass --model, set LOCALIZE_LLM_MODEL, or set model in {path}")
    if settings.response_format not in RESPONSE_FORMATS:
        raise ConfigError(
            f"response_format must be one of {', '.join(RESPONSE_FORMATS)}, got {settings.response_format!r}"
        )
    return settings


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("llm", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    for key, value in data.items():
        if key == "api_key":
            raise ConfigError(
                f"{path}: [llm] api_key: keys are not read from files; put it in an environment "
                "variable and name that with api_key_env"
            )
        expected = FILE_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{path}: [llm] unknown key {key!r} (known: {', '.join(FILE_KEYS)})")
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(f"{path}: [llm] {key} has the wrong type ({type(value).__name__})")
        low, high = RANGES.get(key, (-math.inf, math.inf))
        if isinstance(value, (int, float)) and not low <= value <= high:  # nan fails too
            raise ConfigError(f"{path}: [llm] {key} must be from {low:g} to {high:g}, got {value}")
    return dict(data)


def check_url(url: str, where: str) -> str:
    """``url`` when it is an http(s) URL with a host, else a one-line ConfigError naming ``where``."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
        problem = (
            "it contains a space or a control character"
            if re.search(r"[\x00-\x20\x7f]", url)
            else "only http:// and https:// URLs are supported"
            if parts.scheme not in ("http", "https")
            else "it names no host"
            if not parts.hostname
            else ""
        )
    except ValueError as error:
        problem = str(error)
    if problem:
        raise ConfigError(f"{where}: {public_url(url)!r} is not a usable endpoint URL: {problem}")
    return url


def public_url(url: str) -> str:
    """``url`` with any credentials and query replaced by ``***``: what messages show."""
    return re.sub(r"\?.*", "?***", re.sub(r"//[^/?#@]*@", "//***@", url, count=1), flags=re.S)


def is_secret(key: str) -> bool:
    """Whether ``key`` is a real secret (a placeholder such as "no-key" or "x" is not)."""
    return key != NO_KEY and len(key) >= MIN_SECRET


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` replaced (for anything that may echo a request back)."""
    for secret in secrets:
        if is_secret(secret):
            text = text.replace(secret, "***")
    return text


class _Redact(logging.Filter):
    """Replaces the API keys in use in every log record a handler emits."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = redact(record.getMessage(), self.secrets), None
        return True


_REDACT = _Redact()


def protect_logs(secrets: Iterable[str]) -> None:
    """Keep ``secrets`` out of whatever the root logger's handlers write (the CLI's stderr included)."""
    secrets = [secret for secret in secrets if is_secret(secret)]
    if not secrets:
        return
    _REDACT.secrets.update(secrets)
    for handler in logging.getLogger().handlers:
        if _REDACT not in handler.filters:
            handler.addFilter(_REDACT)
