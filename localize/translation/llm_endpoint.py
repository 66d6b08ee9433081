"""An OpenAI-compatible chat-completions endpoint: the client and its one-line errors.

Its settings and the API key's secrecy are :mod:`localize.translation.llm_settings`.

The failure budget: a request gets ``timeout`` seconds to answer (5 s to connect), and is
retried at most ``max_retries`` times on timeouts, connection errors, 408/409/429 and 5xx,
never past ``deadline`` seconds after it was first sent (or past one full ``timeout``, when
that is longer). The ``/models`` check gets 10 s an attempt and 15 s in all: a server that
does not list its models within 10 s is not asked again. Once one request has failed for
good the endpoint is given up on: every later request of the same translation fails at
once with the same error.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from localize.errors import ModelError
from localize.model import EngineUsage
from localize.translation.llm_settings import LLMSettings, check_url, protect_logs, public_url, redact

CONNECT_TIMEOUT = 5.0
LIST_TIMEOUT = 10.0  # GET /models answers at once on any live server
LIST_DEADLINE = 15.0  # so a /models that timed out is not tried again (connection errors are)
MAX_BODY = 32 << 20  # bytes: an answer of max_tokens tokens is a small fraction of this
RETRY_STATUS = (408, 409, 429)
log = logging.getLogger("localize.translation.llm")


class EndpointError(ModelError):
    """The LLM endpoint failed: unreachable, too slow, refusing, or not answering usable chat completions."""


class Endpoint:
    """A thread-safe chat client that counts requests and tokens into an :class:`EngineUsage`.

    Answers are parsed here, so an HTML page, broken JSON or a wrong shape is a one-line
    :class:`EndpointError`, never a traceback from the client library.
    """

    def __init__(self, settings: LLMSettings, usage: EngineUsage | None = None) -> None:
        from openai import OpenAI

        self.settings = settings
        self.usage = usage or EngineUsage()
        self.url = public_url(check_url(settings.base_url, "LLMSettings.base_url"))
        self._lock = threading.Lock()
        self._checked = False
        self._failure: EndpointError | None = None
        protect_logs(settings.secrets)
        self._client = OpenAI(
            base_url=settings.base_url, api_key=settings.api_key, max_retries=0, timeout=settings.timeout
        )

    def check_model(self) -> None:
        """Fail early, naming the URL, when the endpoint is dead, refuses the key or lacks the model."""
        with self._lock:
            if self._checked:
                return
            self._checked = True
        body = self._send(
            "GET /models",
            lambda timeout: self._client.models.with_streaming_response.list(timeout=timeout),
            min(LIST_TIMEOUT, self.settings.timeout),
            min(LIST_DEADLINE, self.settings.deadline),
            missing_ok=True,
        )
        listed = body.get("data") if isinstance(body, dict) else None
        models = (
            [m["id"] for m in listed if isinstance(m, dict) and isinstance(m.get("id"), str)]
            if isinstance(listed, list)
            else []
        )
        if models and self.settings.model not in models:
            raise self.give_up(f"has no model {self.settings.model!r} (it serves: {', '.join(sorted(models)[:8])})")

    def chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None, max_tokens: int = 1024) -> str:
        """The assistant's reply to ``messages`` (constrained to JSON when ``schema`` is given); "" for none."""
        extra: dict[str, Any] = {}
        if schema is not None and self.settings.response_format == "json_schema":
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "subtitles", "schema": schema, "strict": True},
            }
        elif schema is not None and self.settings.response_format == "json_object":
            extra["response_format"] = {"type": "json_object"}

        def send(timeout: Any) -> Any:
            return self._client.chat.completions.with_streaming_response.create(
                model=self.settings.model,
                messages=messages,  # type: ignore[arg-type]  # openai wants its TypedDicts; same shape
                temperature=self.settings.temperature,
                max_tokens=max_tokens,
                timeout=timeout,
                **extra,
            )

        body = self._send("the chat request", send, self.settings.timeout, self.settings.deadline)
        if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
            raise self.give_up("answered with JSON that is not a chat completion (no 'choices' list)")
        self._count(body.get("usage"))
        choice = body["choices"][0] if body["choices"] else None
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        return content if isinstance(content, str) else ""

    def give_up(self, reason: str) -> EndpointError:
        """Record that the endpoint failed (``reason`` follows its URL): later requests fail at once."""
        with self._lock:
            if self._failure is None:
                self._failure = EndpointError(redact(f"the LLM endpoint {self.url} {reason}", self.settings.secrets))
            return self._failure

    def _count(self, usage: Any) -> None:
        tokens = usage if isinstance(usage, dict) else {}
        with self._lock:
            self.usage.requests += 1
            for name in ("prompt_tokens", "completion_tokens"):
                value = tokens.get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    setattr(self.usage, name, getattr(self.usage, name) + value)

    def _send(
        self, what: str, send: Callable[[Any], Any], timeout: float, deadline: float, missing_ok: bool = False
    ) -> Any:
        """The JSON body of ``send``'s answer, retried within ``deadline`` seconds; None for a 404 when ``missing_ok``."""
        import openai

        started = time.monotonic()
        deadline = max(deadline, timeout)  # one full attempt, whatever the deadline
        attempt = 0
        while True:
            if self._failure is not None:
                raise EndpointError(str(self._failure))
            attempt += 1
            left = deadline - (time.monotonic() - started)
            limit = min(timeout, left)
            try:
                with send(openai.Timeout(limit, connect=min(CONNECT_TIMEOUT, limit))) as raw:
                    content = _read_body(raw, time.monotonic() + limit)
            except openai.NotFoundError as error:
                if missing_ok:
                    return None  # a server without /models: the first chat request tells
                raise self.give_up(_describe(error, self.settings)) from None
            except openai.OpenAIError as error:
                elapsed = time.monotonic() - started
                wait = _retry_wait(error, attempt, timeout, deadline - elapsed)
                problem = _describe(error, self.settings, timeout, deadline)
                if wait is None or attempt > self.settings.max_retries:
                    tried = f" ({attempt} attempt{'s' if attempt > 1 else ''}, {elapsed:.1f} s)"
                    raise self.give_up(problem + (tried if _retryable(error) else "")) from None
                log.debug("%s: %s %s; attempt %d in %.1f s", self.url, what, problem, attempt + 1, wait)
                time.sleep(wait)
                continue
            if len(content) > MAX_BODY:
                raise self.give_up(f"answered {what} with more than {MAX_BODY >> 20} MB: is it ignoring max_tokens?")
            return _json_body(content, raw.headers, what, self)


def _retryable(error: Exception) -> bool:
    import openai

    if isinstance(error, openai.APIConnectionError):  # timeouts included
        return True
    return isinstance(error, openai.APIStatusError) and (error.status_code in RETRY_STATUS or error.status_code >= 500)


def _retry_wait(error: Exception, attempt: int, timeout: float, left: float) -> float | None:
    """Seconds to wait before the next attempt, or None when there is none: not retryable, or
    it would end past the deadline (a timed-out request is tried again only with its full timeout)."""
    import openai

    if not _retryable(error):
        return None
    asked = _retry_after(error.response.headers) if isinstance(error, openai.APIStatusError) else None
    wait = asked if asked is not None else min(0.5 * 2 ** (attempt - 1), 8.0)
    needed = timeout if isinstance(error, openai.APITimeoutError) else 0.1
    return wait if wait + needed <= left else None


def _retry_after(headers: Any) -> float | None:
    """The server's ``Retry-After`` (or ``retry-after-ms``) in seconds, when it gives a number."""
    for name, scale in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            value = float(headers.get(name) or "") / scale
        except ValueError:
            continue
        if math.isfinite(value) and value >= 0:
            return value
    return None


def _describe(error: Exception, settings: LLMSettings, timeout: float = 0.0, deadline: float = 0.0) -> str:
    """What went wrong with a request given ``timeout`` and ``deadline`` seconds, after "the LLM
    endpoint URL" (or the whole clause for a connection error)."""
    import openai

    if isinstance(error, openai.APITimeoutError):
        if type(error.__cause__).__name__ == "ConnectTimeout":  # httpx's (or its fork's): nothing accepted
            return f"could not be reached: no connection within {min(CONNECT_TIMEOUT, timeout):g} s"
        return f"did not answer within {timeout:g} s"
    if isinstance(error, openai.APIConnectionError):
        return f"could not be reached: {_cause(error)}"
    if isinstance(error, openai.AuthenticationError):
        return "refused the API key (401); check OPENAI_API_KEY"
    if isinstance(error, openai.PermissionDeniedError):
        return "denied access (403)"
    if isinstance(error, openai.NotFoundError):
        return f"has no model {settings.model!r} or no chat API (404)"
    if isinstance(error, openai.RateLimitError):
        asked = _retry_after(error.response.headers)
        return "is rate-limiting (429)" + (
            f"; it asks to wait {asked:g} s, past the {deadline:g} s deadline" if asked and asked > deadline else ""
        )
    if isinstance(error, openai.APIStatusError):
        return f"answered HTTP {error.status_code}"
    return f"failed ({type(error).__name__})"


def _read_body(raw: Any, until: float) -> bytes:
    """The body of a streamed answer (at most ``MAX_BODY`` + 1 bytes). Still arriving at ``until``
    (``time.monotonic()``), it is a timeout: each read has its own timeout, so a server sending
    a byte now and then would otherwise never end. A broken stream is a connection error."""
    import openai

    http = sys.modules[type(raw.http_request).__module__.partition(".")[0]]  # httpx, or the client's fork of it
    body = bytearray()
    try:
        for chunk in raw.iter_bytes():
            body += chunk
            if time.monotonic() > until:
                raise openai.APITimeoutError(request=raw.http_request)
            if len(body) > MAX_BODY:
                break
    except http.TimeoutException as error:
        raise openai.APITimeoutError(request=raw.http_request) from error
    except http.TransportError as error:
        raise openai.APIConnectionError(request=raw.http_request) from error
    return bytes(body)


def _json_body(content: bytes, headers: Any, what: str, endpoint: Endpoint) -> Any:
    """The parsed JSON of an answer, or an EndpointError saying what came instead."""
    import json

    try:
        return json.loads(content)
    except ValueError:  # also UnicodeDecodeError
        kind = headers.get("content-type", "").split(";")[0].strip() or "no content type"
        shown = (
            "an empty body"
            if not content.strip()
            else "an HTML page"
            if kind == "text/html"
            else f"text that is not JSON ({kind}, {len(content)} bytes)"
        )
        raise endpoint.give_up(f"answered {what} with {shown}: is this an OpenAI-compatible API?") from None


def _cause(error: BaseException) -> str:
    """The innermost reason of a connection error (e.g. ``Connection refused``)."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
