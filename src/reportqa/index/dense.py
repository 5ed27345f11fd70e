"""Dense search over one segment's passage vectors: exact (NumPy over the memory-mapped vectors) while
the segment is small, a FAISS IVF index past ``ANN_MIN`` vectors. Deleted rows are never returned."""

from __future__ import annotations

import math
import os
from pathlib import Path

import faiss
import numpy as np

from ..errors import CorruptIndexError

ANN_FILE = "ann.faiss"
TARGET_RECALL = 0.985  # recall@10 against exact search that the probe count is raised to reach
CALIBRATION_QUERIES = 100


def ann_min() -> int:
    """Segments with at least this many passages get an IVF index (``REPORTQA_ANN_MIN``, default 50,000)."""
    return int(os.environ.get("REPORTQA_ANN_MIN", "50000"))


def build_ann(vectors: np.ndarray, queries: np.ndarray, directory: Path) -> tuple[list[str], dict]:
    """Write an IVF index (inner product) over ``vectors`` into ``directory``, with the number of lists
    to probe raised until recall@10 against exact search reaches ``TARGET_RECALL`` for ``queries``
    (sentence vectors of the same reports). Returns its file names and {nprobe, recall}."""
    n, dim = vectors.shape
    nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    index.train(np.ascontiguousarray(vectors[np.sort(rng.choice(n, min(n, 256 * nlist), replace=False))],
                                     dtype=np.float32))
    for a in range(0, n, 65536):
        index.add(np.ascontiguousarray(vectors[a:a + 65536], dtype=np.float32))
    tuning = _calibrate(index, vectors, queries[np.sort(rng.choice(len(queries), min(len(queries),
                                                                                      CALIBRATION_QUERIES), replace=False))])
    faiss.write_index(index, str(directory / ANN_FILE))
    return [ANN_FILE], tuning


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the ``found`` scores (one row per query, best first) that reach the k-th ``exact``
    score: recall@k that counts a passage tied with the k-th as found (reports repeat paragraphs)."""
    kth = exact[:, -1:] - 1e-5
    return float(np.mean(found >= kth))


def _calibrate(index: faiss.IndexIVFFlat, vectors: np.ndarray, queries: np.ndarray) -> dict:
    """The smallest power-of-two probe count whose recall@10 reaches the target, and that recall."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact = np.stack([-np.sort(-(np.asarray(vectors) @ q))[:10] for q in queries])
    nprobe, recall = 1, 0.0
    while True:
        index.nprobe = nprobe
        found, _ = index.search(queries, 10)
        recall = recall_at_k(np.where(np.isfinite(found), found, -np.inf), exact)
        if recall >= TARGET_RECALL or nprobe >= index.nlist:
            return {"nprobe": nprobe, "recall": round(recall, 4)}
        nprobe = min(nprobe * 2, index.nlist)


class SegmentVectors:
    """Passage vectors of one segment, searched exactly or through its IVF index."""

    def __init__(self, vectors: np.ndarray, ann_path: Path | None = None, nprobe: int = 1) -> None:
        self.vectors = vectors
        self._ann_path, self.nprobe = ann_path, nprobe
        self._ann: faiss.Index | None = None

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def approximate(self) -> bool:
        """Whether searches go through the IVF index."""
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
        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        dead = np.flatnonzero(~live).astype(np.int64)
        if len(dead):
            batch = faiss.IDSelectorBatch(dead)
            params.sel = faiss.IDSelectorNot(batch)
        scores, rows = self._ann.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k, params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep].astype(np.int64)
