"""Dense vector store. FAISS is the embedded default; other engines implement :class:`VectorStore`."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from .errors import CorruptIndexError


class VectorStore(Protocol):
    """Same verbs on every backend (FAISS here; a Milvus store could slot in)."""

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def remove(self, ids: np.ndarray) -> None: ...
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, directory: Path) -> list[str]: ...
    def __len__(self) -> int: ...


class FaissStore:
    """Exact inner-product search over L2-normalised vectors, keyed by int64 ids."""

    FILE = "dense.faiss"

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the contents with these vectors."""
        self._index.reset()
        self.add(ids, vectors)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ``ids`` (ids must be new)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors of shape {vectors.shape} do not match dimension {self.dim}")
        if len(ids):
            self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> None:
        """Drop the vectors with these ids (unknown ids are ignored)."""
        self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)``, each of shape (n_queries, k'), best first; k' ≤ k."""
        k = min(k, len(self))
        if k == 0:
            n = len(queries)
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def save(self, directory: Path) -> list[str]:
        """Write to ``directory``; returns the file names written."""
        faiss.write_index(self._index, str(directory / self.FILE))
        return [self.FILE]

    @classmethod
    def load(cls, directory: Path) -> FaissStore:
        """Read a store written by :meth:`save`."""
        path = directory / cls.FILE
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise CorruptIndexError(f"{path}: unreadable FAISS index ({exc})") from exc
        store = cls(index.d)
        store._index = index
        return store

    def __len__(self) -> int:
        return int(self._index.ntotal)
