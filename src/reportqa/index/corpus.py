"""One snapshot opened for questions: its segments with deletions applied, behind the lookups the
retriever and the answerer use. Nothing here holds the corpus in memory: arrays are memory-mapped,
report text is read from the segments when a passage is shown."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import CorruptIndexError
from ..fuse import rrf
from ..types import Chunk, Passage, Sentence
from .documents import CachedDocuments
from .lexical import LexicalSearch, vocabulary_mentions
from .segment import DocRecord, Segment
from .snapshot import REBUILD_HINT, SnapshotStore

if TYPE_CHECKING:
    from ..segment import Segmenter


def content_key(model_id: str, text: str) -> bytes:
    """Hash that identifies an embedding: same model + same text → same vector (16 bytes)."""
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).digest()[:16]


@dataclass(frozen=True)
class Located:
    """Where a live report is: its segment (by position) and ordinal there, with its file identity."""

    segment: int
    record: DocRecord


class Documents(CachedDocuments):
    """doc id → :class:`Document` of the live reports, read from the segments on demand (a few kept)."""

    def __init__(self, segments: list[Segment], where: dict[str, Located]) -> None:
        super().__init__(where, lambda d: segments[where[d].segment].document(where[d].record.ord))
        self._segments, self._where = segments, where

    def metas(self) -> list[dict]:
        """Metadata (with ``chars``) of every live report, without reading any text."""
        out = []
        for i, seg in enumerate(self._segments):
            for ord_, meta in seg.metas():
                loc = self._where.get(meta["doc_id"])
                if loc is not None and loc.segment == i and loc.record.ord == ord_:
                    out.append(meta)
        return out


class Chunks:
    """Passages by global id (numbered over all segments, deleted ones included); ``len`` and
    iteration cover the live ones."""

    def __init__(self, index: CorpusIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.live_count

    def __getitem__(self, gid: int) -> Chunk:
        return self._index.chunk(gid)

    def __iter__(self) -> Iterator[Chunk]:
        """The live passages, in segment order."""
        for gid in self._index.live_ids():
            yield self._index.chunk(int(gid))


class CorpusIndex:
    """The live snapshot: segments, deletions, lookups and both searches."""

    def __init__(self, manifest: dict, segments: list[Segment], path: Path | None = None) -> None:
        self.manifest, self.segments, self.path = manifest, segments, path
        deleted = [set(s.get("deleted", [])) for s in manifest["segments"]]
        self.where: dict[str, Located] = {}
        self.live: list[np.ndarray] = []
        self._doc_ids: list[dict[int, str]] = []  # per segment: ordinal → doc id
        for i, (seg, gone) in enumerate(zip(segments, deleted)):
            records = seg.records()
            self._doc_ids.append({rec.ord: rec.doc_id for rec in records})
            for rec in records:
                if rec.ord not in gone:
                    self.where[rec.doc_id] = Located(i, rec)
            self.live.append(seg.live_masks(gone)[0])
        self.bases = list(np.cumsum([0] + [len(s.passages) for s in segments]))
        self.sbases = list(np.cumsum([0] + [len(s.sentences) for s in segments]))
        self.passage_total = int(self.bases[-1])
        self.live_count = int(sum(int(live.sum()) for live in self.live))
        self.docs = Documents(segments, self.where)
        self.chunks = Chunks(self)
        self.lexical = LexicalSearch([(s.postings, live, int(b)) for s, live, b in
                                      zip(segments, self.live, self.bases)])
        self.dense = DenseSearch(self)
        self.records = {doc_id: loc.record for doc_id, loc in self.where.items()}
        self.name = path.name if path else ""
        self._tokens: dict[int, set[str]] = {}

    @classmethod
    def load(cls, store: SnapshotStore, expect: dict[str, str] | None = None) -> CorpusIndex:
        """Open the live snapshot (refusing a corrupt or mismatched one); cheap checks only."""
        snap, manifest = store.load_manifest(expect)
        segments = []
        try:
            for entry in manifest["segments"]:
                segments.append(Segment(store.segments / entry["name"]))
            return cls(manifest, segments, snap)
        except (CorruptIndexError, OSError, KeyError, ValueError, TypeError) as exc:
            for seg in segments:
                seg.close()
            raise CorruptIndexError(f"index at {store.root} is unreadable ({_describe(exc)}); "
                                    + REBUILD_HINT.format(root=store.root)) from exc

    def close(self) -> None:
        """Close the segments' report databases."""
        for seg in self.segments:
            seg.close()

    def hybrid(self, qvec: np.ndarray, tokens: list[str], candidates: int, keep: int) -> list[Passage]:
        """Dense and BM25 candidates (``candidates`` each) fused by reciprocal rank; the best ``keep``."""
        dscores, dids = self.dense.search(qvec[None, :], candidates)
        lscores, lids = self.lexical.search(tokens, candidates)
        dense = {int(i): (r, float(s)) for r, (i, s) in enumerate(zip(dids[0], dscores[0]), 1) if i >= 0}
        lex = {int(i): (r, float(s)) for r, (i, s) in enumerate(zip(lids, lscores), 1)}
        out = []
        for cid, score in rrf([list(dense), list(lex)])[:keep]:
            d, lx = dense.get(cid), lex.get(cid)
            out.append(Passage(self.chunk(cid), score, d and d[1], lx and lx[1], d and d[0], lx and lx[0]))
        return out

    def locate(self, gid: int) -> tuple[int, int]:
        """(segment position, row in it) of global passage id ``gid``."""
        i = bisect.bisect_right(self.bases, gid) - 1
        if not 0 <= gid < self.passage_total:
            raise IndexError(f"passage {gid} is not in the index")
        return i, gid - int(self.bases[i])

    def live_ids(self) -> np.ndarray:
        """Global ids of the live passages."""
        return np.concatenate([np.flatnonzero(live) + int(b) for live, b in zip(self.live, self.bases)]
                              or [np.zeros(0, np.int64)])

    def chunk(self, gid: int) -> Chunk:
        """The passage with global id ``gid``."""
        i, row = self.locate(gid)
        seg = self.segments[i]
        doc_ord, ordinal, start, end = (int(x) for x in seg.passages[row])
        doc_id = self._doc_ids[i][doc_ord]
        text = self.docs[doc_id].text[start:end]
        return Chunk(f"{doc_id}#{ordinal}", doc_id, start, end, text, row=gid)

    def sentences_within(self, chunk: Chunk) -> list[tuple[int, Sentence]]:
        """(global row, sentence) for the sentences inside ``chunk``."""
        i, row = self.locate(chunk.row)
        seg = self.segments[i]
        first, last = (int(x) for x in seg.passage_sents[row])
        text = self.docs[chunk.doc_id].text
        out = []
        for r in range(first, last):
            _, start, end = (int(x) for x in seg.sentences[r])
            out.append((int(self.sbases[i]) + r, Sentence(chunk.doc_id, start, end, text[start:end])))
        return out

    def iter_sentences(self) -> Iterator[Sentence]:
        """Every sentence of the live reports, report by report."""
        for doc_id, loc in self.where.items():
            seg = self.segments[loc.segment]
            text = self.docs[doc_id].text
            for r in np.flatnonzero(np.asarray(seg.sentences[:, 0]) == loc.record.ord):
                _, start, end = (int(x) for x in seg.sentences[r])
                yield Sentence(doc_id, start, end, text[start:end])

    def verify(self) -> list[str]:
        """Problems found by checking every file of every live segment against its sha256 (slow; what
        ``reportqa check`` runs). Empty when the index is sound."""
        return [problem for seg in self.segments for problem in seg.verify()]

    def sentence_vector(self, row: int) -> np.ndarray:
        """The vector of sentence ``row`` (global)."""
        i = bisect.bisect_right(self.sbases, row) - 1
        return np.asarray(self.segments[i].sentence_vectors[row - int(self.sbases[i])], dtype=np.float32)

    def sentence_tokens(self, row: int, segmenter: Segmenter, text: str) -> set[str]:
        """Segmenter tokens of sentence ``row`` (its ``text``), computed once."""
        if row not in self._tokens:
            self._tokens[row] = set(segmenter.tokens(text))
        return self._tokens[row]

    def idf(self, terms: list[str] | set[str]) -> dict[str, float]:
        """IDF over the live passages of each of ``terms`` the corpus holds (others are left out)."""
        return self.lexical.idf(list(terms))

    def max_idf(self) -> float:
        """The weight of a term found in a single passage."""
        return self.lexical.max_idf()

    @cached_property
    def _vocabulary(self) -> str:
        return "\n" + self.lexical.vocabulary_text() + "\n"

    def mentions(self, word: str, segmenter: Segmenter) -> bool:
        """Whether the reports use ``word`` (see :func:`~reportqa.index.lexical.vocabulary_mentions`)."""
        return vocabulary_mentions(self._vocabulary, word, segmenter)

    def doc_vectors(self, doc_id: str) -> dict[bytes, np.ndarray]:
        """Content key → vector of a live report's passages and sentences, for reuse when it changes."""
        loc = self.where.get(doc_id)
        if loc is None:
            return {}
        seg = self.segments[loc.segment]
        prow = np.flatnonzero(np.asarray(seg.passages[:, 0]) == loc.record.ord)
        srow = np.flatnonzero(np.asarray(seg.sentences[:, 0]) == loc.record.ord)
        out = dict(zip((bytes(k) for k in seg.passage_keys[prow]), seg.passage_vectors[prow]))
        out.update(zip((bytes(k) for k in seg.sentence_keys[srow]), seg.sentence_vectors[srow].astype(np.float32)))
        return out

    @property
    def sentence_count(self) -> int:
        """Sentences of the live reports."""
        return int(self.manifest.get("sentence_count", 0))


class DenseSearch:
    """Nearest passages over every segment (exact or IVF per segment), global ids."""

    def __init__(self, index: CorpusIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.live_count

    def search(self, queries: np.ndarray, k: int, exact: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of shape (1, k') for one query vector (a 1×dim array), best first."""
        q = np.asarray(queries, dtype=np.float32).reshape(-1)
        scores, ids = [], []
        for seg, live, base in zip(self._index.segments, self._index.live, self._index.bases):
            s, rows = seg.vectors.search(q, k, live, exact)
            scores.append(s), ids.append(rows + int(base))
        s = np.concatenate(scores) if scores else np.zeros(0, np.float32)
        i = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        order = np.argsort(-s, kind="stable")[:k]
        return s[order][None, :], i[order][None, :]


def _describe(exc: Exception) -> str:
    """What went wrong reading a snapshot, in words: a bare KeyError prints only the key (5)."""
    if isinstance(exc, KeyError):
        return f"a record refers to {exc.args[0]!r}, which the snapshot lacks"
    return str(exc) or type(exc).__name__
