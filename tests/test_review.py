"""``localize review``: the review page over a real run, its security, and the page itself in headless Chromium."""

from __future__ import annotations

import io
import json
import os
import re
import socket
from pathlib import Path

import pytest
import soundfile

from localize.formats import load
from review_support import Server, chrome, make_run, open_page, start_server, wait_for
from support import ROOT, ZH_LINES, run_cli

HOSTILE_SOURCE = "<script>window.pwned=1</script></textarea>{\\p1}m 0 0 l 9 0\u202e林晚，你终于回来了。"
HOSTILE = "<script>window.pwned=2</script></textarea><b>bold</b>{\\p1}m 0 0 l 9 0\u202eevil\u202c"
SECRET = "TOP-SECRET-NOT-IN-OUT"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run made by the real CLI: 3 source lines (one hostile), en-US with dub and burn, es-419 with dub."""
    root = tmp_path_factory.mktemp("review")
    out, env, _ = make_run(root, [ZH_LINES[0], ZH_LINES[1], HOSTILE_SOURCE])
    (root / "secret.txt").write_text(SECRET)
    return root, out, env


@pytest.fixture(scope="module")
def server(run):
    root, out, env = run
    started = start_server(out, env, log=root / "review.log")
    yield started
    assert started.stop() in (0, 130, -2)


@pytest.fixture(scope="module")
def driver(run):
    root = run[0]
    browser = chrome(root / "chrome-profile")
    yield browser
    browser.quit()


def episode_dir(run) -> Path:
    return run[1] / "ep01"


def view(server: Server, market: str = "en-US") -> dict:
    return server.json("GET", f"/api/review/ep01/{market}")


# --- the command ------------------------------------------------------------------------------


def test_review_without_a_finished_run_port_taken_or_unknown_market_is_one_line(run, tmp_path):
    _, out, env = run
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli(["review", empty], env, timeout=60)
    assert result.returncode == 1 and result.stderr.startswith("Error: ") and "no finished run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    for args, message in (
        (["--market", "xx-XX"], "no episode has market 'xx-XX' (markets: en-US, es-419)"),
        (["--episode", "ep99"], "no finished episode 'ep99'"),
        (["--episode", "ep01", "--market", "fr-FR"], "episode 'ep01' has no market 'fr-FR'"),
    ):
        result = run_cli(["review", out, *args], env, timeout=60)
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.2", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["review", out, "--host", "127.0.0.2", "--port", port], env, timeout=60)
    assert result.returncode == 1
    warning, error = result.stderr.strip().splitlines()
    assert warning.startswith("Warning: listening on 127.0.0.2")
    assert error == f"Error: port {port} on 127.0.0.2 is in use; give another with --port, or none for a free one"


# --- security -----------------------------------------------------------------------------------

PAGES = [
    "/",
    "/api/episodes",
    "/api/review/ep01/en-US",
    "/media/ep01/en-US/video",
    "/media/ep01/en-US/track.vtt",
    "/media/ep01/en-US/dub/1.wav",
    "/static/review.js",
    "/api/jobs/999",
    "/no/such/page",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_request_needs_the_token(server, path):
    for headers in (
        {},
        {"X-Localize-Token": "wrong"},
        {"X-Localize-Token": server.token[:-1]},
        {"Cookie": f"localize_review_{server.port}=wrong"},
    ):
        status, sent, body = server.request("GET", path, headers=headers, token=False)
        assert status == 403 and b"access token" in body and "set-cookie" not in sent
    wrong_query = server.request("GET", "/?token=" + "x" * len(server.token), token=False)
    assert wrong_query[0] == 403
    status, _, _ = server.request("GET", path)
    assert status == (404 if path in ("/no/such/page", "/api/jobs/999") else 200)


def test_token_in_the_url_opens_the_page_and_sets_a_strict_cookie_for_reads_only(server, run):
    status, headers, body = server.request("GET", f"/?token={server.token}", token=False)
    assert status == 200 and b'<script src="/static/review.js"' in body
    assert headers["set-cookie"] == f"localize_review_{server.port}={server.token}; Path=/; HttpOnly; SameSite=Strict"
    cookie = {"Cookie": f"localize_review_{server.port}={server.token}"}
    assert server.request("GET", "/api/episodes", headers=cookie, token=False)[0] == 200
    assert server.request("GET", "/api/review/ep01/en-US?token=" + server.token, token=False)[0] == 403
    layer = episode_dir(run) / "en-US" / "edits.json"
    before = layer.read_bytes() if layer.exists() else None
    change = {"revision": view(server)["revision"], "edits": [{"id": "1", "text": "Cookie only"}]}
    for method, path, body in (
        ("PUT", "/api/review/ep01/en-US/edits", change),
        ("POST", "/api/review/ep01/en-US/rerender", None),
        ("POST", "/api/review/ep01/en-US/check", change),
    ):
        assert server.request(method, path, body, headers=cookie, token=False)[0] == 403
        assert server.request(method, f"{path}?token={server.token}", body, token=False)[0] == 403
    assert (layer.read_bytes() if layer.exists() else None) == before


def test_security_headers_on_every_answer_and_no_inline_script(server):
    for path, token in (
        ("/", True),
        ("/api/episodes", True),
        ("/static/review.css", True),
        ("/", False),
        ("/nowhere", True),
    ):
        _, headers, _ = server.request("GET", path, token=token)
        policy = headers["content-security-policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
            assert directive in policy
        assert "unsafe-inline" not in policy and "http" not in policy
        assert headers["x-content-type-options"] == "nosniff"
    page = (ROOT / "localize" / "review" / "static" / "index.html").read_text()
    assert page.count("<script") == 2 and '<script src="/static/review.js" defer></script>' in page
    assert '<script src="/static/keys.js" defer></script>' in page
    assert "http://" not in page and "https://" not in page and not re.search(r"\son\w+=", page)  # no inline handlers


def test_token_is_never_logged(server):
    server.request("GET", f"/?token={server.token}", token=False)
    server.request("GET", "/api/episodes")
    server.request("GET", "/?token=wrong", token=False)
    assert server.token not in server.log.read_text(errors="replace")


TRAVERSALS = [
    "/media/ep01/en-US/../../../secret.txt",
    "/media/ep01/en-US/..%2f..%2f..%2fsecret.txt",
    "/media/%2e%2e/en-US/video",
    "/media/..%2f..%2f/en-US/video",
    "/media/ep01/%2e%2e%2f%2e%2e/video",
    "/media/ep01/en-US/dub/..%2f..%2f..%2fsecret.wav",
    "/media/ep01/en-US/dub/%2e%2e%2fmanifest.wav",
    "/static/../../../../secret.txt",
    "/static/%2e%2e/server.py",
    "/static/..%2fserver.py",
    "/static/%2e%2e%2fedits.py",
    "/api/review/%2e%2e/en-US",
    "/api/review/ep01/%2e%2e",
    "/api/review/..%2fout%2fep01/en-US",
    "/media/ep01%2fen-US/x/video",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_nothing_outside_out_is_served(server, path):
    status, _, body = server.request("GET", path)
    assert status in (400, 404), (status, body[:200])
    assert SECRET.encode() not in body and b"def " not in body and b"root:" not in body


def test_links_leading_out_of_out_are_not_followed(server, run):
    root, out, _ = run
    secret = root / "secret.txt"
    outside = root / "elsewhere"
    (outside / "en-US").mkdir(parents=True)
    (outside / "en-US" / "dub.wav").symlink_to(secret)
    manifest = json.loads((episode_dir(run) / "manifest.json").read_text())
    (outside / "manifest.json").write_text(json.dumps(manifest))
    (out / "evil").symlink_to(outside, target_is_directory=True)
    dub = episode_dir(run) / "es-419" / "dub.wav"
    kept = dub.with_name("kept.wav")
    dub.rename(kept)
    dub.symlink_to(secret)
    try:
        assert [e["episode"] for e in server.json("GET", "/api/episodes")["episodes"]] == ["ep01"]
        for path in (
            "/api/review/evil/en-US",
            "/media/evil/en-US/video",
            "/media/evil/en-US/dub/1.wav",
            "/media/ep01/es-419/dub/1.wav",
        ):
            status, _, body = server.request("GET", path)
            assert status == 404 and SECRET.encode() not in body, (path, status)
    finally:
        dub.unlink()
        kept.rename(dub)
        (out / "evil").unlink()
    assert server.request("GET", "/media/ep01/es-419/dub/1.wav")[0] == 200


def hostile_cue(data: dict) -> int:
    """The index of the first cue made from the hostile source line (shown unchanged)."""
    return next(n for n, cue in enumerate(data["cues"]) if cue["source"] == HOSTILE_SOURCE)


def test_hostile_text_is_stored_and_served_as_text(server, run):
    data = view(server)
    index = hostile_cue(data)
    saved = server.json(
        "PUT",
        "/api/review/ep01/en-US/edits",
        {"revision": data["revision"], "edits": [{"id": str(index + 1), "text": HOSTILE}]},
    )
    assert saved["cues"][index]["text"] == HOSTILE
    status, headers, vtt = server.request("GET", "/media/ep01/en-US/track.vtt")
    assert status == 200 and headers["content-type"].startswith("text/vtt")
    assert "&lt;script&gt;window.pwned=2&lt;/script&gt;" in vtt.decode() and "<script" not in vtt.decode()
    layer = json.loads((episode_dir(run) / "en-US" / "edits.json").read_text())
    assert layer["cues"][index]["text"] == HOSTILE and layer["cues"][index]["by"] == "review page"


def test_a_stale_save_is_refused_and_writes_nothing(server, run):
    revision = view(server)["revision"]
    first = server.json(
        "PUT", "/api/review/ep01/en-US/edits", {"revision": revision, "edits": [{"id": "2", "speaker": "Lin Wan"}]}
    )
    assert first["revision"] == revision + 1 and first["cues"][1]["speaker"] == "Lin Wan"
    path = episode_dir(run) / "en-US" / "edits.json"
    before = path.read_bytes()
    status, _, body = server.request(
        "PUT", "/api/review/ep01/en-US/edits", {"revision": revision, "edits": [{"id": "2", "text": "Overwrite them"}]}
    )
    assert status == 409
    assert f"changed since revision {revision} (now at revision {revision + 1})" in json.loads(body)["error"]
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"id": "1", "start": 3000, "end": 2000}, "reviewed timing 00:00:03.000 -> 00:00:02.000 ends before it starts"),
        ({"id": "99", "text": "x"}, "no cue with id '99'"),
        ({"id": "1", "text": "  "}, "cue 1: text is empty"),
        ({"id": "1", "status": "done"}, "cue 1: status: unknown value 'done'"),
        ({"id": "1", "colour": "red"}, "cue 1: unknown field 'colour'"),
        ({"id": "1", "text": "a\x00b"}, "cue 1: text contains a control character"),
    ],
)
def test_bad_changes_are_refused_with_one_line_and_nothing_written(server, run, change, message):
    path = episode_dir(run) / "en-US" / "edits.json"
    before = path.read_bytes() if path.exists() else None
    for method, route in (("POST", "check"), ("PUT", "edits")):
        status, _, body = server.request(
            method, f"/api/review/ep01/en-US/{route}", {"revision": view(server)["revision"], "edits": [change]}
        )
        assert status == 400 and message in json.loads(body)["error"], body
    assert (path.read_bytes() if path.exists() else None) == before


def test_checks_are_the_librarys_and_run_on_unsaved_text(server, run):
    from localize.review import load_edits

    path = episode_dir(run) / "es-419" / "edits.json"
    long_text = "Esta línea es muchísimo más larga que lo que cabe en dos líneas de subtítulo vertical"
    result = server.json(
        "POST",
        "/api/review/ep01/es-419/check",
        {"edits": [{"id": "1", "text": long_text}, {"id": "2", "start": 3500, "end": 3800}]},
    )
    assert not path.exists()  # checking writes nothing
    first = {f["kind"]: f["text"] for f in result["cues"]["1"]["flags"]}
    assert first["budget"].startswith(f"{len(long_text)} characters > ")
    assert first["glossary"] == "'林晚' should be 'Lin Wan'"  # the name is gone from the line
    assert first["dub"].startswith("made from the machine text")
    texts = [f["text"] for f in result["cues"]["1"]["flags"] if f["kind"] == "qc"]
    assert any(t.startswith("reading speed: ") for t in texts) and any(t.startswith("line length: ") for t in texts)
    second = [f["text"] for f in result["cues"]["2"]["flags"] if f["kind"] == "qc"]
    assert any(t.startswith("min duration: 300 ms < ") for t in second)
    assert result["cues"]["1"]["chars"] == len(long_text) and result["cues"]["1"]["cps"] > 20
    assert result["cues"]["1"]["lines"] == [len(long_text)]
    layer = load_edits(episode_dir(run), "es-419")  # what is saved is still the machine's
    assert layer.revision == 0 and not any(c.edited for c in layer.cues)


def test_low_confidence_ocr_of_the_source_line_is_flagged(server, run):
    from localize.formats import save

    source, manifest = episode_dir(run) / "ep01.zh.json", episode_dir(run) / "manifest.json"
    original = source.read_bytes()
    track = load(source)
    track.cues[0].flags.append("ocr: low confidence (0.41)")
    save(track, source)
    os.utime(manifest)  # a run writes its manifest after the transcript
    try:
        flags = view(server, "es-419")["cues"][0]["flags"]
        assert {"kind": "ocr", "severity": "warning", "text": "low confidence (0.41)"} in flags
    finally:
        source.write_bytes(original)
        os.utime(manifest)


def test_each_dub_line_plays_alone(server, run):
    manifest = json.loads((episode_dir(run) / "manifest.json").read_text())
    line = manifest["markets"]["en-US"]["dub"]["lines"][1]
    status, headers, body = server.request("GET", "/media/ep01/en-US/dub/2.wav")
    assert status == 200 and headers["content-type"] == "audio/wav"
    samples, rate = soundfile.read(io.BytesIO(body), dtype="int16")
    whole, whole_rate = soundfile.read(episode_dir(run) / "en-US" / "dub.wav", dtype="int16")
    start = line["placed_ms"] * rate // 1000
    assert rate == whole_rate and len(samples) == (line["end"] - line["placed_ms"]) * rate // 1000
    assert (samples == whole[start : start + len(samples)]).all() and abs(samples).max() > 100
    status, _, body = server.request("GET", "/media/ep01/en-US/video", headers={"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100


# --- the page in a real browser ------------------------------------------------------------------


def test_browser_clicking_a_cue_seeks_the_video_and_highlights_it(server, driver):
    open_page(driver, server.url)
    wait_for(driver, "return document.getElementById('video').readyState >= 1")
    data = view(server)
    second = driver.find_elements("css selector", ".cue .source")[1]
    second.click()
    seconds = wait_for(driver, "var t = document.getElementById('video').currentTime; return t > 0 ? t : null")
    assert abs(seconds - data["cues"][1]["start"] / 1000) < 0.05
    wait_for(driver, "return document.querySelectorAll('.cue')[1].classList.contains('playing')")
    assert driver.execute_script("return document.querySelectorAll('.cue')[1].classList.contains('current')")


def test_browser_shows_hostile_text_as_text(server, driver, run):
    data = view(server)
    index = hostile_cue(data)
    server.json(
        "PUT",
        "/api/review/ep01/en-US/edits",
        {"revision": data["revision"], "edits": [{"id": str(index + 1), "text": HOSTILE}]},
    )
    open_page(driver, server.url)
    row = driver.find_elements("css selector", ".cue")[index]
    assert driver.execute_script("return arguments[0].querySelector('.target').value", row) == HOSTILE
    assert driver.execute_script("return arguments[0].querySelector('.source').textContent", row) == HOSTILE_SOURCE
    assert driver.execute_script(
        "return window.pwned === undefined && document.scripts.length === 2 &&"
        "document.querySelectorAll('#cue-list b, #cue-list script').length === 0"
    )
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_browser_a_save_from_a_stale_tab_is_refused_with_a_message(server, driver, run):
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(driver, server.url)
    data = view(server)
    server.json(
        "PUT",
        "/api/review/ep01/en-US/edits",
        {"revision": data["revision"], "edits": [{"id": "1", "status": "needs-work"}]},
    )
    path = episode_dir(run) / "en-US" / "edits.json"
    before = path.read_bytes()
    ActionChains(driver).send_keys("j").send_keys("n").perform()
    driver.find_element("id", "save").click()
    banner = wait_for(
        driver, "var b = document.getElementById('banner');return b.classList.contains('hidden') ? null : b.textContent"
    )
    assert banner.startswith("Not saved: ") and "changed since revision" in banner
    assert path.read_bytes() == before


def test_browser_nudges_and_snaps_times_with_the_keyboard(server, driver, run):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    data = view(server, "es-419")
    cue = data["cues"][0]
    assert (cue["start"], cue["end"]) == (500, 2400) and 2000 in data["shots"]
    open_page(driver, server.url + "#ep01/es-419")
    ActionChains(driver).send_keys("]").send_keys("]").send_keys("S").perform()  # +2 frames in; out onto the cut
    shown = driver.execute_script("return document.querySelector('.cue .times').textContent")
    assert shown == "00:00:00.567 → 00:00:02.000"
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
    wait_for(driver, "return document.getElementById('status').textContent.startsWith('saved revision')")
    saved = json.loads((episode_dir(run) / "es-419" / "edits.json").read_text())["cues"][0]
    assert (saved["new_start"], saved["new_end"], saved["status"]) == (567, 2000, "reviewed")
