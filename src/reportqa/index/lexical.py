"""Lexical store: BM25 over segmenter tokens, as postings per segment scored with corpus-wide statistics.

Each segment keeps a term → passages matrix (CSR: ``indptr``, ``rows``, ``tf``) and passage lengths;
nothing is re-tokenised or re-indexed when another segment is added, and document frequencies, average
length and IDF come from the postings of the live passages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from ..textnorm import fold

if TYPE_CHECKING:
    from ..segment import Segmenter

K1, B = 1.2, 0.75
FILES = ("lex_indptr.npy", "lex_rows.npy", "lex_tf.npy", "lex_lengths.npy", "lex_vocab.json")


class Postings:
    """One segment's postings: ``posting(term)`` gives the rows that contain it and how often."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
                 lengths: np.ndarray) -> None:
        self.vocab = vocab
        self.term_ids = {t: i for i, t in enumerate(vocab)}
        self.indptr, self.rows, self.tf, self.lengths = indptr, rows, tf, lengths

    @classmethod
    def from_tokens(cls, tokens: Sequence[Sequence[str]]) -> Postings:
        """Postings of passages given as token lists (row ``i`` is ``tokens[i]``)."""
        ids: dict[str, int] = {}
        terms = [[ids.setdefault(t, len(ids)) for t in toks] for toks in tokens]
        lengths = np.array([len(t) for t in terms], dtype=np.int32)
        col = np.fromiter((i for t in terms for i in t), dtype=np.int64, count=int(lengths.sum()))
        row = np.repeat(np.arange(len(terms), dtype=np.int64), lengths)
        return cls._from_triples(list(ids), col, row, np.ones(len(col), np.float32), lengths)

    @classmethod
    def _from_triples(cls, vocab: list[str], term: np.ndarray, row: np.ndarray, tf: np.ndarray,
                      lengths: np.ndarray) -> Postings:
        m = sparse.coo_matrix((tf, (term, row)), shape=(len(vocab), len(lengths))).tocsr()
        m.sum_duplicates()
        return cls(vocab, m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float32),
                   lengths)

    @classmethod
    def merge(cls, parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
        """One postings of the kept rows of several: ``parts`` are (postings, boolean mask of rows to keep),
        rows renumbered in order."""
        vocab: dict[str, int] = {}
        terms, rows, tfs, lengths, offset = [], [], [], [], 0
        for post, keep in parts:
            remap = np.full(len(keep), -1, np.int64)
            remap[keep] = offset + np.arange(int(keep.sum()))
            local = np.array([vocab.setdefault(t, len(vocab)) for t in post.vocab], dtype=np.int64)
            term = np.repeat(local, np.diff(post.indptr))
            row = remap[post.rows]
            live = row >= 0
            terms.append(term[live]), rows.append(row[live]), tfs.append(np.asarray(post.tf)[live])
            lengths.append(np.asarray(post.lengths)[keep])
            offset += int(keep.sum())
        cat = (lambda xs, t: np.concatenate(xs) if xs else np.zeros(0, t))
        return cls._from_triples(list(vocab), cat(terms, np.int64), cat(rows, np.int64), cat(tfs, np.float32),
                                 cat(lengths, np.int32))

    def posting(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, term frequencies) of ``term``; empty when the segment lacks it."""
        i = self.term_ids.get(term)
        if i is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return np.asarray(self.rows[a:b]), np.asarray(self.tf[a:b])

    def save(self, directory: Path) -> list[str]:
        """Write the arrays and vocabulary; returns the file names."""
        for name, arr in zip(FILES, (self.indptr, self.rows, self.tf, self.lengths)):
            np.save(directory / name, arr)
        (directory / FILES[-1]).write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        return list(FILES)

    @classmethod
    def load(cls, directory: Path) -> Postings:
        """Read postings written by :meth:`save` (arrays memory-mapped)."""
        arrays = [np.load(directory / name, mmap_mode="r") for name in FILES[:-1]]
        vocab = json.loads((directory / FILES[-1]).read_text(encoding="utf-8"))
        return cls(vocab, *arrays)


def idf(df: np.ndarray | int, n: int) -> np.ndarray | float:
    """BM25's smoothed inverse document frequency (never negative)."""
    return np.log(1 + (n - np.asarray(df) + 0.5) / (np.asarray(df) + 0.5))


def vocabulary_mentions(vocabulary: str, word: str, segmenter: Segmenter) -> bool:
    """Whether ``word`` is used by reports whose indexed terms are ``vocabulary`` (one per line, with a
    newline at each end): it is inside an indexed term, or each of its tokens is one."""
    if fold(word) in vocabulary:
        return True
    parts = segmenter.tokens(word)
    return bool(parts) and all(f"\n{t}\n" in vocabulary for t in parts)


class LexicalSearch:
    """BM25 over the live rows of several segments' postings, with corpus-wide N, avgdl and df."""

    def __init__(self, parts: Sequence[tuple[Postings, np.ndarray, int]]) -> None:
        """``parts``: (postings, boolean live-row mask, first global id of the segment)."""
        self.parts = list(parts)
        self.n = int(sum(int(live.sum()) for _, live, _ in self.parts))
        total = sum(float(np.asarray(p.lengths)[live].sum()) for p, live, _ in self.parts)
        self._df: dict[str, int] = {}  # the snapshot never changes: each term is counted once
        self.avgdl = total / self.n if self.n else 1.0

    def df(self, term: str) -> int:
        """Live passages containing ``term``."""
        if term not in self._df:
            self._df[term] = sum(int(live[p.posting(term)[0]].sum()) for p, live, _ in self.parts)
        return self._df[term]

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """IDF of each term present in some live passage (absent terms are left out)."""
        out = {}
        for t in dict.fromkeys(terms):
            d = self.df(t)
            if d:
                out[t] = float(idf(d, self.n))
        return out

    def max_idf(self) -> float:
        """The IDF of a term found in one passage: what a term unseen in the corpus weighs at least."""
        return float(idf(1, max(self.n, 1)))

    def search(self, tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, global ids)`` best first, only passages with a positive score."""
        weights = self.idf(tokens)
        if not weights:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = [], []
        for post, live, base in self.parts:
            acc = np.zeros(len(live), np.float32)
            lengths = np.asarray(post.lengths)
            for t in tokens:
                if t in weights:
                    rows, tf = post.posting(t)
                    norm = K1 * (1 - B + B * lengths[rows] / self.avgdl)
                    acc[rows] += weights[t] * tf * (K1 + 1) / (tf + norm)  # rows are unique within a term
            acc[~live] = 0
            top = np.flatnonzero(acc > 0)
            top = top[np.argsort(-acc[top], kind="stable")[:k]]
            scores.append(acc[top]), ids.append(top.astype(np.int64) + base)
        s, i = np.concatenate(scores), np.concatenate(ids)
        order = np.argsort(-s, kind="stable")[:k]
        return s[order], i[order]

    def vocabulary_text(self) -> str:
        """Every indexed term, one per line: for checking whether the reports use a word at all."""
        return "\n".join(dict.fromkeys(t for p, _, _ in self.parts for t in p.vocab))
