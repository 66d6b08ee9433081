"""The llm engine against endpoints that leak, answer junk or nothing usable: the key stays
secret, junk and bad settings are one-line errors, untranslated lines fail --strict
(hardening review 2: R3, R6, R13). Time budgets (R4) are tests/test_llm_budget.py.

The peer is tests/llm_fake.py, a real HTTP server on 127.0.0.1 serving one failure mode.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import ConfigError, ModelError
from localize.formats import load
from localize.translation import TranslationOptions, translate
from localize.translation.llm_endpoint import Endpoint
from localize.translation.llm_settings import LLMSettings

sys.path.insert(0, str(Path(__file__).parent))
from llm_support import (  # noqa: E402
    EPISODE,
    KEY,
    configure,
    cues,
    env,  # noqa: F401 - a fixture
    fake,  # noqa: F401 - a fixture
    localize,
    one_error,
    translate_cli,
)
from support import llm_run_args  # noqa: E402

# --- R3: the key stays secret ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["refused", "html"])
def test_verbose_keeps_http_libraries_quiet_and_the_key_off_stderr(fake, env, mode):
    """R3.1: a gateway echoing the Authorization header; --verbose must not dump HTTP headers."""
    server = fake(mode, echo=True)
    done = localize(
        "--verbose",
        "translate",
        str(EPISODE),
        "--to",
        "en",
        "-o",
        str(env / "x.srt"),
        "--engine",
        "llm",
        "--model",
        "m",
    )
    assert done.returncode == 1 and not (env / "x.srt").exists()
    assert KEY not in done.stdout + done.stderr
    assert not re.search(r"^DEBUG: (receive_response|send_request|HTTP Request|Request options)", done.stderr, re.M)
    assert f"Error: the LLM endpoint {server.url} " in done.stderr


def test_verbose_still_shows_localize_own_debug_lines(fake, env):
    server = fake("error")
    done = localize(
        "--verbose",
        "translate",
        str(EPISODE),
        "--to",
        "en",
        "-o",
        str(env / "x.srt"),
        "--engine",
        "llm",
        "--model",
        "m",
    )
    retries = re.findall(
        rf"^DEBUG: {re.escape(server.url)}: the chat request answered HTTP 500; attempt \d", done.stderr, re.M
    )
    assert done.returncode == 1 and len(retries) == 2
    assert KEY not in done.stderr


def test_the_key_is_redacted_from_any_log_record(env):
    """Whatever logs it (an HTTP library at any level), a handler in place writes *** instead of the key."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    try:
        Endpoint(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m", api_key=KEY))
        logging.getLogger("httpcore.http11").warning("response headers %s", [(b"X-Echo", f"Bearer {KEY}")])
    finally:
        logging.getLogger().removeHandler(handler)
    assert KEY not in stream.getvalue() and "Bearer ***" in stream.getvalue()


def test_an_answer_holding_the_key_reaches_neither_subtitles_nor_memory(fake, env):
    """R3.2: an endpoint answering with the bearer token: such an answer is unusable."""
    fake("echokey")
    result, out, _ = translate_cli(env)
    assert result.exit_code == 0, result.output
    assert [c.text for c in load(out).cues] == [c.text for c in load(EPISODE).cues]  # source kept, flagged
    for path in [out, env / "report.json", *(env / "XDG_CACHE_HOME").rglob("*")]:
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path
    assert KEY not in result.output and "6 of 6 line(s) got no usable translation" in result.output


def test_a_password_in_the_base_url_is_a_secret_too(fake, env, monkeypatch):
    """R3: any configured secret, not only the key: a gateway's basic-auth password in the base URL
    that the endpoint echoes reaches neither the subtitles, the memory nor the output."""
    server = fake("echokey")
    password = "hunter2-gateway-pass"
    monkeypatch.setenv("OPENAI_BASE_URL", server.url.replace("//", f"//user:{password}@"))
    result, out, _ = translate_cli(env)
    assert result.exit_code == 0 and "6 of 6 line(s) got no usable translation" in result.output
    for path in [out, env / "report.json", *(env / "XDG_CACHE_HOME").rglob("*")]:
        assert not path.is_file() or password.encode() not in path.read_bytes(), path
    assert password not in result.output and server.posts() == 8


# --- R6: junk answers and bad settings are one-line errors ------------------------------------


@pytest.mark.parametrize(
    "mode, what",
    [
        ("html", "GET /models with an HTML page"),
        ("nonjson", "GET /models with text that is not JSON (application/json, 17 bytes)"),
        ("empty", "GET /models with an empty body"),
        ("chat_html", "the chat request with an HTML page"),
        ("chat_nonjson", "the chat request with text that is not JSON (application/json, 17 bytes)"),
        ("chat_empty", "the chat request with an empty body"),
    ],
)
def test_junk_answers_are_one_line_errors_at_once(fake, env, mode, what):
    server = fake(mode)
    result, out, _ = translate_cli(env)
    assert one_error(result.output) == (
        f"Error: the LLM endpoint {server.url} answered {what}: is this an OpenAI-compatible API?"
    )
    assert len(server.requests) == (1 if mode in ("html", "nonjson", "empty") else 2)  # never retried
    assert not out.exists()


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://127.0.0.1:8080\n/v1", "it contains a space or a control character"),
        ("http://127.0.0.1:99999/v1", "Port out of range 0-65535"),
        ("localhost:8080/v1", "only http:// and https:// URLs are supported"),
        ("file:///etc/passwd", "only http:// and https:// URLs are supported"),
        ("http:///v1", "it names no host"),
    ],
)
def test_malformed_base_url_is_a_one_line_error(env, monkeypatch, url, problem):
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    result, _, took = translate_cli(env)
    assert one_error(result.output) == f"Error: OPENAI_BASE_URL: {url!r} is not a usable endpoint URL: {problem}"
    assert took < 5


def test_library_settings_with_a_malformed_url_are_a_config_error(env):
    """R6: the client library raised its own InvalidURL for settings built in code."""
    with pytest.raises(ConfigError, match=r"^LLMSettings.base_url: 'http://\[::1' is not a usable endpoint URL"):
        Endpoint(LLMSettings(base_url="http://[::1", model="m", api_key=KEY))


def test_credentials_in_a_bad_url_are_not_shown(env, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:hunter2-pass@[::1/v1?key=abc")
    result, _, _ = translate_cli(env)
    assert "hunter2" not in result.output and "abc" not in result.output and "//***@[::1/v1?***" in result.output


@pytest.mark.parametrize(
    "setting, value, shown",
    [
        ("timeout", "-1", "timeout must be from 0.1 to 3600, got -1"),
        ("timeout", "nan", "timeout must be from 0.1 to 3600, got nan"),
        ("timeout", "inf", "timeout must be from 0.1 to 3600, got inf"),
        ("timeout", "0", "timeout must be from 0.1 to 3600, got 0"),
        ("deadline", "-inf", "deadline must be from 0.1 to 86400, got -inf"),
        ("max_retries", "-1", "max_retries must be from 0 to 10, got -1"),
        ("max_retries", "1000", "max_retries must be from 0 to 10, got 1000"),
        ("concurrency", "0", "concurrency must be from 1 to 64, got 0"),
        ("window", "-5", "window must be from 1 to 500, got -5"),
        ("temperature", "nan", "temperature must be from 0 to 2, got nan"),
    ],
)
def test_out_of_range_settings_are_one_line_errors(fake, env, setting, value, shown):
    fake("ok")
    configure(env, **{setting: value})
    result, _, _ = translate_cli(env)
    assert one_error(result.output) == f"Error: {env / 'llm.toml'}: [llm] {shown}"


# --- R13: nothing usable is not a translation ---------------------------------------------------


@pytest.mark.parametrize("mode", ["nochoices", "nulltext", "chatty", "huge"])
def test_lines_without_a_usable_answer_fail_strict_and_show_in_the_summary(fake, env, mode):
    fake(mode)
    result, out, _ = translate_cli(env, "--strict")
    assert (
        one_error(result.output.split("\n", 1)[1])
        == f"Error: 6 untranslated line(s) remain (--strict); {out} not written"
    )
    assert result.output.startswith(
        "Warning: 6 of 6 line(s) got no usable translation: source text kept, cue flagged\n"
    )
    assert not out.exists() and json.loads((env / "report.json").read_text())["usage"]["lines_untranslated"] == 6
    result, out, _ = translate_cli(env)
    assert result.exit_code == 0 and "6 re-asked, 6 alone, 6 untranslated;" in result.output
    assert [c.text for c in load(out).cues] == [c.text for c in load(EPISODE).cues]  # kept, as the warning says


def test_answers_are_bounded_by_the_line_budget(fake, env):
    """R13: 3 MB per line made a 15 MB subtitle file and a 15 MB memory; answers past three times
    the line's character budget are unusable."""
    fake("huge")
    result, out, _ = translate_cli(env)
    assert result.exit_code == 0 and out.stat().st_size < 2000
    memory = sum(p.stat().st_size for p in (env / "XDG_CACHE_HOME").rglob("*") if p.is_file())
    assert memory < 200_000


def test_an_answer_past_the_body_limit_is_not_read_to_its_end(fake, env):
    """R13: 12 lines of 3 MB each (the server ignores max_tokens) are 36 MB: reading stops at 32 MB."""
    server = fake("huge")
    result, out, _ = translate_cli(env, subs=cues(12))
    assert one_error(result.output) == (
        f"Error: the LLM endpoint {server.url} answered the chat request with more than 32 MB: "
        "is it ignoring max_tokens?"
    )
    assert not out.exists() and server.posts() == 1


def test_badshape_answers_fail_even_without_strict(fake, env):
    """R13: {"foo": "bar"} to every chat request exited 0 with the source as "English"."""
    server = fake("badshape")
    result, out, _ = translate_cli(env, "--strict")
    assert one_error(result.output) == (
        f"Error: the LLM endpoint {server.url} answered with JSON that is not a chat completion (no 'choices' list)"
    )
    assert not out.exists() and server.posts() == 1


def test_a_model_that_only_chats_is_given_up_on(fake, env):
    """R13/R4: 30 cues of chatter cost 34 requests and 55 s; with nothing usable in its first 10
    answers the endpoint is given up on."""
    server = fake("chatty")
    result, out, _ = translate_cli(env, subs=cues(30))
    assert one_error(result.output) == (
        f"Error: the LLM endpoint {server.url} gave nothing usable in 10 answers "
        "(last: 'As an AI language model, I cannot translate this.'); stopped asking"
    )
    assert 10 <= server.posts() <= 11 and not out.exists()  # the other window may have one answer in flight


def test_a_weak_model_that_translates_now_and_then_goes_on(fake, env):
    """Only an endpoint with nothing usable from the start is given up on; the ladder bounds the rest."""
    server = fake("sparse")
    result, out, _ = translate_cli(env, subs=cues(30))
    assert result.exit_code == 0 and "29 of 30 line(s) got no usable translation" in result.output
    assert load(out).cues[0].text == "Line 1" and server.posts() == 2 + 2 + 29  # asks, re-asks, singles


def test_library_strict_raises_for_untranslated_lines(fake, env):
    fake("nochoices")
    with pytest.raises(ModelError, match=r"^6 of 6 line\(s\) got no usable translation from the LLM"):
        translate(load(EPISODE), "en", source="zh", options=TranslationOptions("llm", "m"), cache=False, strict=True)


def test_run_fails_a_market_left_untranslated_and_writes_nothing_for_it(fake, env):
    """R13: run went on to time, dub and burn the Chinese source as the "translation"."""
    fake("chatty")
    out = env / "out"
    result = CliRunner().invoke(
        cli,
        [*llm_run_args(str(out), "m"), "--dub"],
    )
    error = result.output.splitlines()[-1]
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert error == (
        "Error: en-US: 6 of 6 line(s) got no usable translation from the LLM (source text kept); "
        "nothing timed, dubbed or burned; run again to ask for those lines only"
    )
    assert not (out / "episode" / "en-US").exists() and not (out / "episode" / "manifest.json").exists()
