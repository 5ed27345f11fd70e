"""Dense search over one segment's passage vectors: exact (NumPy over the memory-mapped vectors) while
the segment is small; past ``ANN_MIN`` vectors, a FAISS IVF index with 8-bit codes proposes candidates
that are then scored exactly from the same vectors. Deleted rows are never returned."""

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
CANDIDATES = 4  # IVF proposes this many times k rows, scored exactly


def ann_min() -> int:
    """Segments with at least this many passages get an IVF index (``REPORTQA_ANN_MIN``, default 50,000)."""
    return int(os.environ.get("REPORTQA_ANN_MIN", "50000"))


def build_ann(vectors: np.ndarray, queries: np.ndarray, directory: Path) -> tuple[list[str], dict]:
    """Write an IVF index (inner product, 8-bit codes) over ``vectors`` into ``directory``, with the number
    of lists to probe raised until recall@10 against exact search reaches ``TARGET_RECALL`` for
    ``queries`` (sentence vectors of the same reports). Returns its file names and {nprobe, recall}."""
    n, dim = vectors.shape
    nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    index.train(np.ascontiguousarray(vectors[np.sort(rng.choice(n, min(n, 256 * nlist), replace=False))],
                                     dtype=np.float32))
    for a in range(0, n, 65536):
        index.add(np.ascontiguousarray(vectors[a:a + 65536], dtype=np.float32))
    sample = queries[np.sort(rng.choice(len(queries), min(len(queries), CALIBRATION_QUERIES), replace=False))]
    tuning = _calibrate(SegmentVectors(vectors, index=index), np.asarray(sample, dtype=np.float32))
    faiss.write_index(index, str(directory / ANN_FILE))
    return [ANN_FILE], tuning


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the ``found`` scores (one row per query, best first) that reach the k-th ``exact``
    score: recall@k that counts a passage tied with the k-th as found (reports repeat paragraphs)."""
    kth = exact[:, -1:] - 1e-5
    return float(np.mean(found >= kth))


def _calibrate(vectors: SegmentVectors, queries: np.ndarray) -> dict:
    """The smallest power-of-two probe count whose recall@10 reaches the target, and that recall."""
    live = np.ones(len(vectors), bool)
    exact = np.stack([vectors.search(q, 10, live, exact=True)[0] for q in queries])
    nlist = vectors.index.nlist
    while True:
        found = np.stack([_padded(vectors.search(q, 10, live)[0], 10) for q in queries])
        recall = recall_at_k(found, exact)
        if recall >= TARGET_RECALL or vectors.nprobe >= nlist:
            return {"nprobe": vectors.nprobe, "recall": round(recall, 4)}
        vectors.nprobe = min(vectors.nprobe * 2, nlist)


def _padded(scores: np.ndarray, k: int) -> np.ndarray:
    return np.concatenate([scores, np.full(k - len(scores), -np.inf, np.float32)])


class SegmentVectors:
    """Passage vectors of one segment, searched exactly or through its IVF index."""

    def __init__(self, vectors: np.ndarray, ann_path: Path | None = None, nprobe: int = 1,
                 index: faiss.Index | None = None) -> None:
        self.vectors = vectors
        self._ann_path, self.nprobe, self._index = ann_path, nprobe, index

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def approximate(self) -> bool:
        """Whether searches go through the IVF index."""
        return self._ann_path is not None or self._index is not None

    def open(self) -> None:
        """Read the IVF index, if there is one, and check that it indexes these vectors."""
        if self.approximate and self.index.ntotal != len(self.vectors):
            raise CorruptIndexError(f"{self._ann_path} indexes {self.index.ntotal} vectors, not {len(self.vectors)}")

    @property
    def index(self) -> faiss.Index:
        """The IVF index, read on first use."""
        if self._index is None:
            try:
                self._index = faiss.read_index(str(self._ann_path))
            except RuntimeError as exc:
                raise CorruptIndexError(f"{self._ann_path}: unreadable FAISS index ({exc})") from exc
        return self._index

    def search(self, query: np.ndarray, k: int, live: np.ndarray, exact: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of the ``k`` live rows nearest ``query`` (one vector), best first."""
        k = min(k, int(live.sum()))
        if k == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        rows = None if exact or not self.approximate else self._candidates(query, CANDIDATES * k, live)
        vecs = np.asarray(self.vectors) if rows is None else np.asarray(self.vectors[rows])
        scores = (vecs @ query.astype(vecs.dtype)).astype(np.float32)
        if rows is None:
            scores, rows = np.where(live, scores, -np.inf), np.arange(len(scores))
        top = np.argpartition(-scores, min(k, len(scores)) - 1)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top], rows[top].astype(np.int64)

    def _candidates(self, query: np.ndarray, n: int, live: np.ndarray) -> np.ndarray:
        """Up to ``n`` live rows the IVF index proposes, in row order (for reading the vectors)."""
        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        dead = np.flatnonzero(~live).astype(np.int64)
        if len(dead):
            batch = faiss.IDSelectorBatch(dead)
            params.sel = faiss.IDSelectorNot(batch)
        _, rows = self.index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), n, params=params)
        return np.sort(rows[0][rows[0] >= 0])
