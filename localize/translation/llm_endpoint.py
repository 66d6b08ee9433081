"""An OpenAI-compatible chat-completions endpoint: settings, the client, one-line errors.

Settings come from, in order of precedence: the model argument of :func:`load_settings`, the
environment (``OPENAI_BASE_URL``, ``LOCALIZE_LLM_MODEL``), the file named by
``$LOCALIZE_LLM_CONFIG`` or ``$XDG_CONFIG_HOME/localize/llm.toml`` (``[llm]`` table), then
defaults. The API key is read only from an environment variable (``OPENAI_API_KEY``, or
the one the file names in ``api_key_env``): it is held by the client and never written
to logs, manifests, reports, error messages or the translation memory.
"""
from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from localize.errors import ConfigError, LocalizeError, ModelError
from localize.model import EngineUsage

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # local servers (llama.cpp, Ollama, vLLM) accept any key
RESPONSE_FORMATS = ("json_schema", "json_object", "none")
FILE_KEYS: dict[str, type | tuple[type, ...]] = {
    "base_url": str, "model": str, "api_key_env": str, "timeout": (int, float), "max_retries": int,
    "concurrency": int, "window": int, "response_format": str, "temperature": (int, float),
}


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to ask. ``api_key`` is excluded from ``repr`` so it cannot leak by printing."""

    base_url: str = DEFAULT_BASE_URL
    model: str = ""
    api_key: str = field(default=NO_KEY, repr=False)
    timeout: float = 60.0
    max_retries: int = 4
    concurrency: int = 2
    window: int = 24
    response_format: str = "json_schema"
    temperature: float = 0.2


def config_path() -> Path:
    """``$LOCALIZE_LLM_CONFIG``, else ``$XDG_CONFIG_HOME/localize/llm.toml`` (``~/.config``)."""
    if os.environ.get("LOCALIZE_LLM_CONFIG"):
        return Path(os.environ["LOCALIZE_LLM_CONFIG"])
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "localize" / "llm.toml"


def load_settings(model: str | None = None) -> LLMSettings:
    """Settings for the ``llm`` engine: ``model``, then the environment, then the config file."""
    values = _read_file(config_path())
    key_variable = values.pop("api_key_env", "OPENAI_API_KEY")
    values["base_url"] = os.environ.get("OPENAI_BASE_URL") or values.get("base_url") or DEFAULT_BASE_URL
    values["model"] = model or os.environ.get("LOCALIZE_LLM_MODEL") or values.get("model", "")
    values["api_key"] = os.environ.get(key_variable) or NO_KEY
    settings = LLMSettings(**values)
    if not settings.model:
        raise ConfigError("no LLM model given: pass --model, set LOCALIZE_LLM_MODEL, or set model in "
                          f"{config_path()}")
    if settings.response_format not in RESPONSE_FORMATS:
        raise ConfigError(f"response_format must be one of {', '.join(RESPONSE_FORMATS)}, got {settings.response_format!r}")
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
            raise ConfigError(f"{path}: [llm] api_key: keys are not read from files; put it in an environment "
                              "variable and name that with api_key_env")
        expected = FILE_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{path}: [llm] unknown key {key!r} (known: {', '.join(FILE_KEYS)})")
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(f"{path}: [llm] {key} has the wrong type ({type(value).__name__})")
    return dict(data)


class Endpoint:
    """A thread-safe chat client that counts requests and tokens into an :class:`EngineUsage`.

    Timeouts, and retries with exponential backoff on connection errors, 408/409/429 and
    5xx answers (honouring ``Retry-After``), are the ``openai`` client's own.
    """

    def __init__(self, settings: LLMSettings, usage: EngineUsage | None = None) -> None:
        from openai import OpenAI

        self.settings = settings
        self.usage = usage or EngineUsage()
        self._lock = threading.Lock()
        self._checked = False
        self._client = OpenAI(base_url=settings.base_url, api_key=settings.api_key, timeout=settings.timeout,
                              max_retries=settings.max_retries)

    def check_model(self) -> None:
        """Fail early, naming the URL, when the endpoint is dead, refuses the key or lacks the model."""
        import openai

        with self._lock:
            if self._checked:
                return
            self._checked = True
        try:
            models = [m.id for m in self._client.models.list()]
        except openai.NotFoundError:
            return  # a server without /models: the first chat request tells
        except openai.OpenAIError as error:
            raise self._error(error) from None
        if models and self.settings.model not in models:
            raise ModelError(f"the LLM endpoint {self.settings.base_url} has no model {self.settings.model!r} "
                             f"(it serves: {', '.join(sorted(models)[:8])})")

    def chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None, max_tokens: int = 1024) -> str:
        """The assistant's reply to ``messages`` (constrained to JSON when ``schema`` is given)."""
        import openai

        extra: dict[str, Any] = {}
        if schema is not None and self.settings.response_format == "json_schema":
            extra["response_format"] = {"type": "json_schema",
                                        "json_schema": {"name": "subtitles", "schema": schema, "strict": True}}
        elif schema is not None and self.settings.response_format == "json_object":
            extra["response_format"] = {"type": "json_object"}
        try:
            response = self._client.chat.completions.create(
                model=self.settings.model, messages=messages, temperature=self.settings.temperature,
                max_tokens=max_tokens, **extra)  # type: ignore[arg-type]
        except openai.OpenAIError as error:
            raise self._error(error) from None
        with self._lock:
            self.usage.requests += 1
            if response.usage is not None:
                self.usage.prompt_tokens += response.usage.prompt_tokens or 0
                self.usage.completion_tokens += response.usage.completion_tokens or 0
        choice = response.choices[0] if response.choices else None
        return (choice.message.content or "") if choice is not None and choice.message is not None else ""

    def _error(self, error: Exception) -> LocalizeError:
        """A one-line error naming the endpoint and the cause, with the key scrubbed."""
        import openai

        url, model = self.settings.base_url, self.settings.model
        retries = f" after {self.settings.max_retries} retries" if self.settings.max_retries else ""
        if isinstance(error, openai.APITimeoutError):
            message = f"the LLM endpoint {url} did not answer within {self.settings.timeout:g} s{retries}"
        elif isinstance(error, openai.APIConnectionError):
            message = f"cannot reach the LLM endpoint {url} ({_cause(error)}){retries}"
        elif isinstance(error, openai.AuthenticationError):
            message = f"the LLM endpoint {url} refused the API key (401); check OPENAI_API_KEY"
        elif isinstance(error, openai.PermissionDeniedError):
            message = f"the LLM endpoint {url} denied access (403)"
        elif isinstance(error, openai.NotFoundError):
            message = f"the LLM endpoint {url} has no model {model!r} or no chat API (404)"
        elif isinstance(error, openai.RateLimitError):
            message = f"the LLM endpoint {url} is rate-limiting (429){retries}"
        elif isinstance(error, openai.APIStatusError):
            message = f"the LLM endpoint {url} answered HTTP {error.status_code}{retries}"
        else:
            message = f"the LLM endpoint {url} failed ({type(error).__name__})"
        return ModelError(redact(message, self.settings.api_key))


def _cause(error: BaseException) -> str:
    """The innermost reason of a connection error (e.g. ``Connection refused``)."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced (for anything that may echo a request back)."""
    return text.replace(secret, "***") if secret and secret != NO_KEY else text
