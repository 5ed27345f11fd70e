"""One snapshot's data in memory: documents, chunks, sentences, vectors and both stores."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .dense import FaissStore
from .errors import CorruptIndexError
from .lexical import BM25Store
from .store import REBUILD_HINT, SnapshotStore
from .textnorm import fold
from .types import Chunk, Document, Sentence

if TYPE_CHECKING:
    from .segment import Segmenter

DOCS, CHUNKS, SENTS = "docs.jsonl", "chunks.jsonl", "sentences.jsonl"
CHUNK_VECS, SENT_VECS = "chunk_vectors.npy", "sentence_vectors.npy"


def content_key(model_id: str, text: str) -> str:
    """Hash that identifies an embedding: same model + same text → same vector."""
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()[:32]


@dataclass
class CorpusIndex:
    """Everything a query needs; row ``i`` of ``chunk_vectors`` is ``chunks[i]`` (id ``i``)."""

    manifest: dict
    docs: dict[str, Document]
    chunks: list[Chunk]
    chunk_keys: list[str]
    chunk_vectors: np.ndarray
    sentences: list[Sentence]
    sentence_keys: list[str]
    sentence_vectors: np.ndarray
    dense: FaissStore
    lexical: BM25Store
    path: Path | None = None

    def save(self, directory: Path) -> list[str]:
        """Write all data files into ``directory``; returns their names."""
        _write_jsonl(directory / DOCS, (asdict(d) for d in self.docs.values()))
        _write_jsonl(directory / CHUNKS, ({"chunk_id": c.chunk_id, "doc_id": c.doc_id, "start": c.start,
                                           "end": c.end, "key": k} for c, k in zip(self.chunks, self.chunk_keys)))
        _write_jsonl(directory / SENTS, ({"doc_id": s.doc_id, "start": s.start, "end": s.end, "key": k}
                                         for s, k in zip(self.sentences, self.sentence_keys)))
        np.save(directory / CHUNK_VECS, self.chunk_vectors.astype(np.float32))
        np.save(directory / SENT_VECS, self.sentence_vectors.astype(np.float32))
        files = [DOCS, CHUNKS, SENTS, CHUNK_VECS, SENT_VECS]
        return files + self.dense.save(directory) + self.lexical.save(directory)

    @classmethod
    def load(cls, store: SnapshotStore, expect: dict[str, str] | None = None) -> CorpusIndex:
        """Load and verify the live snapshot (refusing a corrupt or mismatched one)."""
        snap, manifest = store.load_manifest(expect)
        try:
            docs = {d["doc_id"]: Document(**d) for d in _read_jsonl(snap / DOCS)}
            chunks, ckeys = [], []
            for r in _read_jsonl(snap / CHUNKS):
                text = docs[r["doc_id"]].text[r["start"]:r["end"]]
                chunks.append(Chunk(r["chunk_id"], r["doc_id"], r["start"], r["end"], text))
                ckeys.append(r["key"])
            sents, skeys = [], []
            for r in _read_jsonl(snap / SENTS):
                sents.append(Sentence(r["doc_id"], r["start"], r["end"],
                                      docs[r["doc_id"]].text[r["start"]:r["end"]]))
                skeys.append(r["key"])
            cvec, svec = np.load(snap / CHUNK_VECS), np.load(snap / SENT_VECS)
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise CorruptIndexError(f"index at {store.root} is unreadable ({_describe(exc)}); "
                                    + REBUILD_HINT.format(root=store.root)) from exc
        return cls(manifest, docs, chunks, ckeys, cvec, sents, skeys, svec,
                   FaissStore.load(snap), BM25Store.load(snap), snap)

    @cached_property
    def _rows(self) -> dict[str, list[int]]:
        rows: dict[str, list[int]] = {}
        for i, s in enumerate(self.sentences):
            rows.setdefault(s.doc_id, []).append(i)
        return rows

    @cached_property
    def _token_cache(self) -> dict[int, set[str]]:
        return {}

    @cached_property
    def _folded(self) -> str:
        return "\n".join(fold(d.title + "\n" + d.text) for d in self.docs.values())

    @cached_property
    def _idf(self) -> dict[str, float]:
        return self.lexical.idf()

    def sentence_rows(self, doc_id: str) -> list[int]:
        """Rows of ``sentences`` belonging to ``doc_id``."""
        return self._rows.get(doc_id, [])

    def sentences_within(self, chunk: Chunk) -> list[tuple[int, Sentence]]:
        """(row, sentence) for the sentences inside ``chunk``."""
        return [(i, self.sentences[i]) for i in self.sentence_rows(chunk.doc_id)
                if self.sentences[i].start >= chunk.start and self.sentences[i].end <= chunk.end]

    def sentence_tokens(self, row: int, segmenter: Segmenter) -> set[str]:
        """Segmenter tokens of sentence ``row`` (computed once)."""
        if row not in self._token_cache:
            self._token_cache[row] = set(segmenter.tokens(self.sentences[row].text))
        return self._token_cache[row]

    def folded_text(self) -> str:
        """All reports' titles and text in folded form (normalised, no spaces), for substring checks."""
        return self._folded

    def idf(self) -> dict[str, float]:
        """Token IDF over the passages."""
        return self._idf

    def vector_cache(self) -> dict[str, np.ndarray]:
        """Content key → vector, for reuse by the next build."""
        cache = dict(zip(self.chunk_keys, self.chunk_vectors))
        cache.update(zip(self.sentence_keys, self.sentence_vectors))
        return cache


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _describe(exc: Exception) -> str:
    """What went wrong reading a snapshot, in words: a bare KeyError prints only the key (5)."""
    if isinstance(exc, KeyError):
        return f"a record refers to {exc.args[0]!r}, which the snapshot lacks"
    return str(exc) or type(exc).__name__
