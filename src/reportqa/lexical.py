"""Lexical store: BM25 (bm25s) over segmenter tokens, with the same verbs as the dense store."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np

from .errors import CorruptIndexError


class BM25Store:
    """BM25 over pre-tokenised passages, keyed by int64 ids.

    bm25s indexes a whole corpus at once, so ``add``/``remove`` re-index from the
    kept tokens (cheap next to embedding).
    """

    DIR = "bm25"
    TOKENS = "bm25_tokens.json"

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._ids: list[int] = []
        self._tokens: list[list[str]] = []
        self._bm25: bm25s.BM25 | None = None

    def build(self, ids: np.ndarray, tokens: list[list[str]]) -> None:
        """Replace the contents with these token lists."""
        if len(ids) != len(tokens):
            raise ValueError(f"{len(ids)} ids but {len(tokens)} token lists")
        self._ids = [int(i) for i in ids]
        self._tokens = [list(t) for t in tokens]
        self._reindex()

    def _reindex(self) -> None:
        self._bm25 = None
        if self._ids:
            bm = bm25s.BM25(k1=self.k1, b=self.b)
            bm.index([t or [""] for t in self._tokens], show_progress=False)
            self._bm25 = bm

    def add(self, ids: np.ndarray, tokens: list[list[str]]) -> None:
        """Add passages under new ids."""
        self.build(np.array(self._ids + [int(i) for i in ids]), self._tokens + list(tokens))

    def remove(self, ids: np.ndarray) -> None:
        """Drop passages by id."""
        drop = {int(i) for i in ids}
        keep = [n for n, i in enumerate(self._ids) if i not in drop]
        self.build(np.array([self._ids[n] for n in keep]), [self._tokens[n] for n in keep])

    def search(self, tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` best first, only passages with a positive score."""
        if self._bm25 is None:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        vocab = self._bm25.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores = self._bm25.get_scores(known)
        order = np.argsort(-scores, kind="stable")[:k]
        order = order[scores[order] > 0]
        return scores[order].astype(np.float32), np.array(self._ids, dtype=np.int64)[order]

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every indexed token (BM25's smoothed form)."""
        df: dict[str, int] = {}
        for toks in self._tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        n = len(self._tokens)
        return {t: float(np.log(1 + (n - d + 0.5) / (d + 0.5))) for t, d in df.items()}

    def save(self, directory: Path) -> list[str]:
        """Write to ``directory``; returns the file names written (relative)."""
        (directory / self.TOKENS).write_text(
            json.dumps({"k1": self.k1, "b": self.b, "ids": self._ids, "tokens": self._tokens},
                       ensure_ascii=False), encoding="utf-8")
        files = [self.TOKENS]
        if self._bm25 is not None:
            self._bm25.save(str(directory / self.DIR), show_progress=False)
            files += [f"{self.DIR}/{p.name}" for p in sorted((directory / self.DIR).iterdir())]
        return files

    @classmethod
    def load(cls, directory: Path) -> BM25Store:
        """Read a store written by :meth:`save`."""
        try:
            data = json.loads((directory / cls.TOKENS).read_text(encoding="utf-8"))
            store = cls(data["k1"], data["b"])
            store._ids, store._tokens = data["ids"], data["tokens"]
            if store._ids:
                store._bm25 = bm25s.BM25.load(str(directory / cls.DIR), show_progress=False)
        except (OSError, ValueError, KeyError) as exc:
            raise CorruptIndexError(f"{directory}: unreadable BM25 index ({exc})") from exc
        return store

    def __len__(self) -> int:
        return len(self._ids)
