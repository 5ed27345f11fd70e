"""Dense search over one segment's passage vectors: exact (NumPy over the memory-mapped vectors) while
the segment is small, FAISS HNSW past ``ANN_MIN`` vectors. Deleted rows are never returned."""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

from ..errors import CorruptIndexError

ANN_FILE = "ann.faiss"
ANN_M, EF_CONSTRUCTION, EF_SEARCH = 32, 80, 128


def ann_min() -> int:
    """Segments with at least this many passages get an HNSW index (``REPORTQA_ANN_MIN``, default 50,000)."""
    return int(os.environ.get("REPORTQA_ANN_MIN", "50000"))


def build_ann(vectors: np.ndarray, directory: Path) -> list[str]:
    """Write an HNSW index (inner product) over ``vectors`` into ``directory``; returns its file name."""
    index = faiss.IndexHNSWFlat(vectors.shape[1], ANN_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    for a in range(0, len(vectors), 65536):
        index.add(np.ascontiguousarray(vectors[a:a + 65536], dtype=np.float32))
    faiss.write_index(index, str(directory / ANN_FILE))
    return [ANN_FILE]


class SegmentVectors:
    """Passage vectors of one segment, searched exactly or through its HNSW index."""

    def __init__(self, vectors: np.ndarray, ann_path: Path | None = None) -> None:
        self.vectors = vectors
        self._ann_path = ann_path
        self._ann: faiss.Index | None = None

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def approximate(self) -> bool:
        """Whether searches go through the HNSW index."""
        return self._ann_path is not None

    def search(self, query: np.ndarray, k: int, live: np.ndarray, exact: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of the ``k`` live rows nearest ``query`` (one vector), best first."""
        n_live = int(live.sum())
        k = min(k, n_live)
        if k == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        if self.approximate and not exact:
            return self._search_ann(query, k, live)
        scores = np.asarray(self.vectors) @ query.astype(self.vectors.dtype)
        scores = np.where(live, scores.astype(np.float32), -np.inf)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top], top.astype(np.int64)

    def _search_ann(self, query: np.ndarray, k: int, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._ann is None:
            try:
                self._ann = faiss.read_index(str(self._ann_path))
            except RuntimeError as exc:
                raise CorruptIndexError(f"{self._ann_path}: unreadable FAISS index ({exc})") from exc
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(EF_SEARCH, k)
        dead = np.flatnonzero(~live).astype(np.int64)
        if len(dead):
            batch = faiss.IDSelectorBatch(dead)
            params.sel = faiss.IDSelectorNot(batch)
        scores, rows = self._ann.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k, params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep].astype(np.int64)
