"""The llm engine's failure budget against dead, slow, trickling, rate-limiting and failing
endpoints: each fails in seconds, states the time it really took, and a batch stops asking
after 3 failed episodes (hardening review 2: R4).

The peer is tests/llm_fake.py, a real HTTP server on 127.0.0.1 serving one failure mode.
Times are asserted as bounds; each error must state the time it really took.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localize.formats import load
from localize.translation import TranslationOptions, translate
from localize.translation.llm_endpoint import Endpoint, EndpointError
from localize.translation.llm_settings import LLMSettings

sys.path.insert(0, str(Path(__file__).parent))
from llm_fake import free_port, unaccepting_port  # noqa: E402
from llm_support import (  # noqa: E402
    EPISODE,
    KEY,
    ROOT,
    ROUNDING,
    configure,
    env,  # noqa: F401 - a fixture
    fake,  # noqa: F401 - a fixture
    localize,
    one_error,
    stated_time,
    translate_cli,
)

# --- R4: failing in seconds, saying how long it took ----------------------------------------


def test_slow_endpoint_fails_within_the_default_deadline_stating_the_true_time(fake, env):
    """R4: a server that never answers took 308 s and said "within 60 s"; the defaults now give up
    on GET /models after one attempt of 10 s (the check's 15 s leave no room for a second)."""
    server = fake("slow")
    result, out, took = translate_cli(env)
    message = one_error(result.output)
    assert message.startswith(f"Error: the LLM endpoint {server.url} did not answer within 10 s (1 attempt, ")
    attempts, stated = stated_time(message)
    assert attempts == len(server.requests) == 1
    assert 10 <= stated <= took + ROUNDING < 15 and took - stated < 4  # the rest: loading, reading, the fake's start
    assert not out.exists()


def test_the_models_check_has_its_own_short_deadline(env):
    """A refused connection to GET /models is retried with backoff (0.5, 1, 2, 4 s), never past the
    check's 15 s, however many retries the settings allow."""
    dead = Endpoint(LLMSettings(base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", api_key=KEY, max_retries=10))
    started = time.monotonic()
    with pytest.raises(EndpointError, match="could not be reached: ") as caught:
        dead.check_model()
    attempts, stated = stated_time(str(caught.value))
    assert attempts == 5 and 7.5 <= stated <= time.monotonic() - started + ROUNDING < 9


def test_slow_chat_is_not_retried_past_the_deadline(fake, env):
    configure(env, timeout=1, deadline=3)
    server = fake("slow_chat")
    result, _, took = translate_cli(env)
    message = one_error(result.output)
    assert message.startswith(f"Error: the LLM endpoint {server.url} did not answer within 1 s (2 attempts, ")
    assert server.posts() == 2  # a third full second would end past the deadline
    assert 2.5 <= stated_time(message)[1] <= took + ROUNDING < 5


def test_an_answer_still_trickling_in_is_cut_at_the_timeout(fake, env):
    """Each read has its own timeout: a server sending one byte a second never timed out at all."""
    configure(env, timeout=2, deadline=6)
    server = fake("trickle", hang=60)
    result, out, took = translate_cli(env)
    message = one_error(result.output)
    assert message.startswith(f"Error: the LLM endpoint {server.url} did not answer within 2 s (2 attempts, ")
    assert server.posts() == 2 and 4 <= stated_time(message)[1] <= took + ROUNDING < 9
    assert not out.exists()


@pytest.mark.parametrize(
    "retry_after, attempts, problem",
    [
        ("1", 3, "is rate-limiting (429) (3 attempts, "),
        ("120", 1, "is rate-limiting (429); it asks to wait 120 s, past the 40 s deadline (1 attempt, "),
    ],
)
def test_rate_limit_is_honoured_only_within_the_deadline(fake, env, retry_after, attempts, problem):
    server = fake("ratelimit", retry_after=retry_after)
    result, _, took = translate_cli(env)
    message = one_error(result.output)
    assert problem in message and server.posts() == attempts
    assert stated_time(message)[1] <= took + ROUNDING < 3 + 2 * int(retry_after == "1")


@pytest.mark.parametrize("mode", ["dead", "error"])
def test_dead_or_failing_endpoint_fails_in_seconds(fake, env, monkeypatch, mode):
    if mode == "dead":
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    else:
        fake(mode)
    result, _, took = translate_cli(env)
    message = one_error(result.output)
    assert ("could not be reached: " if mode == "dead" else "answered HTTP 500 ") in message
    assert stated_time(message)[0] == 3 and took < 5


def test_an_endpoint_that_never_accepts_a_connection_fails_at_the_connect_timeout(env, monkeypatch):
    """A firewalled host (packets dropped): one 5 s connect timeout, named as such, no retry past the check's 15 s."""
    with unaccepting_port() as port:
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
        result, _, took = translate_cli(env)
    message = one_error(result.output)
    assert "could not be reached: no connection within 5 s (1 attempt, " in message
    assert 5 <= stated_time(message)[1] <= min(took + ROUNDING, 7)  # one connect timeout, no retry


def test_a_failed_endpoint_is_not_asked_again_by_the_same_translation(fake, env):
    configure(env, window=2, concurrency=1)
    server = fake("error")
    with pytest.raises(EndpointError, match="answered HTTP 500"):
        translate(load(EPISODE), "en", source="zh", options=TranslationOptions("llm", "m"), cache=False)
    assert server.posts() == 3  # the first window and its 2 retries; the other 2 windows never go out


def test_batch_stops_asking_an_endpoint_that_failed_episodes_in_a_row(fake, env):
    """R4: each episode paid the whole failure again; after 3 in a row the rest are skipped, said once."""
    server = fake("error")
    season = env / "season"
    season.mkdir()
    audio = env / "audio.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(ROOT / "fixtures" / "episode_zh" / "episode.mp4"), "-vn", str(audio)],
        check=True,
    )
    for number in range(1, 8):
        shutil.copy(audio, season / f"ep{number}.wav")
        shutil.copy(EPISODE, season / f"ep{number}.srt")
    done = localize(
        "batch",
        str(season),
        "-m",
        "en-US",
        "-o",
        str(env / "out"),
        "--sidecar-subs",
        "--translate-engine",
        "llm",
        "--llm-model",
        "m",
        timeout=300,
    )
    rows = [line.split(None, 2) for line in done.stdout.splitlines() if re.match(r"ep\d ", line)]
    failed = [row for row in rows if "answered HTTP 500" in row[2]]
    skipped = [row for row in rows if "skipped (the LLM endpoint is down)" in row[2]]
    assert done.returncode == 1 and len(rows) == 7 and len(failed) + len(skipped) == 7
    assert [row[0] for row in failed] == ["ep1", "ep2", "ep3"] and server.posts() == 9  # 3 attempts each
    notes = [line for line in done.stdout.splitlines() if line.startswith("LLM endpoint:")]
    assert notes == [
        f"LLM endpoint: it failed 3 episodes in a row, so {len(skipped)} episode(s) were not started; "
        "run the batch again once it answers (finished work is kept)"
    ]
    assert KEY not in done.stdout + done.stderr
