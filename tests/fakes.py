"""A fake embedding model for fast tests: character-bigram hashing, deterministic."""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np


class HashEmbedder:
    """Bag of character bigrams hashed into ``dim`` buckets; counts every text it embeds."""

    def __init__(self, dim: int = 64, model_id: str = "fake/hash-bigram") -> None:
        self.model_id = model_id
        self.backend, self.device = "fake", "cpu"
        self._dim = dim
        self.embedded: list[str] = []

    @property
    def dim(self) -> int:
        return self._dim

    def warm_up(self) -> None:
        pass

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, np.float32)
        for a, b in zip(text, text[1:]):
            v[int(hashlib.md5((a + b).encode()).hexdigest(), 16) % self._dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts])
