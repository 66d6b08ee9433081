"""Helpers shared by the review page's tests and benchmark (no tests here).

``localize review`` runs as a real subprocess on a free port; the page is driven in
Debian's headless Chromium through Selenium and ``/usr/bin/chromedriver``, offline.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import FIXTURES, LOCALIZE, ROOT, install_argos, isolated_env, make_episode, run_cli

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1400,1000",
)


@dataclass
class Server:
    """A running ``localize review``: its process, URL (with the token), port and token."""

    process: subprocess.Popen
    url: str
    port: int
    token: str
    log: Path

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, token: bool = True
    ) -> tuple[int, dict[str, str], bytes]:
        """One raw HTTP request (the path is sent exactly as given): status, headers, body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if token:
            sent.setdefault("X-Localize-Token", self.token)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(data or b"")))
        connection.endheaders(data)
        response = connection.getresponse()
        result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        connection.close()
        return result

    def json(self, method: str, path: str, body: Any = None) -> Any:
        status, _, data = self.request(method, path, body)
        assert status in (200, 202), (status, data)
        return json.loads(data)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def make_run(root: Path, lines: list[str]) -> tuple[Path, dict[str, str], list[Any]]:
    """A run made by the real CLI from a 10 s episode with ``lines``: en-US dubbed and burned, es-419 dubbed,
    the example title glossary; its output folder, environment and ``localize`` arguments."""
    env = isolated_env(root)
    install_argos(env)
    media = make_episode(root / "in", "ep01", 1, seconds=10, lines=lines)
    market = root / "en-US-burn.toml"
    burn = (FIXTURES / "markets" / "en-US-burn.toml").read_text()
    market.write_text(burn.replace('cover = "blur"', 'cover = "none"'))  # no burned-in source subtitles to cover
    out = root / "out"
    args = [
        "run",
        media,
        "--source-subs",
        media.with_suffix(".srt"),
        "--language",
        "zh",
        "--markets",
        f"{market},es-419",
        "--dub",
        "-g",
        ROOT / "glossaries" / "examples" / "title_names.csv",
        "-o",
        out,
    ]
    result = run_cli(args, env, timeout=600)
    assert result.returncode == 0, result.stderr
    return out, env, args


def start_server(out: Path, env: dict[str, str], *args: str, log: Path | None = None) -> Server:
    """``localize review OUT`` on a free port; returns once it printed its URL."""
    log = log or Path(tempfile.mkdtemp()) / "review.log"
    process = subprocess.Popen(
        [*LOCALIZE, "review", str(out), *args], env=env, stdout=subprocess.PIPE, stderr=log.open("wb"), text=True
    )
    line = process.stdout.readline() if process.stdout else ""
    found = re.search(r"(http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))", line)
    if not found:
        process.kill()
        raise AssertionError(f"no URL from localize review: {line!r} {log.read_text(errors='replace')}")
    return Server(process, found.group(1), int(found.group(2)), found.group(3), log)


def chrome(user_data: Path) -> Any:
    """A headless Chromium driven by chromedriver, with a fresh profile; skips when either is missing."""
    if not shutil.which("chromium") or not Path(CHROMEDRIVER).is_file():
        pytest.skip("chromium and chromium-driver are not installed (make system-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (*CHROME_FLAGS, f"--user-data-dir={user_data}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def open_page(driver: Any, url: str, timeout: float = 20) -> None:
    """Load the page and wait until its cues are shown (``body[data-ready=yes]``)."""
    driver.get(url)
    wait_for(driver, "return document.body.dataset.ready === 'yes'", timeout)


def wait_for(driver: Any, script: str, timeout: float = 20) -> Any:
    """Poll a JavaScript condition until it returns something true; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")
