"""Review page benchmark: a long episode's cues load, filter and re-check in a real browser; screenshots.

    .venv/bin/python benchmarks/review_page.py [--cues 300] [--rounds 5] [--out out/bench/review]
                                               [--screenshots docs/images]

1. Builds an audio-only episode with ``--cues`` Chinese subtitle lines (one every 2 s) and
   runs ``localize run --source-subs`` on it for en-US (the tiny Argos zh->en package from
   fixtures/argos, the example title glossary; no dub), so every cue has real checks.
2. Starts ``localize review`` and opens the page in headless Chromium (Debian's chromium
   and chromium-driver, offline). Timed in the browser with ``performance.now()``, each
   ``--rounds`` times: loading the market (the API answer plus building every cue row),
   switching "problems only" on and off (class change plus layout), and the check round
   trip after one edit (the server re-runs QC, glossary and budget on every cue).
3. With ``--screenshots DIR``: runs the fixture episode with burned-in Chinese subtitles
   (its reference subtitles as source; en-US dubbed and burned in, es-419 dubbed) and saves
   the page as ``review-page.png``, ``review-editing.png`` and ``review-problems.png``; then
   corrects and approves a line, re-renders from the page and saves ``review-rerender.png``
   (the job's log and time are printed). ``--rounds 0``: the screenshots only.

Everything runs with HOME, LOCALIZE_CACHE and ARGOS_PACKAGES_DIR inside the output folder.
No timing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._scripts import ROOT, load_script
from benchmarks._table import print_table

support = load_script("tests/support.py")  # the test harness: the real CLI in an isolated environment
review_support = load_script("tests/review_support.py")  # the server and headless Chromium of the page's tests
chrome, open_page, start_server, wait_for = (
    review_support.chrome,
    review_support.open_page,
    review_support.start_server,
    review_support.wait_for,
)
FIXTURES, ZH_LINES, install_argos, isolated_env, run_cli = (
    support.FIXTURES,
    support.ZH_LINES,
    support.install_argos,
    support.isolated_env,
    support.run_cli,
)

GLOSSARY = ROOT / "glossaries" / "examples" / "title_names.csv"


def long_episode(folder: Path, cues: int) -> tuple[Path, Path]:
    """A tone of ``2 * cues`` seconds and ``<name>.srt`` with one fixture line every 2 s."""
    folder.mkdir(parents=True, exist_ok=True)
    media, srt = folder / "long.m4a", folder / "long.srt"
    if not media.is_file():
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=330:duration={2 * cues}",
                "-c:a",
                "aac",
                str(media),
            ],
            check=True,
        )
    lines = []
    for n in range(cues):
        start = 2000 * n + 200
        lines.append(f"{n + 1}\n{_srt_time(start)} --> {_srt_time(start + 1500)}\n{ZH_LINES[n % len(ZH_LINES)]}\n")
    srt.write_text("\n".join(lines), encoding="utf-8")
    return media, srt


def _srt_time(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def localize(env: dict[str, str], args: list) -> None:
    result = run_cli(args, env, timeout=1800)
    if result.returncode:
        sys.exit(result.stderr)


def measure(out: Path, env: dict[str, str], rounds: int, profile: Path) -> list[list[str]]:
    """Load, filter and check times in the browser (ms), each ``rounds`` times."""
    server = start_server(out, env)
    driver = chrome(profile)
    times: dict[str, list[float]] = {"load": [], "filter on": [], "filter off": [], "check after an edit": []}
    try:
        for _ in range(rounds):
            open_page(driver, server.url if not times["load"] else server.url.split("?")[0], timeout=120)
            times["load"].append(float(driver.execute_script("return document.body.dataset.loadMs")))
            for label in ("filter on", "filter off"):
                driver.execute_script("document.getElementById('problems-only').click()")
                times[label].append(float(driver.execute_script("return document.body.dataset.filterMs")))
            driver.execute_script(
                "document.body.removeAttribute('data-check-ms');"
                "var t = document.querySelectorAll('.target')[7]; t.focus();"
                "t.value += ' again'; t.dispatchEvent(new Event('input'))"
            )
            times["check after an edit"].append(float(wait_for(driver, "return document.body.dataset.checkMs", 60)))
        shown = driver.execute_script("return document.querySelectorAll('.cue').length")
    finally:
        driver.quit()
        server.stop()
    print(f"cues on the page: {shown}")
    return [[label, f"{statistics.median(v):.1f}", f"{max(v):.1f}"] for label, v in times.items()]


def screenshots(work: Path, env: dict[str, str], folder: Path) -> None:
    """The review page on the fixture episode with burned-in subtitles, three views."""
    episode = FIXTURES / "episode_zh_hardsub"
    out = work / "demo"
    localize(
        env,
        [
            "run",
            episode / "episode.mp4",
            "--source-subs",
            episode / "reference.srt",
            "--markets",
            f"{FIXTURES / 'markets' / 'en-US-burn.toml'},es-419",
            "--dub",
            "-o",
            out,
            "-g",
            ROOT / "glossaries" / "zh_en_microdrama.csv",
            "-g",
            GLOSSARY,
        ],
    )
    server = start_server(out, env)
    driver = chrome(work / "chrome-shots")
    try:
        driver.set_window_size(1400, 900)
        open_page(driver, server.url)
        wait_for(driver, "return document.getElementById('video').readyState >= 2")
        driver.find_elements("css selector", ".cue .source")[2].click()
        driver.execute_script("document.getElementById('video').currentTime += 0.6")  # mid-line: the burned text shows
        wait_for(driver, "return document.getElementById('video').seeking === false")
        time.sleep(0.5)
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / "review-page.png"))
        driver.execute_script(
            "var t = document.querySelectorAll('.target')[1]; t.focus();"
            "t.value = 'The big boss has been waiting upstairs for you for a very long time';"
            "t.dispatchEvent(new Event('input'))"
        )
        wait_for(driver, "return document.body.dataset.checkMs && !document.body.dataset.checking")
        driver.save_screenshot(str(folder / "review-editing.png"))
        driver.execute_script("document.activeElement.blur(); document.getElementById('problems-only').click()")
        driver.save_screenshot(str(folder / "review-problems.png"))
        rerender(driver, folder / "review-rerender.png")
        log = driver.find_element("id", "job-log").text.splitlines()
        print("dub:", next((line.split(" lines: ")[1] for line in log if "dub-en-US lines: " in line), "not re-made"))
    finally:
        driver.quit()
        server.stop()
    print(f"screenshots: {', '.join(sorted(p.name for p in folder.glob('review-*.png')))} in {folder}")


def rerender(driver, shot: Path) -> None:
    """A corrected line approved and re-rendered from the page; the time the job took and what it made."""
    driver.execute_script(
        "document.getElementById('problems-only').click(); var t = document.querySelectorAll('.target')[1];"
        "t.value = 'Your CEO is upstairs, waiting for you.'; t.dispatchEvent(new Event('input'));"
        "window.localizeReview.setStatus(1, 'approved'); document.getElementById('rerender').click()"
    )
    state = wait_for(driver, "var s = document.getElementById('job').dataset.state; return s !== 'running' && s", 600)
    if state == "done":  # the new video, at the corrected line
        wait_for(driver, "return document.getElementById('status').textContent.startsWith('re-rendered')")
        driver.execute_script("document.getElementById('video').currentTime = 5.5")
        wait_for(driver, "var v = document.getElementById('video'); return v.readyState >= 2 && !v.seeking")
        time.sleep(0.5)
    driver.save_screenshot(str(shot))
    print(f"re-render from the page: {state}; {driver.find_element('id', 'status').text}")
    print(driver.find_element("id", "job-log").text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cues", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench" / "review")
    parser.add_argument("--screenshots", type=Path, help="also save screenshots of the page into this folder")
    args = parser.parse_args()
    work = args.out.resolve()
    env = isolated_env(work)
    install_argos(env)
    if args.rounds == 0 and args.screenshots:  # screenshots only
        screenshots(work, env, args.screenshots.resolve())
        return
    media, srt = long_episode(work / "in", args.cues)
    started = time.perf_counter()
    localize(
        env,
        [
            "run",
            media,
            "--source-subs",
            srt,
            "--language",
            "zh",
            "--markets",
            "en-US",
            "-g",
            GLOSSARY,
            "-o",
            work / "out",
        ],
    )
    print(f"localize run, {args.cues} cues, en-US: {time.perf_counter() - started:.1f} s")
    print_table(["in the browser", "median ms", "max ms"], measure(work / "out", env, args.rounds, work / "chrome"))
    if args.screenshots:
        screenshots(work, env, args.screenshots.resolve())


if __name__ == "__main__":
    main()
