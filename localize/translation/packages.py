"""Argos Translate packages: where they live, installing them, listing installed pairs.

Works without importing ``argostranslate`` (whose import pulls spaCy and Stanza and
creates folders in ``~``): packages are zip files of one folder with ``metadata.json``,
``model/`` (CTranslate2) and ``sentencepiece.model``. The packages folder is
``$ARGOS_PACKAGES_DIR``, as for Argos itself, read at call time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from localize.errors import InputError, LocalizeError, ModelError
from localize.fileio import write_bytes_atomic
from localize.fingerprint import file_digest
from localize.language import base_language
from localize.paths import safe_name

log = logging.getLogger("localize.translation")
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
        return {
            "name": f"translate {self.pair} {self.version}".strip(),
            "engine": "argos",
            "source": "installed",
            "status": "ready",
            "path": str(self.path),
            "from": self.from_code,
            "to": self.to_code,
        }


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


def installed_models() -> list[dict[str, Any]]:
    """Installed packages with a hash of each model: new models mean new translations."""
    found = []
    for package in installed_pairs():
        model = package.path / "model" / "model.bin"
        digest = file_digest(model) if model.is_file() else None
        found.append({"pair": package.pair, "version": package.version, "model_sha256": digest})
    return found


def find_package(from_code: str, to_code: str) -> InstalledPackage | None:
    matches = [p for p in installed_pairs() if p.from_code == from_code and p.to_code == to_code]
    return matches[-1] if matches else None


def install_file(path: str | Path) -> InstalledPackage:
    """Install a ``.argosmodel`` file offline, replacing an installed copy of the same folder.

    The archive is checked whole before anything installed changes: a sound zip (CRC) of
    one safely named folder, typed ``metadata.json``, the required files, and a model and
    tokenizer that load. It is unpacked and loaded in a temporary folder, then swapped in.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    root = packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".installing-") as tmp:
        unpacked = _unpack(path, Path(tmp))
        package = _validate(unpacked, path)
        target = root / unpacked.name
        _swap_in(unpacked, target)
    return replace(package, path=target)


def _unpack(path: Path, tmp: Path) -> Path:
    """Extract the archive's one top folder into ``tmp``; one-line errors for anything else."""
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not an Argos package (expected a .argosmodel zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist()]
            top = _top_folder(names, path)
            broken = archive.testzip()
            if broken is not None:
                raise ModelError(f"{path}: damaged archive (CRC error in {broken})")
            for info in archive.infolist():
                _extract(archive, info, tmp, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as error:
        raise ModelError(f"{path}: not a readable Argos package ({error})") from None
    return tmp / top


def _top_folder(names: list[str], path: Path) -> str:
    tops = {name.split("/")[0] for name in names if name.strip("/")}
    if len(tops) != 1:
        raise ModelError(f"{path}: not an Argos package (needs exactly one top folder with metadata.json)")
    top = next(iter(tops))
    try:
        safe_name(top, "package folder")
    except LocalizeError as error:
        raise ModelError(f"{path}: not an Argos package ({error})") from None
    if f"{top}/metadata.json" not in names:
        raise ModelError(f"{path}: not an Argos package (no {top}/metadata.json)")
    return top


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, tmp: Path, path: Path) -> None:
    """One member as a plain file or folder, only inside ``tmp`` (no links, no absolute or ``..`` paths)."""
    parts = [p for p in info.filename.split("/") if p]
    if any(p in (".", "..") or "\\" in p for p in parts) or info.filename.startswith("/"):
        raise ModelError(f"{path}: unsafe path in archive: {info.filename!r}")
    target = tmp.joinpath(*parts)
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


#: metadata.json keys an installed package relies on, with their types
METADATA_TYPES: dict[str, type | tuple[type, ...]] = {
    "from_code": str,
    "to_code": str,
    "package_version": (str, int, float),
    "type": str,
    "target_prefix": str,
}
REQUIRED_FILES = ("model/model.bin", "sentencepiece.model")


def _validate(folder: Path, path: Path) -> InstalledPackage:
    """The package in ``folder`` if its metadata, files and model are all sound."""
    metadata = _metadata(folder, path)
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            raise ModelError(f"{path}: not a translation package ({name} is missing)")
    package = _package(folder, metadata)
    _load_check(package, path)
    return package


def _metadata(folder: Path, origin: Path) -> dict[str, Any]:
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ModelError(f"{origin}: metadata.json is not valid JSON ({error})") from None
    if not isinstance(metadata, dict):
        raise ModelError(f"{origin}: metadata.json must be a JSON object, not {type(metadata).__name__}")
    for key, kind in METADATA_TYPES.items():
        if key in metadata and (not isinstance(metadata[key], kind) or isinstance(metadata[key], bool)):
            raise ModelError(f"{origin}: metadata.json: '{key}' has the wrong type ({type(metadata[key]).__name__})")
    if metadata.get("type", "translate") != "translate":
        raise ModelError(f"{origin}: not a translation package (type {metadata['type']!r})")
    for key in ("from_code", "to_code"):
        if not metadata.get(key):
            raise ModelError(f"{origin}: metadata.json lacks '{key}'")
        try:
            base_language(metadata[key])
        except LocalizeError as error:
            raise ModelError(f"{origin}: metadata.json: '{key}': {error}") from None
    return metadata


def _package(folder: Path, metadata: dict[str, Any]) -> InstalledPackage:
    return InstalledPackage(
        metadata["from_code"],
        metadata["to_code"],
        str(metadata.get("package_version", "")),
        folder,
        metadata.get("target_prefix", ""),
    )


def _load_check(package: InstalledPackage, origin: Path) -> None:
    """Load the CTranslate2 model and the SentencePiece tokenizer once (truncated weights fail here)."""
    import ctranslate2
    import sentencepiece

    try:
        tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(package.path / "sentencepiece.model"))
        model = ctranslate2.Translator(str(package.path / "model"), device="cpu", intra_threads=1)
        model.translate_batch([tokenizer.encode("ok", out_type=str)], max_decoding_length=4)
    except Exception as error:  # noqa: BLE001 - both libraries raise RuntimeError/OSError of many kinds
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ModelError(f"{origin}: the model does not load ({first})") from None


def _swap_in(unpacked: Path, target: Path) -> None:
    """Replace ``target`` by ``unpacked``; the old copy is removed only once the new one is in place."""
    old = unpacked.parent / ".previous"
    if target.exists():
        target.rename(old)
    try:
        unpacked.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def install_pair(from_code: str, to_code: str, progress: Callable[[str], None] | None = None) -> InstalledPackage:
    """Download and install a pair from the Argos package index (needs network)."""
    from_code, to_code = base_language(from_code), base_language(to_code)
    index_url = os.environ.get("ARGOS_PACKAGE_INDEX", DEFAULT_INDEX)
    if not index_url.endswith(".json"):
        index_url = index_url.rstrip("/") + "/index.json"
    index = json.loads(_download(index_url, from_code, to_code))
    entry = next((e for e in index if e.get("from_code") == from_code and e.get("to_code") == to_code), None)
    if entry is None:
        raise ModelError(
            f"the Argos index has no {from_code}->{to_code} package; pivot through English with `localize models install {from_code} en` and `localize models install en {to_code}`"
        )
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
        raise ModelError(
            f"could not download the {from_code}->{to_code} package; fetch it elsewhere and run `localize models install --file FILE.argosmodel`"
        )
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
        raise ModelError(
            f"cannot reach {url} ({reason}); offline, install from a file: "
            f"`localize models install --file {from_code}_{to_code}.argosmodel`"
        ) from None


def _read_package(folder: Path) -> InstalledPackage | None:
    """An installed package, or None (with a warning) when its folder is not a sound package."""
    if not (folder / "metadata.json").is_file() or folder.name.startswith("."):
        return None
    try:
        metadata = _metadata(folder, folder)
    except ModelError as error:
        log.warning("skipping %s", error)
        return None
    if not (folder / "model").is_dir():
        return None
    return _package(folder, metadata)
