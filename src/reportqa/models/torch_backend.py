"""A sentence-transformers model on torch, on the CPU or a CUDA GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError


def embedding_dim(model: Any) -> int:
    """A SentenceTransformer's vector size (``get_embedding_dimension`` since v6, the old name before)."""
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())


class TorchEncoder:
    """The model as sentence-transformers runs it."""

    name = "torch"

    def __init__(self, folder: Path, device: str) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every command
        try:
            self.model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - library errors vary widely
            raise ModelError(f"cannot load embedding model from {folder}: {exc}. "
                             "Check the folder, or unset --model to use the default.") from exc
        self.dim = embedding_dim(self.model)
        self.batch_size = 128 if device == "cuda" else 16

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors for ``texts`` (one batch)."""
        return self.model.encode(texts, batch_size=len(texts), normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False).astype(np.float32)
