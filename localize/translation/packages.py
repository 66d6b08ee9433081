"""Argos Translate packages: where they live, installing them, listing installed pairs.

Works without importing ``argostranslate`` (whose import pulls spaCy and Stanza and
creates folders in ``~``): packages are zip files of one folder with ``metadata.json``,
``model/`` (CTranslate2) and ``sentencepiece.model``. The packages folder is
``$ARGOS_PACKAGES_DIR``, as for Argos itself, read at call time.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from localize.errors import LocalizeError
from localize.fileio import write_bytes_atomic
from localize.translation.languages import base_language

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"


@dataclass(frozen=True)
class InstalledPackage:
    """One installed translation package (a language pair)."""

    from_code: str
    to_code: str
    version: str
    path: Path
    target_prefix: str = ""

    @property
    def pair(self) -> str:
        return f"{self.from_code}->{self.to_code}"

    def to_dict(self) -> dict[str, Any]:
        """A row in the shape of ``localize models list`` (name, engine, source, status, path)."""
        return {"name": f"translate {self.pair} {self.version}".strip(), "engine": "argos", "source": "installed",
                "status": "ready", "path": str(self.path), "from": self.from_code, "to": self.to_code}


def packages_dir() -> Path:
    """``$ARGOS_PACKAGES_DIR``, else Argos's default under ``$XDG_DATA_HOME`` or ``~/.local/share``."""
    if os.environ.get("ARGOS_PACKAGES_DIR"):
        return Path(os.environ["ARGOS_PACKAGES_DIR"])
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "argos-translate" / "packages"


def installed_pairs() -> list[InstalledPackage]:
    """Installed translation packages, sorted by pair (for ``localize models list``)."""
    root = packages_dir()
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        package = _read_package(folder)
        if package is not None:
            found.append(package)
    return sorted(found, key=lambda p: (p.from_code, p.to_code, p.version))


def find_package(from_code: str, to_code: str) -> InstalledPackage | None:
    matches = [p for p in installed_pairs() if p.from_code == from_code and p.to_code == to_code]
    return matches[-1] if matches else None


def install_file(path: str | Path) -> InstalledPackage:
    """Install a ``.argosmodel`` file offline; replaces an installed copy of the same folder."""
    path = Path(path)
    if not path.is_file():
        raise LocalizeError(f"{path}: file not found")
    if not zipfile.is_zipfile(path):
        raise LocalizeError(f"{path}: not an Argos package (expected a .argosmodel zip archive)")
    root = packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        tops = {name.split("/")[0] for name in archive.namelist() if name.strip("/")}
        if len(tops) != 1 or f"{next(iter(tops))}/metadata.json" not in archive.namelist():
            raise LocalizeError(f"{path}: not an Argos package (needs one folder with metadata.json)")
        top = next(iter(tops))
        with tempfile.TemporaryDirectory(dir=root, prefix=".installing-") as tmp:
            archive.extractall(tmp)
            package = _read_package(Path(tmp) / top)
            if package is None:
                raise LocalizeError(f"{path}: not a translation package (metadata.json lacks from_code/to_code, or model/ is missing)")
            target = root / top
            if target.exists():
                shutil.rmtree(target)
            (Path(tmp) / top).rename(target)
    return _read_package(target)  # type: ignore[return-value]


def install_pair(from_code: str, to_code: str, progress: Callable[[str], None] | None = None) -> InstalledPackage:
    """Download and install a pair from the Argos package index (needs network)."""
    from_code, to_code = base_language(from_code), base_language(to_code)
    index_url = os.environ.get("ARGOS_PACKAGE_INDEX", DEFAULT_INDEX)
    if not index_url.endswith(".json"):
        index_url = index_url.rstrip("/") + "/index.json"
    index = json.loads(_download(index_url, from_code, to_code))
    entry = next((e for e in index if e.get("from_code") == from_code and e.get("to_code") == to_code), None)
    if entry is None:
        raise LocalizeError(f"the Argos index has no {from_code}->{to_code} package; pivot through English with `localize models install {from_code} en` and `localize models install en {to_code}`")
    if progress:
        progress(f"downloading {from_code}->{to_code} {entry.get('package_version', '')}")
    data = b""
    for link in entry.get("links", []):
        try:
            data = _download(link, from_code, to_code)
            break
        except LocalizeError:
            continue
    if not data:
        raise LocalizeError(f"could not download the {from_code}->{to_code} package; fetch it elsewhere and run `localize models install --file FILE.argosmodel`")
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / f"{from_code}_{to_code}.argosmodel"
        write_bytes_atomic(archive, data)
        return install_file(archive)


def _download(url: str, from_code: str, to_code: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise LocalizeError(
            f"cannot reach {url} ({reason}); offline, install from a file: "
            f"`localize models install --file {from_code}_{to_code}.argosmodel`"
        ) from None


def _read_package(folder: Path) -> InstalledPackage | None:
    metadata_path = folder / "metadata.json"
    if not metadata_path.is_file() or not (folder / "model").is_dir():
        return None
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if metadata.get("type", "translate") != "translate" or not metadata.get("from_code") or not metadata.get("to_code"):
        return None
    return InstalledPackage(
        metadata["from_code"], metadata["to_code"], str(metadata.get("package_version", "")),
        folder, metadata.get("target_prefix", ""),
    )
