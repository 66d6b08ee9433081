"""`localize models install FROM TO` against an Argos package index served on 127.0.0.1.

The real download-and-install code runs: index.json and the fixture packages
(fixtures/argos/*.argosmodel) come from http.server, ARGOS_PACKAGE_INDEX points at it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.translation import installed_pairs

ARGOS = Path(__file__).resolve().parents[1] / "fixtures" / "argos"
PACKAGE = ARGOS / "zh_en.argosmodel"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index(tmp_path, monkeypatch):
    """A served folder; returns (folder, base URL). Packages and caches go to tmp_path."""
    if not PACKAGE.is_file():
        pytest.skip("fixtures/argos/zh_en.argosmodel not built (python fixtures/argos/build_argos_model.py)")
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "ARGOS_PACKAGES_DIR", "LOCALIZE_CACHE"):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(name, str(tmp_path / name))
    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(PACKAGE, served / "translate-zh_en-0_1.argosmodel")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield served, base
    server.shutdown()
    server.server_close()


def write_index(folder: Path, links: list[str], pair: tuple[str, str] = ("zh", "en")) -> None:
    entry = {
        "package_type": "translate",
        "from_code": pair[0],
        "to_code": pair[1],
        "package_version": "0.1",
        "argos_version": "1.0",
        "links": links,
    }
    (folder / "index.json").write_text(json.dumps([entry]), encoding="utf-8")


def model_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_install_downloads_from_the_index_and_installs_the_real_package(index, monkeypatch, tmp_path):
    served, base = index
    write_index(served, [f"{base}/missing.argosmodel", f"{base}/translate-zh_en-0_1.argosmodel"])  # first link dead
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base)  # a base URL: index.json is appended
    result = CliRunner().invoke(cli, ["models", "install", "zh", "en"])
    assert result.exit_code == 0, result.output
    assert "downloading zh->en 0.1" in result.output and "installed zh->en 0.1" in result.output
    [package] = installed_pairs()
    assert package.pair == "zh->en" and package.path.parent == tmp_path / "ARGOS_PACKAGES_DIR"
    with zipfile.ZipFile(PACKAGE) as archive:
        shipped = next(n for n in archive.namelist() if n.endswith("model/model.bin"))
        assert model_digest((package.path / "model" / "model.bin").read_bytes()) == model_digest(archive.read(shipped))


def test_pair_missing_from_the_index_names_the_pivot(index, monkeypatch):
    served, base = index
    write_index(served, [f"{base}/translate-zh_en-0_1.argosmodel"])
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", f"{base}/index.json")
    result = CliRunner().invoke(cli, ["models", "install", "zh", "th"])
    assert result.exit_code == 1 and installed_pairs() == []
    assert result.output == (
        "Error: the Argos index has no zh->th package; pivot through English with "
        "`localize models install zh en` and `localize models install en th`\n"
    )


def test_dead_links_and_dead_index_say_how_to_install_offline(index, monkeypatch):
    served, base = index
    write_index(served, [f"{base}/gone.argosmodel"])
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", f"{base}/index.json")
    result = CliRunner().invoke(cli, ["models", "install", "zh", "en"])
    assert result.exit_code == 1 and installed_pairs() == []
    assert result.output.endswith(
        "could not download the zh->en package; fetch it elsewhere and run "
        "`localize models install --file FILE.argosmodel`\n"
    )
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", f"{base}/nowhere/index.json")
    result = CliRunner().invoke(cli, ["models", "install", "zh", "en"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith(f"Error: cannot reach {base}/nowhere/index.json (")
    assert "`localize models install --file zh_en.argosmodel`" in result.output
